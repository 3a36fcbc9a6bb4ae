"""The shipper: moves journalled events into the graph's hash chain as soon as they are synced.

It runs beside the requests of one hub process. Woken by an event, it lingers a moment
(``audit_ship_linger_ms``) for others to join, then takes every event the journal holds and
commits them in one chained write (``AuditLog.ship``): one transaction for many requests, so
the write's cost is not paid again by each of them; ``drain`` ships at once. If the graph cannot
take them, it retries with a growing pause; events stay in the journal meanwhile, and once the
oldest has waited longer than ``audit_max_lag_seconds`` the hub refuses new requests
(``lagging``), so the log auditors read is never far behind what was disclosed.

At start it first ships the segments of hub processes that are gone (``Journal.orphans``),
skipping events the graph already has. On a quiet hub it signs a checkpoint once
``audit_checkpoint_seconds`` pass without events, so the last events are not left unsigned.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

from audit.journal import Journal, read_segment
from audit.store import AuditLog, AuditUnavailable
from hub.logs import log

MAX_PAUSE_SECONDS = 5.0


class Shipper:
    def __init__(self, journal: Journal, log_: AuditLog, *, max_lag_seconds: float,
                 linger_seconds: float, checkpoint_seconds: float) -> None:
        self.journal = journal
        self.log = log_
        self.max_lag_seconds = max_lag_seconds
        self.linger_seconds = linger_seconds
        self.checkpoint_seconds = checkpoint_seconds
        self._wake = asyncio.Event()
        self._now = asyncio.Event()  # drain: no lingering
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._orphans_done = False

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(),
                                                                 name="audit shipper")
            if not self._orphans_done:
                self._wake.set()  # what dead processes left is shipped first, now

    def wake(self) -> None:
        self.start()
        self._wake.set()

    def lagging(self) -> bool:
        oldest = self.journal.oldest_unshipped()
        return oldest is not None and time.monotonic() - oldest > self.max_lag_seconds

    async def drain(self, timeout: float = 10.0) -> None:
        """Returns once every journalled event is in the graph; AuditUnavailable on timeout."""
        deadline = time.monotonic() + timeout
        while self.journal.unshipped or not self._orphans_done:
            if time.monotonic() > deadline:
                raise AuditUnavailable("the audit journal could not be shipped to the graph")
            self._now.set()
            self.wake()
            await asyncio.sleep(0.002)

    async def stop(self) -> None:
        """Ships what is left (if the graph takes it), then ends; the journal keeps the rest."""
        if self._task is not None:
            try:
                await self.drain()
            except AuditUnavailable:
                log.error("audit journal left unshipped at shutdown",
                          events=len(self.journal.unshipped))
            self._stopping = True
            self._now.set()
            self._wake.set()
            try:
                async with asyncio.timeout(5):
                    await self._task
            except TimeoutError:  # stuck on the graph: the journal keeps what it holds
                self._task.cancel()
            self._task = None
        self.journal.close()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                async with asyncio.timeout(self.checkpoint_seconds):
                    await self._wake.wait()
            except TimeoutError:
                await self._checkpoint_idle()
                continue
            if not self._now.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.linger_seconds):
                        await self._now.wait()
            if self._stopping:
                return
            self._wake.clear()
            self._now.clear()
            try:
                if not self._orphans_done:
                    await self._ship_orphans()
                while self.journal.unshipped:
                    batch = list(self.journal.unshipped)
                    # After a failure the last batch may have committed all the same (the
                    # database went away before its answer came back): shipped again, its
                    # events would break the unique id and stop the journal for good.
                    await self.log.ship([item.event for item in batch], skip_known=failures > 0)
                    self.journal.shipped(len(batch))
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the graph is away: keep the journal, try again later
                failures += 1
                log.error("audit shipping failed", error_type=type(exc).__name__,
                          waiting=len(self.journal.unshipped), attempt=failures)
                await asyncio.sleep(min(MAX_PAUSE_SECONDS, 0.05 * 2 ** failures))
                self._wake.set()

    async def _checkpoint_idle(self) -> None:
        """A quiet hub still signs its last events within ``audit_checkpoint_seconds``."""
        try:
            await self.log.checkpoint("interval")  # nothing new since the last: no checkpoint
        except Exception as exc:
            log.error("audit checkpoint failed", error_type=type(exc).__name__)

    async def _ship_orphans(self) -> None:
        found = self.journal.orphans()
        try:
            for path, fd in found:
                events = read_segment(fd)
                if events:
                    await self.log.ship(events, skip_known=True)
                path.unlink(missing_ok=True)
                log.info("audit journal recovered", events=len(events))
        finally:
            for _, fd in found:  # unshipped ones are taken again on the next attempt
                os.close(fd)
        self._orphans_done = True

"""The audit journal: each event on the hub's own disk, synced, before the response leaves.

Committing every event to Neo4j before answering costs a database round trip and a commit per
request — as much again as a light query. The journal makes the event durable for a fraction of
that (one line written and ``fdatasync``-ed), and the shipper (``audit/shipper.py``) moves
journalled events into the graph's hash chain a moment later, many in one write. Nothing is
lost in between: a hub that dies leaves its segments on disk, and the next hub to start on the
same directory ships them (events already in the graph are recognised by id and skipped).

Segments are written full of zeros ahead (``SEGMENT_BYTES``), so that a sync writes the line
only, not the file's new length or a block's change from allocated to written as well. A
request's event is written at once and synced by a *group commit* (:meth:`Journal.record`): one
``fdatasync`` covers every line written before it began, so requests that finish together share
one sync; it runs in a thread, so the event loop serves other requests meanwhile — unless no
other request is in flight, when the sync runs at once on the loop (no hand-over to a thread).

One process holds its segments under an exclusive ``flock`` while it lives: a segment nobody
holds belongs to a process that is gone, so several hub processes can share the directory and
each picks up only the dead ones' segments. A new segment is begun once the current one is
``ROTATE_BYTES`` long; a segment is deleted when everything in it is in the graph. Reading one
stops at the first byte never written; a line cut short by a crash was never acknowledged (its
request got no answer) and is skipped.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from audit import events as ev
from audit.store import AuditUnavailable
from hub.logs import log

SEGMENT_BYTES = 4 << 20
ROTATE_BYTES = 3 << 20
SUFFIX = ".jsonl"


@dataclass
class Journalled:
    event: dict[str, Any]
    segment: Path
    written: float  # time.monotonic() when it was synced


@dataclass
class _Segment:
    path: Path
    fd: int
    size: int = 0  # bytes written; the rest is allocated, never written (zeros)


class Journal:
    def __init__(self, directory: Path, segment_bytes: int = SEGMENT_BYTES,
                 rotate_bytes: int = ROTATE_BYTES) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.rotate_bytes = rotate_bytes
        self._current: _Segment | None = None
        self._retired: dict[Path, _Segment] = {}  # full, events still to ship; kept locked
        self.unshipped: list[Journalled] = []
        self._written = 0  # lines written so far, numbered
        self._durable = 0  # lines known synced: every one up to this number
        # The sync under way, and the number of the last line it covers.
        self._sync: tuple[asyncio.Future[None], int] | None = None
        # Its own thread for the syncs: in the loop's shared pool, work blocked elsewhere could
        # keep every answer waiting for its event's sync.
        self._syncer: ThreadPoolExecutor | None = None

    def oldest_unshipped(self) -> float | None:
        """When the oldest event not yet in the graph was synced (monotonic), or None."""
        return self.unshipped[0].written if self.unshipped else None

    def prepare(self) -> None:
        """Begins a segment now (at the server's start), not on the first request: writing its
        zeros takes milliseconds. A disk that refuses is logged; requests will then be refused."""
        try:
            self._segment()
        except OSError as exc:
            log.error("audit journal cannot be written", error_type=type(exc).__name__,
                      errno=exc.errno)

    def append(self, event: dict[str, Any]) -> None:
        """Returns once the event is on disk, synced on its own; AuditUnavailable when it
        cannot be put there."""
        try:
            segment = self._write(event)
            os.fdatasync(segment.fd)
        except OSError as exc:
            self._failed(exc)
        self._durable = self._written
        self._journalled(event, segment)

    async def record(self, event: dict[str, Any], alone: bool = False) -> None:
        """As :meth:`append`, with the sync shared (group commit) and off the event loop;
        ``alone``: no other request is in flight, so the sync runs at once on the loop."""
        try:
            segment = self._write(event)
            await self._durable_through(self._written, alone)
        except OSError as exc:
            self._failed(exc)
        self._journalled(event, segment)

    def _write(self, event: dict[str, Any]) -> _Segment:
        line = orjson.dumps(event, option=orjson.OPT_SORT_KEYS) + b"\n"
        segment = self._segment()
        _write_all(segment.fd, line, segment.size)
        segment.size += len(line)
        self._written += 1
        return segment

    async def _durable_through(self, number: int, alone: bool) -> None:
        """Returns once line ``number`` is synced: by a sync begun after it was written."""
        while self._durable < number:
            pending = self._sync
            if pending is not None and not pending[0].done():
                await asyncio.shield(pending[0])  # it may cover this line; then look again
                continue
            if pending is not None:
                # Done, whoever began it: what it covered is durable (or its error is ours).
                self._sync = None
                future, target = pending
                future.result()
                self._durable = max(self._durable, target)
                continue
            if self._current is None:  # retired since: retiring synced it
                self._durable = self._written
                break
            if alone:
                # Nothing else in flight to serve meanwhile or share the sync with: synced at
                # once, without a thread's hand-over (a fraction of a millisecond either way).
                os.fdatasync(self._current.fd)
                self._durable = self._written
                break
            # Its own descriptor: the segment may be retired and closed while the thread syncs.
            fd = os.dup(self._current.fd)
            if self._syncer is None:
                self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-sync")
            future = asyncio.get_running_loop().run_in_executor(self._syncer, _sync_and_close, fd)
            self._sync = (future, self._written)
            await asyncio.shield(future)

    def _journalled(self, event: dict[str, Any], segment: _Segment) -> None:
        self.unshipped.append(Journalled(event, segment.path, time.monotonic()))
        if segment is self._current and segment.size >= self.rotate_bytes:
            self._retire()

    def _failed(self, exc: OSError) -> None:
        log.error("audit journal write failed", error_type=type(exc).__name__, errno=exc.errno)
        self._retire()  # the next event begins a fresh segment, if the disk allows
        raise AuditUnavailable(f"audit journal: {exc.strerror or type(exc).__name__}") from None

    def shipped(self, count: int) -> None:
        """The first ``count`` unshipped events are in the graph now."""
        del self.unshipped[:count]
        waiting = {item.segment for item in self.unshipped}
        for path in [p for p in self._retired if p not in waiting]:
            segment = self._retired.pop(path)
            path.unlink(missing_ok=True)
            os.close(segment.fd)

    def orphans(self) -> list[tuple[Path, int]]:
        """Segments of processes that are gone, each locked now by this process (fd)."""
        found: list[tuple[Path, int]] = []
        if not self.directory.is_dir():
            return found
        mine = {*self._retired, *([self._current.path] if self._current else [])}
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            if path in mine:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # shipped and removed by another process meanwhile
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # its process is alive and ships it itself
                continue
            found.append((path, fd))
        return found

    def close(self) -> None:
        """Lets go of the segments; what was not shipped stays on disk for the next start."""
        if self._syncer is not None:
            self._syncer.shutdown(wait=True)  # a sync under way finishes first
            self._syncer = None
        self._retire()
        for segment in self._retired.values():
            os.close(segment.fd)
        self._retired.clear()

    def _segment(self) -> _Segment:
        if self._current is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{ev.new_id()}{SUFFIX}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                # Zeros written, not just allocated: a sync of an allocated-but-unwritten block
                # must also record that it now holds data.
                _write_all(fd, bytes(self.segment_bytes), 0)
                os.fsync(fd)
                # The new file's name must survive a crash too, or its events would not.
                _sync_directory(self.directory)
            except OSError:
                os.close(fd)
                path.unlink(missing_ok=True)
                raise
            self._current = _Segment(path, fd)
        return self._current

    def _retire(self) -> None:
        segment, self._current = self._current, None
        if segment is None:
            return
        try:
            os.fdatasync(segment.fd)  # what waits for a sync of it is then durable
            self._durable = self._written
        except OSError:
            pass  # its waiters' own sync fails and refuses them
        if any(item.segment == segment.path for item in self.unshipped):
            self._retired[segment.path] = segment
        else:
            segment.path.unlink(missing_ok=True)
            os.close(segment.fd)


def read_segment(fd: int) -> list[dict[str, Any]]:
    """The complete lines of a segment, up to the first byte never written."""
    chunks: list[bytes] = []
    os.lseek(fd, 0, os.SEEK_SET)
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    data = b"".join(chunks).split(b"\0", 1)[0]  # JSON escapes NUL: it is never in a line
    events: list[dict[str, Any]] = []
    for number, raw in enumerate(data.split(b"\n")[:-1], start=1):
        try:
            events.append(json.loads(raw))
        except ValueError:
            log.error("audit journal line unreadable", line=number)
    return events


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _sync_and_close(fd: int) -> None:
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""The outbox, live 实时事件流: one poller per process, fanned out to every open subscription.

N subscriptions must not make N queries a second: a process reads the outbox once every
``HUB_SUBSCRIPTION_POLL_SECONDS`` (only while someone listens) and hands each new event to
every :class:`Listener`; each subscription then decides for itself whether its subject may be
told (notify/feed.py). Nothing is marked or consumed: webhooks (notify/delivery.py) read the
same events their own way, and every process follows the outbox by itself.

The cursor is the time events occurred (``occurredAt``, an index seek, migration 0020). An
event's time is taken when its statement runs, and it becomes visible when its transaction
commits, a little later: an event may appear *behind* the cursor. So each poll looks back
``HUB_SUBSCRIPTION_LOOKBACK_SECONDS`` and leaves out the ids it has already handed on: an
event committed up to that long after it occurred is still told, and told once.

When the first listener arrives the poller starts from the database's clock: what committed
before is not told (a subscription tells what happens after it starts; ``after`` replays the
rest, notify/feed.py). When the last one leaves, it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any, LiteralString

from hub.graph import DB_ERRORS, Graph, native
from hub.logs import log
from hub.settings import Settings

# What a subscription needs of an event: what a webhook's body holds (ids only).
FIELDS: LiteralString = "e {.id, .kind, .occurredAt, .childId, .childIds, .about, .organisations}"
# The events not yet handed on since the floor, a batch at most, and the database's clock.
_POLL: LiteralString = (
    "OPTIONAL CALL () { MATCH (e:OutboxEvent) WHERE e.occurredAt >= $floor AND NOT e.id IN $seen "
    "RETURN e ORDER BY e.occurredAt, e.id LIMIT $batch } "
    "RETURN datetime() AS now, collect(" + FIELDS + ") AS events"
)
_CLOCK: LiteralString = "RETURN datetime() AS now"
_BATCH = 500


class Behind(Exception):
    """A listener fell more than ``HUB_SUBSCRIPTION_BUFFER`` events behind."""


class Listener:
    """One subscription's queue of new events, in the order the poller found them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.behind = False
        self.ready = False  # the poller follows the outbox for it

    def put(self, event: dict[str, Any]) -> None:
        if self.behind:
            return
        if self.queue.qsize() >= self.limit:
            self.behind = True
            self.queue.put_nowait(None)  # wakes the reader, which then ends the subscription
            return
        self.queue.put_nowait(event)

    async def get(self) -> dict[str, Any]:
        event = await self.queue.get()
        if event is None or self.behind:
            raise Behind
        return event


class EventStream:
    """The process's poller; made by the shell, shared by every connection."""

    def __init__(self, graph: Graph, settings: Settings) -> None:
        self.graph = graph
        self.settings = settings
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._floor = dt.datetime.now(dt.UTC)  # events from here on are read
        self._seen: dict[str, dt.datetime] = {}  # ids handed on within the look-back
        self.polls = 0  # rounds made (tests: N subscriptions, one poller)

    @property
    def listeners(self) -> frozenset[Listener]:
        """The listeners the poller follows the outbox for (tests wait for theirs)."""
        return frozenset(listener for listener in self._listeners if listener.ready)

    @property
    def listening(self) -> int:
        return len(self.listeners)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[Listener]:
        """A listener for as long as the block runs. Returns once the poller follows the
        outbox, so every event committed from then on reaches it."""
        listener = Listener(self.settings.subscription_buffer)
        self._listeners.add(listener)
        try:
            if self._task is None or self._task.done():
                loop = asyncio.get_running_loop()
                self._ready = loop.create_future()
                self._task = asyncio.create_task(self._run(self._ready), name="outbox-stream")
            assert self._ready is not None
            await asyncio.shield(self._ready)
            listener.ready = True
            yield listener
        finally:
            self._listeners.discard(listener)
            if not self._listeners:
                await self.stop()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, ready: asyncio.Future[None]) -> None:
        try:
            await self._start()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else
                                    RuntimeError("the outbox stream stopped"))
            raise
        ready.set_result(None)
        while True:
            more = False
            try:
                more = await self.poll()
            except DB_ERRORS as exc:  # the database away: the next round reads what it missed
                log.warning("outbox stream poll failed", error_type=type(exc).__name__)
            except Exception as exc:
                log.error("outbox stream poll error", error_type=type(exc).__name__)
            if not more:
                await asyncio.sleep(self.settings.subscription_poll_seconds)

    async def _start(self) -> None:
        """From the database's clock: what is in the look-back now counts as handed on."""
        rows = await self.graph.run(_CLOCK)
        self._floor = native(rows[0]["now"]) - self._back()
        self._seen = {}
        while await self.poll(tell=False):
            pass

    async def poll(self, tell: bool = True) -> bool:
        """One round; True when it found a full batch (more may be waiting)."""
        rows = await self.graph.run(_POLL, {"floor": self._floor, "seen": list(self._seen),
                                            "batch": _BATCH})
        self.polls += 1
        now, events = native(rows[0]["now"]), rows[0]["events"]
        for event in events:
            self._seen[str(event["id"])] = native(event["occurredAt"])
            if tell:
                for listener in list(self._listeners):
                    listener.put(event)
        full = len(events) == _BATCH
        if not full:  # all caught up: the floor follows the clock
            self._floor = max(self._floor, now - self._back())
        self._seen = {i: t for i, t in self._seen.items() if t >= self._floor}
        return full

    def _back(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.subscription_lookback_seconds)

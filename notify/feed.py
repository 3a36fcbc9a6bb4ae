"""One subscription's events 订阅的事件: replayed after a cursor, then live, in scope, audited.

What ``hubEvents`` (schema/subscriptions.py) yields for a subject:

1. It counts against the subject's rate limit like a request (auth/ratelimit.py).
2. It listens to the process's outbox stream (notify/stream.py) *before* it replays, so no
   event falls between the two; an event both replayed and heard is sent once.
3. With ``after`` (an event id it received), the events since that one, oldest first, at most
   ``HUB_SUBSCRIPTION_REPLAY_MAX`` (more is refused before anything is sent: page through the
   API instead).
4. Each event of a wanted kind is decided when it is sent, with the one rule that decides
   webhooks (notify/audience.py ``may_see``): outside scope, nothing — not even its id.
5. Each event sent is first recorded in the audit log as a disclosure naming its children
   (audit/service.py ``subscription_event``); an event the audit cannot record is not sent,
   and the subscription ends with ``AUDIT_UNAVAILABLE`` and the cursor to resume from.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, LiteralString

from audit.store import AuditUnavailable
from auth.policy import Policy
from auth.ratelimit import RateLimiter
from hub import metrics
from hub.errors import BadUserInput, HubError
from hub.graph import Graph
from hub.logs import log
from hub.outbox import EventKind
from hub.settings import Settings
from hub.subject import Subject
from notify.audience import may_see
from notify.stream import FIELDS, Behind, EventStream

# What the audit is told of an event before it is sent (AuditService.subscription_event);
# raises AuditUnavailable when it cannot record it.
Recorder = Callable[..., Awaitable[Any]]

_ANCHOR: LiteralString = "MATCH (a:OutboxEvent {id: $after}) RETURN a.occurredAt AS at"
# Later than the anchor, ordered by (occurredAt, id): the order the stream tells them in.
_LATER: LiteralString = (
    "MATCH (a:OutboxEvent {id: $after}) "
    "MATCH (e:OutboxEvent) WHERE e.occurredAt >= a.occurredAt "
    "AND (e.occurredAt > a.occurredAt OR e.id > a.id) AND e.kind IN $kinds "
)
_COUNT: LiteralString = _LATER + "RETURN count(e) AS n"
_PAGE: LiteralString = _LATER + "RETURN " + FIELDS + " AS event ORDER BY e.occurredAt, e.id " \
                                "LIMIT $page"
_PAGE_SIZE = 200


class RateLimited(HubError):
    code = "RATE_LIMITED"


class SubscriberBehind(HubError):
    code = "SUBSCRIBER_BEHIND"


class Feed:
    """The feed of one connection: its subject's subscriptions read their events here."""

    def __init__(self, graph: Graph, settings: Settings, policy: Policy | None,
                 stream: EventStream, limiter: RateLimiter | None, record: Recorder,
                 connection_id: str, client_address: str | None = None) -> None:
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.stream = stream
        self.limiter = limiter
        self.record = record
        self.connection_id = connection_id
        self.client_address = client_address

    async def events(self, subject: Subject, kinds: frozenset[EventKind], after: str | None
                     ) -> AsyncIterator[dict[str, Any]]:
        if self.limiter is not None:
            wait = await self.limiter.acquire(subject.id)
            if wait:
                raise RateLimited(f"请求过于频繁,请 {RateLimiter.retry_after(wait)} 秒后再订阅 "
                                  f"too many requests; subscribe again in "
                                  f"{RateLimiter.retry_after(wait)} s")
        wanted = sorted(kind.value for kind in kinds)
        told: set[str] = set()
        last = after
        async with self.stream.listen() as listener:
            if after is not None:
                async for event in self._replay(after, wanted):
                    told.add(str(event["id"]))
                    if await self._send(subject, event, last, replayed=True):
                        last = str(event["id"])
                        yield event
            while True:
                try:
                    event = await listener.get()
                except Behind:
                    raise SubscriberBehind(
                        f"接收过慢,超过 {self.settings.subscription_buffer} 个事件未取走;"
                        f"请以 after: {last or '(最后收到的事件 id)'} 重新订阅 "
                        f"too slow: more than {self.settings.subscription_buffer} events "
                        f"waiting; subscribe again with after: {last or 'the last id received'}"
                    ) from None
                if event["kind"] not in wanted or str(event["id"]) in told:
                    continue
                if await self._send(subject, event, last, replayed=False):
                    last = str(event["id"])
                    yield event

    async def _replay(self, after: str, wanted: list[str]) -> AsyncIterator[dict[str, Any]]:
        if not await self.graph.run(_ANCHOR, {"after": after}):
            raise BadUserInput("after: 未找到该事件 no such event id; pass the id of an event "
                               "you received", field="after")
        rows = await self.graph.run(_COUNT, {"after": after, "kinds": wanted})
        pending = int(rows[0]["n"]) if rows else 0
        limit = self.settings.subscription_replay_max
        if pending > limit:
            raise BadUserInput(
                f"after: 此后有 {pending} 个事件,超过补发上限 {limit};请通过查询核对现状后不带 "
                f"after 重新订阅 {pending} events since, more than the {limit} replayed; "
                "check the current state through queries, then subscribe without after",
                field="after")
        cursor = after
        while True:
            page = await self.graph.run(_PAGE, {"after": cursor, "kinds": wanted,
                                                "page": _PAGE_SIZE})
            for row in page:
                yield row["event"]
            if len(page) < _PAGE_SIZE:
                return
            cursor = str(page[-1]["event"]["id"])

    async def _send(self, subject: Subject, event: dict[str, Any], last: str | None, *,
                    replayed: bool) -> bool:
        """Whether to send the event: in scope now, and recorded in the audit log."""
        if self.policy is not None and not await may_see(self.graph, self.policy, subject,
                                                         event):
            metrics.SUBSCRIPTION_EVENTS.labels("out_of_scope").inc()
            return False
        children = [str(c) for c in event.get("childIds") or [event["childId"]]]
        try:
            await self.record(subject, event_kind=str(event["kind"]), children=children,
                              detail={"command": "subscription", "eventId": event["id"],
                                      "connectionId": self.connection_id,
                                      "replayed": replayed},
                              client_address=self.client_address)
        except Exception as exc:  # AuditUnavailable, or the store failing: not sent
            log.warning("subscription event held: audit unavailable",
                        error_type=type(exc).__name__, connection=self.connection_id)
            raise AuditUnavailable(
                "审计日志不可用,事件未发送;请稍后以 after 重新订阅 the audit log is unavailable: "
                f"the event was not sent; subscribe again later with after: "
                f"{last or 'the last id received'}") from None
        metrics.SUBSCRIPTION_EVENTS.labels("sent").inc()
        return True

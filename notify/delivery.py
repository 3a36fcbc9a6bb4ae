"""Delivering the outbox 投递: fan out, claim, sign, send, retry, log.

1. :func:`dispatch` turns each new outbox event into one ``WebhookDelivery`` per active
   subscription that wants its kind (a unique key per event and subscription: two workers
   fanning out the same event make one).
2. :func:`claim` leases the deliveries that are due, so two hubs never send one at the same
   time; a worker killed mid-send leaves a lease that runs out, and the delivery is sent again
   (at least once: receivers drop a ``webhook-id`` they have seen, as Standard Webhooks says).
3. :func:`send` decides whether the subscriber may be told (notify/audience.py; if not, the
   delivery is SKIPPED and nothing leaves the hub), records the disclosure in the audit log
   before the request leaves (a delivery the audit cannot record is not sent), POSTs the signed
   body, and records the attempt: DELIVERED on a 2xx, else the next attempt after an
   exponential back-off with jitter, until an attempt fails when the first was longer ago than
   the retry window (``HUB_WEBHOOK_RETRY_WINDOW_SECONDS``, at least a day in production): then
   FAILED. So the last attempt is never sooner than the window after the first.

The body holds ids and the kind only (docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from auth.policy import Policy
from hub.graph import Graph, native
from hub.logs import log
from hub.outbox import EventKind
from hub.settings import Settings
from notify.audience import client_subject, may_receive
from notify.signing import SecretBox, sign

# The Standard Webhooks ``type`` of each kind: dot-separated, the thing then what happened.
TYPES = {
    EventKind.TRANSITION_STARTED: "transition.started",
    EventKind.TRANSITION_HANDED_OVER: "transition.handed_over",
    EventKind.TRANSITION_STALLED: "transition.stalled",
    EventKind.DROPOUT_CASE_OPENED: "dropout_case.opened",
    EventKind.DROPOUT_CASE_CLOSED: "dropout_case.closed",
    EventKind.PLACEMENT_ENDED: "placement.ended",
    EventKind.DUPLICATE_CANDIDATE_OPENED: "duplicate_candidate.opened",
}

_JITTER = random.Random()  # noqa: S311 - jitter, not secrecy

# What the audit is told of a delivery before it is sent; raises AuditUnavailable if it
# cannot record it (audit/service.py ``AuditService.webhook_event``).
Recorder = Callable[..., Awaitable[Any]]

_DISPATCH_LOCK = (
    "MATCH (e:OutboxEvent {pending: true}) WITH e ORDER BY e.occurredAt, e.id LIMIT $limit "
    "SET e._lock = true REMOVE e._lock RETURN e.id AS id"
)
# After the lock: an event another worker fanned out meanwhile is no longer pending.
_DISPATCH = (
    "UNWIND $ids AS id MATCH (e:OutboxEvent {id: id}) WHERE e.pending "
    "CALL (e) { "
    "  MATCH (s:WebhookSubscription {status: 'ACTIVE'}) WHERE e.kind IN s.events "
    "  MERGE (d:WebhookDelivery {key: e.id + '/' + s.id}) "
    "  ON CREATE SET d.id = 'dlv_' + left(replace(randomUUID(), '-', ''), 20), "
    "    d.eventId = e.id, d.subscriptionId = s.id, d.clientId = s.clientId, d.kind = e.kind, "
    "    d.status = 'PENDING', d.attempts = 0, d.createdAt = datetime(), "
    "    d.nextAttemptAt = datetime(), d.attemptTimes = [], d.attemptCodes = [] "
    "  RETURN count(d) AS made "
    "} "
    "REMOVE e.pending SET e.dispatchedAt = datetime() "
    "RETURN sum(made) AS deliveries"
)
_DUE = (
    "MATCH (d:WebhookDelivery {status: 'PENDING'}) WHERE d.nextAttemptAt <= datetime() "
    "AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime()) "
    "WITH d ORDER BY d.nextAttemptAt, d.id LIMIT $limit "
    "SET d._lock = true REMOVE d._lock RETURN d.id AS id"
)
_LEASE = (
    "UNWIND $ids AS id MATCH (d:WebhookDelivery {id: id, status: 'PENDING'}) "
    "WHERE d.nextAttemptAt <= datetime() AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime()) "
    "SET d.leaseUntil = datetime() + duration({seconds: $lease}), d.lease = $token "
    "WITH d MATCH (e:OutboxEvent {id: d.eventId}) "
    "OPTIONAL MATCH (s:WebhookSubscription {id: d.subscriptionId}) "
    "OPTIONAL MATCH (c:Client {id: d.clientId}) "
    "RETURN d {.id, .attempts, .firstAttemptAt} AS delivery, "
    "e {.id, .kind, .occurredAt, .childId, .childIds, .about, .organisations} AS event, "
    "s {.id, .url, .status, .secretSealed} AS subscription, "
    "c {.id, .status, .department, .region, .roles, .organisations, .credentialGen} AS client"
)
_ATTEMPT = (
    "MATCH (d:WebhookDelivery {id: $id, lease: $token}) "
    "SET d.attempts = d.attempts + 1, d.attemptTimes = d.attemptTimes + [$at], "
    "d.attemptCodes = d.attemptCodes + [$code], d.lastError = $error, "
    "d.firstAttemptAt = coalesce(d.firstAttemptAt, datetime($at)), d.status = $status, "
    "d.nextAttemptAt = CASE WHEN $status = 'PENDING' "
    "  THEN datetime($at) + duration({milliseconds: $delayMs}) ELSE d.nextAttemptAt END, "
    "d.deliveredAt = CASE WHEN $status = 'DELIVERED' THEN datetime($at) END "
    "REMOVE d.leaseUntil, d.lease RETURN d.id AS id"
)
_SKIP = (
    "MATCH (d:WebhookDelivery {id: $id, lease: $token}) "
    "SET d.status = 'SKIPPED', d.skipReason = $reason, d.skippedAt = datetime() "
    "REMOVE d.leaseUntil, d.lease"
)
_RELEASE = (
    "MATCH (d:WebhookDelivery {id: $id, lease: $token}) "
    "SET d.nextAttemptAt = datetime() + duration({milliseconds: $delayMs}) "
    "REMOVE d.leaseUntil, d.lease"
)


@dataclass(frozen=True)
class Round:
    dispatched: int  # deliveries made from new events
    sent: int  # attempts made (requests that left the hub)
    delivered: int
    skipped: int  # not in the subscriber's scope, or subscription/client inactive


def backoff_seconds(settings: Settings, attempts: int, rng: random.Random | None = None
                    ) -> float:
    """The wait after the ``attempts``-th failed attempt: base·2^(attempts−1), capped, with
    jitter over its upper half (many receivers down at once do not come back together)."""
    ceiling = min(settings.webhook_retry_cap_seconds,
                  settings.webhook_retry_base_seconds * float(2 ** max(0, attempts - 1)))
    draw: float = (rng or _JITTER).random()
    return ceiling * (0.5 + 0.5 * draw)


def body_of(event: dict[str, Any]) -> bytes:
    """``{id, type, timestamp, data: {childId, kind, <what it is about>Id, organisationIds}}``
    (a review item adds ``childIds``, its two children)."""
    kind = EventKind(event["kind"])
    occurred = native(event["occurredAt"])
    data: dict[str, Any] = {"childId": event["childId"], "kind": kind.value,
                            kind.about: event["about"],
                            "organisationIds": list(event.get("organisations") or [])}
    if kind is EventKind.DUPLICATE_CANDIDATE_OPENED:
        data["childIds"] = list(event.get("childIds") or [])
    payload = {
        "id": event["id"], "type": TYPES[kind],
        "timestamp": occurred.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


async def dispatch(graph: Graph, limit: int) -> int:
    async with graph.transaction() as tx:
        rows = await tx.run(_DISPATCH_LOCK, {"limit": limit})
        if not rows:
            return 0
        made = await tx.run(_DISPATCH, {"ids": [row["id"] for row in rows]})
    return int(made[0]["deliveries"] or 0) if made else 0


async def claim(graph: Graph, settings: Settings, token: str) -> list[dict[str, Any]]:
    lease = int(settings.webhook_timeout_seconds) + 30
    async with graph.transaction() as tx:
        rows = await tx.run(_DUE, {"limit": settings.webhook_batch})
        if not rows:
            return []
        return await tx.run(_LEASE, {"ids": [row["id"] for row in rows], "lease": lease,
                                     "token": token})


class Deliverer:
    """Sends claimed deliveries; one per worker (its HTTP client and its audit)."""

    def __init__(self, graph: Graph, settings: Settings, policy: Policy, record: Recorder,
                 client: httpx.AsyncClient | None = None) -> None:
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.record = record
        self.box = SecretBox(settings)
        self.http = client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds,
                                                follow_redirects=False)

    async def close(self) -> None:
        await self.http.aclose()

    async def round(self) -> Round:
        """Fans out new events and sends what is due, once."""
        dispatched = await dispatch(self.graph, self.settings.webhook_batch)
        token = secrets.token_hex(8)
        claimed = await claim(self.graph, self.settings, token)
        results = await asyncio.gather(*(self.send(row, token) for row in claimed),
                                       return_exceptions=True)
        outcomes: list[str] = []
        for row, result in zip(claimed, results, strict=True):
            if isinstance(result, BaseException):
                # One delivery's fault (a secret sealed under another key …) stops neither the
                # others nor the worker; its lease runs out and it is tried again.
                log.error("webhook send error", delivery=row["delivery"]["id"],
                          error_type=type(result).__name__)
                outcomes.append("error")
            else:
                outcomes.append(result)
        return Round(dispatched, sum(o in ("delivered", "failed") for o in outcomes),
                     outcomes.count("delivered"), outcomes.count("skipped"))

    async def send(self, row: dict[str, Any], token: str) -> str:
        delivery, event = row["delivery"], row["event"]
        subscription, client = row["subscription"], row["client"]
        if subscription is None or subscription.get("status") != "ACTIVE":
            return await self._skip(delivery, token, "SUBSCRIPTION_REMOVED")
        if not await may_receive(self.graph, self.policy, client, event):
            return await self._skip(delivery, token, "OUT_OF_SCOPE")
        body = body_of(event)
        attempt = int(delivery["attempts"] or 0) + 1
        try:
            await self.record(
                client_subject(client), event_kind=event["kind"],
                children=list(event.get("childIds") or [event["childId"]]),
                detail={"command": "webhook", "eventId": event["id"],
                        "deliveryId": delivery["id"], "subscriptionId": subscription["id"],
                        "attempt": attempt})
        except Exception as exc:  # the audit cannot record it: not sent, tried again soon
            log.warning("webhook held: audit unavailable", delivery=delivery["id"],
                        error_type=type(exc).__name__)
            await self.graph.write(_RELEASE, {"id": delivery["id"], "token": token,
                                              "delayMs": 5000})
            return "held"
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": event["id"],
            "webhook-timestamp": str(stamp),
            "webhook-signature": sign(self.box.open(subscription["secretSealed"]), event["id"],
                                      stamp, body),
        }
        code, error = 0, None
        try:
            # Streamed and never read: only the status code counts, whatever the receiver sends.
            async with self.http.stream("POST", subscription["url"], content=body,
                                        headers=headers) as response:
                code = response.status_code
        except httpx.HTTPError as exc:
            error = type(exc).__name__  # never the receiver's text: it may echo the body
        delivered = 200 <= code < 300
        status, delay = "DELIVERED", 0.0
        if not delivered:
            first = native(delivery.get("firstAttemptAt"))
            age = (dt.datetime.now(dt.UTC) - first).total_seconds() if first else 0.0
            delay = backoff_seconds(self.settings, attempt)
            # The window is a floor: a delivery younger than it is always tried again.
            status = ("FAILED" if age >= self.settings.webhook_retry_window_seconds
                      else "PENDING")
            error = error or f"HTTP {code}"
        await self.graph.write(_ATTEMPT, {
            "id": delivery["id"], "token": token, "code": code, "error": error,
            "at": dt.datetime.now(dt.UTC).isoformat(), "status": status,
            "delayMs": int(delay * 1000)})
        log.info("webhook attempt", delivery=delivery["id"], code=code, status=status)
        return "delivered" if delivered else "failed"

    async def _skip(self, delivery: dict[str, Any], token: str, reason: str) -> str:
        await self.graph.write(_SKIP, {"id": delivery["id"], "token": token, "reason": reason})
        return "skipped"


async def redeliver(graph: Graph, event_id: str, client_id: str | None = None) -> int:
    """Sends an event's deliveries again from now (a fresh retry window); returns how many.
    Scope is decided again when each is sent."""
    rows = await graph.write(
        "MATCH (d:WebhookDelivery {eventId: $event}) "
        "WHERE $client IS NULL OR d.clientId = $client "
        "SET d.status = 'PENDING', d.nextAttemptAt = datetime(), d.redeliveredAt = datetime() "
        "REMOVE d.firstAttemptAt, d.leaseUntil, d.lease, d.skipReason, d.deliveredAt "
        "RETURN count(d) AS n",
        {"event": event_id, "client": client_id},
    )
    return int(rows[0]["n"]) if rows else 0


async def delivery_log(graph: Graph, *, event_id: str | None = None,
                       client_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest deliveries with their attempts (times and status codes; 0: no answer)."""
    return await graph.run(
        "MATCH (d:WebhookDelivery) WHERE ($event IS NULL OR d.eventId = $event) "
        "AND ($client IS NULL OR d.clientId = $client) "
        "RETURN d.id AS id, d.eventId AS event, d.kind AS kind, d.clientId AS client, "
        "d.subscriptionId AS subscription, d.status AS status, d.attempts AS attempts, "
        "d.attemptTimes AS times, d.attemptCodes AS codes, d.lastError AS lastError, "
        "d.skipReason AS skipReason, toString(d.nextAttemptAt) AS nextAttemptAt, "
        "toString(d.createdAt) AS createdAt ORDER BY d.createdAt DESC, d.id LIMIT $limit",
        {"event": event_id, "client": client_id, "limit": limit},
    )


async def backlog(graph: Graph) -> dict[str, int]:
    """What waits (for `/metrics`' webhook queue): events not fanned out, deliveries pending,
    deliveries failed."""
    rows = await graph.run(
        "CALL () { MATCH (e:OutboxEvent {pending: true}) RETURN count(e) AS events } "
        "CALL () { MATCH (d:WebhookDelivery {status: 'PENDING'}) RETURN count(d) AS pending } "
        "CALL () { MATCH (d:WebhookDelivery {status: 'FAILED'}) RETURN count(d) AS failed } "
        "RETURN events, pending, failed")
    return {key: int(value) for key, value in rows[0].items()}

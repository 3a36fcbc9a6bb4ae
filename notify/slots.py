"""Open subscription connections per subject 连接数上限, counted by every hub process together.

A client may hold at most ``HUB_SUBSCRIPTION_MAX_CONNECTIONS`` WebSocket connections at once
across every process and replica, so the count is kept in the graph, like the rate buckets
(auth/ratelimit.py): one ``(:SubscriptionSlots {key})`` node per subject (unique key, migration
0020) holding its connections' ids and when each one's lease runs out. Each statement takes the
node's write lock before it reads, so two processes opening at once are serialised.

A connection renews its lease while it is open (each time its token is checked again) and
gives it back when it closes; a process that dies leaves leases that run out after
``3 × HUB_SUBSCRIPTION_RECHECK_SECONDS``, and the slots are free again.
"""

from __future__ import annotations

from typing import LiteralString

from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject

_OPEN: LiteralString = """
MERGE (s:SubscriptionSlots {key: $key})
ON CREATE SET s.ids = [], s.until = []
SET s._lock = true
WITH s, timestamp() AS now
WITH s, now, [i IN range(0, size(s.ids) - 1) WHERE s.until[i] > now] AS live
WITH s, now, [i IN live | s.ids[i]] AS ids, [i IN live | s.until[i]] AS until
WITH s, now, ids, until, size(ids) < $max AS admitted
SET s.ids = CASE WHEN admitted THEN ids + [$id] ELSE ids END,
    s.until = CASE WHEN admitted THEN until + [now + $leaseMs] ELSE until END
REMOVE s._lock
RETURN admitted, size(ids) AS open
"""
_RENEW: LiteralString = """
MATCH (s:SubscriptionSlots {key: $key})
SET s._lock = true
WITH s, timestamp() AS now
SET s.until = [i IN range(0, size(s.ids) - 1) |
               CASE WHEN s.ids[i] = $id THEN now + $leaseMs ELSE s.until[i] END]
REMOVE s._lock
"""
_CLOSE: LiteralString = """
MATCH (s:SubscriptionSlots {key: $key})
SET s._lock = true
WITH s, [i IN range(0, size(s.ids) - 1) WHERE s.ids[i] <> $id] AS kept
SET s.until = [i IN kept | s.until[i]], s.ids = [i IN kept | s.ids[i]]
REMOVE s._lock
"""


class Slots:
    def __init__(self, graph: Graph, settings: Settings) -> None:
        self.graph = graph
        self.max = settings.subscription_max_connections
        self.lease_ms = int(settings.subscription_recheck_seconds * 3000) + 5000

    @staticmethod
    def key(subject: Subject) -> str:
        return f"{subject.kind}:{subject.id}"

    async def open(self, subject: Subject, connection_id: str) -> bool:
        """Takes a slot for the connection; False when the subject holds every one already."""
        rows = await self.graph.autocommit(_OPEN, {
            "key": self.key(subject), "id": connection_id, "max": self.max,
            "leaseMs": self.lease_ms})
        return bool(rows[0]["admitted"])

    async def renew(self, subject: Subject, connection_id: str) -> None:
        await self.graph.autocommit(_RENEW, {"key": self.key(subject), "id": connection_id,
                                             "leaseMs": self.lease_ms})

    async def close(self, subject: Subject, connection_id: str) -> None:
        await self.graph.autocommit(_CLOSE, {"key": self.key(subject), "id": connection_id})

"""Per-subject rate limits: a token bucket per client in the graph, answered 429 + Retry-After.

The bucket is a ``(:RateBucket {key})`` node (unique key, migration 0017), not a process's
memory: every worker of ``hub serve --workers N`` and every replica behind a load balancer
draws from the same bucket, so a client gets ``HUB_RATE_LIMIT_PER_MINUTE`` in all, not that
many per process. Each request updates its bucket in one auto-commit statement (one round
trip): the statement takes the node's write lock first (``SET b._lock``) and only then reads the
tokens, so two processes drawing at once are serialised and none loses the other's update.
Time is the database's clock (``timestamp()``), the one clock every replica shares.

Cost: one small write per request, about a millisecond on the local server
(``tests/test_scale.py`` prints it; docs/operations.md). Buckets are few (one per client or
person that calls ``/graphql``) and hold two numbers; a full bucket is as good as none, so an
idle one may be deleted at any time without changing anything.
"""

from __future__ import annotations

import math
from typing import LiteralString

from hub.graph import Graph

# The lock before the read (Neo4j's documented guard against lost updates), then the refill
# since the last draw, capped at the capacity, and one token taken when there is one.
_DRAW: LiteralString = """
MERGE (b:RateBucket {key: $key})
ON CREATE SET b.tokens = $capacity, b.updated = timestamp()
SET b._lock = true
WITH b, timestamp() AS now
WITH b, now, CASE WHEN b.tokens + (now - b.updated) * $perMs > $capacity THEN $capacity
                  ELSE b.tokens + (now - b.updated) * $perMs END AS available
SET b.tokens = CASE WHEN available >= 1 THEN available - 1 ELSE available END,
    b.updated = now
REMOVE b._lock
RETURN available AS available
"""


class RateLimiter:
    def __init__(self, graph: Graph, per_minute: int, burst: int | None = None) -> None:
        self.graph = graph
        self.rate = per_minute / 60.0  # tokens per second
        self.capacity = float(burst or max(1, per_minute // 6))

    async def acquire(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait. Raises the driver's
        errors when the graph cannot be reached (the guard answers 503)."""
        rows = await self.graph.autocommit(_DRAW, {
            "key": key, "capacity": self.capacity, "perMs": self.rate / 1000.0,
        })
        available = float(rows[0]["available"])
        if available >= 1:
            return 0.0
        return (1 - available) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))

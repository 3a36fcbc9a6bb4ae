"""Per-subject rate limits: a token bucket per client in the graph, answered 429 + Retry-After.

The bucket is a ``(:RateBucket {key})`` node (unique key, migration 0017), not a process's
memory: every worker of ``hub serve --workers N`` and every replica behind a load balancer
draws from the same bucket, so a client gets ``HUB_RATE_LIMIT_PER_MINUTE`` in all, not that
many per process. Each request updates its bucket in one auto-commit statement (one round
trip): the statement takes the node's write lock first (``SET b._lock``) and only then reads the
tokens, so two processes drawing at once are serialised and none loses the other's update.
Time is the database's clock (``timestamp()``), the one clock every replica shares.

A process draws tokens a few at a time, a *lease* (a second's worth of the client's rate, at
most a quarter of the bucket), and admits requests from it in memory; the write is paid once
per lease, not once per request. Nothing is ever admitted that was not drawn from the shared
bucket, so N processes never give more than the configured rate; a lease's unspent tokens
are given back with the next draw (or lapse after a second, a short-lived loss to the client,
never a gain). A client sending at its full rate round the processes is admitted its rate.

Cost: one small write per lease (``tests/test_scale.py`` prints it; docs/operations.md).
Buckets are few (one per client or person that calls ``/graphql``) and hold two numbers; a full
bucket is as good as none, so an idle one may be deleted at any time without changing anything.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import LiteralString

from hub.graph import Graph

# The lock before the read (Neo4j's documented guard against lost updates), then the refill
# since the last draw and what the process gives back, capped at the capacity, and up to
# $want whole tokens taken.
_DRAW: LiteralString = """
MERGE (b:RateBucket {key: $key})
ON CREATE SET b.tokens = $capacity, b.updated = timestamp()
SET b._lock = true
WITH b, timestamp() AS now
WITH b, now, b.tokens + $giveBack + (now - b.updated) * $perMs AS refilled
WITH b, now, CASE WHEN refilled > $capacity THEN $capacity ELSE refilled END AS available
WITH b, now, available, CASE WHEN available >= $want THEN $want
                             WHEN available >= 1 THEN floor(available) ELSE 0 END AS granted
SET b.tokens = available - granted, b.updated = now
REMOVE b._lock
RETURN available AS available, granted AS granted
"""

LEASE_SECONDS = 1.0


@dataclass
class _Lease:
    tokens: int
    until: float  # time.monotonic() after which the rest is given back, not spent


class RateLimiter:
    def __init__(self, graph: Graph, per_minute: int, burst: int | None = None) -> None:
        self.graph = graph
        self.rate = per_minute / 60.0  # tokens per second
        self.capacity = float(burst or max(1, per_minute // 6))
        self.lease_size = max(1, min(int(self.rate * LEASE_SECONDS), int(self.capacity // 4)))
        self._leases: dict[str, _Lease] = {}
        self._drawing: dict[str, asyncio.Lock] = {}

    async def acquire(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait. Raises the driver's
        errors when the graph cannot be reached (the guard answers 503)."""
        if self._spend(key):
            return 0.0
        # One draw per key at a time in this process: the requests behind it use its lease.
        lock = self._drawing.setdefault(key, asyncio.Lock())
        async with lock:
            if self._spend(key):
                return 0.0
            lease = self._leases.pop(key, None)
            rows = await self.graph.autocommit(_DRAW, {
                "key": key, "capacity": self.capacity, "perMs": self.rate / 1000.0,
                "want": self.lease_size, "giveBack": lease.tokens if lease else 0,
            })
        granted, available = int(rows[0]["granted"]), float(rows[0]["available"])
        if granted >= 1:
            self._leases[key] = _Lease(granted - 1, time.monotonic() + LEASE_SECONDS)
            return 0.0
        return (1 - available) / self.rate

    def _spend(self, key: str) -> bool:
        lease = self._leases.get(key)
        if lease is None or lease.tokens < 1 or time.monotonic() > lease.until:
            return False
        lease.tokens -= 1
        return True

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))

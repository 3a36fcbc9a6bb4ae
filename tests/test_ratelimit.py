"""The shared rate bucket's leases (auth/ratelimit.py): several processes never admit more than
the bucket holds, and a busy client costs a graph write per lease, not per request."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from auth.ratelimit import RateLimiter
from hub.graph import Graph, counting


async def test_three_processes_admit_no_more_than_the_bucket(graph: Graph) -> None:
    # 60 a minute, a bucket of 12: at once, three processes admit 12 (plus what refills
    # meanwhile, under one a second), not 36.
    processes = [RateLimiter(graph, 60, burst=12) for _ in range(3)]
    waits = await asyncio.gather(*(processes[n % 3].acquire("client-a") for n in range(60)))
    admitted = sum(1 for wait in waits if wait == 0.0)
    assert 12 <= admitted <= 14
    refused = [wait for wait in waits if wait > 0]
    assert refused and all(0 < wait <= 2 for wait in refused)


async def test_a_busy_client_costs_one_write_per_lease(graph: Graph) -> None:
    limiter = RateLimiter(graph, 60_000)  # 1,000 a second, a bucket of 10,000: leases of 1,000
    assert limiter.lease_size == 1000
    async with counting() as trips:
        for _ in range(2500):
            assert await limiter.acquire("busy") == 0.0
    assert trips.count == 3


@hypothesis_settings(max_examples=15, deadline=None)
@given(per_minute=st.integers(min_value=6, max_value=6000),
       processes=st.integers(min_value=1, max_value=4),
       requests=st.integers(min_value=1, max_value=80))
def test_never_more_than_drawn(per_minute: int, processes: int, requests: int) -> None:
    """For any rate, process count and burst of requests: admitted ≤ the bucket's capacity
    plus what refills while they run (the leases never mint tokens)."""

    async def scenario() -> tuple[int, float]:
        from hub.settings import load_settings

        graph = Graph.connect(load_settings())
        try:
            limiters = [RateLimiter(graph, per_minute) for _ in range(processes)]
            key = f"prop-{per_minute}-{processes}-{requests}"
            await graph.autocommit("MATCH (b:RateBucket {key: $key}) DELETE b", {"key": key})
            loop = asyncio.get_running_loop()
            began = loop.time()
            waits = await asyncio.gather(*(limiters[n % processes].acquire(key)
                                           for n in range(requests)))
            elapsed = loop.time() - began
            return sum(1 for w in waits if w == 0.0), limiters[0].capacity + (
                elapsed + 0.5) * per_minute / 60
        finally:
            await graph.close()

    admitted, bound = asyncio.run(scenario())
    assert admitted <= bound

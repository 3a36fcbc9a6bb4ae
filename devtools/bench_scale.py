"""``hub bench scale``: one point of the scale curve 规模曲线 — what a department system and a
supervisor meet at the size of the graph at hand: a child's timeline and a filtered page of
children (p50/p95 over HTTP with auth and audit on, and requests/s), the indicators over the
whole city (cold, then warm), and memory (the store on disk, Neo4j's heap, this process).

Run it on graphs of different sizes (the demo city at 10,000 and 100,000 children; ``hub bench
grow`` for more) with the same Neo4j memory settings; ``bench/RESULTS.md`` keeps the curve and
``docs/operations.md`` the capacity plan drawn from it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from devtools.bench_api import (
    CHILDREN,
    TIMELINE,
    InProcessHub,
    bench_client_and_children,
    client_token,
    percentiles,
)
from devtools.bench_indicators import machine
from devtools.demo.city import CITY_CODE, COUNTY_WEIGHTS
from hub import localdb
from hub.graph import Graph
from hub.indicators import compute
from hub.settings import Settings

_HEAP = (
    "CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes "
    "RETURN attributes.HeapMemoryUsage.value.properties.used AS used, "
    "attributes.HeapMemoryUsage.value.properties.committed AS committed"
)


def _store_bytes(settings: Settings) -> int | None:
    """The database's files on disk, when it is the local server the project started."""
    home = localdb.store_dir(settings)
    if not home.is_dir():
        return None
    return sum(f.stat().st_size for f in home.rglob("*") if f.is_file())


async def _timed(hub: httpx.AsyncClient, headers: dict[str, str], query: str,
                 variables: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    async def post(v: dict[str, Any]) -> float:
        started = time.perf_counter()
        response = await hub.post("/graphql", json={"query": query, "variables": v},
                                  headers=headers)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{response.status_code} {body.get('errors')}")
        return (time.perf_counter() - started) * 1000

    for v in variables[:5]:  # warm-up: the planner, the caches
        await post(v)
    samples = [await post(v) for v in variables]
    queue = list(variables)
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await post(queue.pop())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {**percentiles(samples), "rps": round(len(variables) / elapsed, 1)}


async def run(settings: Settings, requests: int, concurrency: int, year: int,
              say: Callable[[str], None], seed: int = 1) -> dict[str, Any]:
    graph = Graph.connect(settings, bounded_reads=False)
    try:
        counts = await graph.run(
            "CALL () { MATCH (c:Child) RETURN count(c) AS children } "
            "CALL () { MATCH (f:Fact) RETURN count(f) AS facts } RETURN children, facts")
        ids = await bench_client_and_children(graph)
        if not ids:
            raise RuntimeError("图中没有儿童 the graph holds no child: load the demo city first")
        rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
        timelines = [{"id": rng.choice(ids)} for _ in range(requests)]
        counties = list(COUNTY_WEIGHTS)
        pages = [{"f": {"regionCode": rng.choice(counties), "placementType": "REGULAR_CLASS"}}
                 for _ in range(requests)]
        logging.getLogger("httpx").setLevel(logging.WARNING)
        quiet = settings.model_copy(update={"log_level": "WARNING", "env": "test",
                                            "rate_limit_per_minute": 10**6})
        result: dict[str, Any] = {"children": counts[0]["children"], "facts": counts[0]["facts"],
                                  "requests": requests, "concurrency": concurrency}
        audited = InProcessHub(quiet)
        async with audited as hub:
            headers = {"Authorization": f"Bearer {await client_token(hub)}"}
            say("时间线 timeline ...")
            result["timeline"] = await _timed(hub, headers, TIMELINE, timelines, concurrency)
            await audited.app.state.audit.drain()
            say("分页 children page ...")
            result["children_page"] = await _timed(hub, headers, CHILDREN, pages, concurrency)
            await audited.app.state.audit.drain()
        say("指标 indicators ...")
        runs = []
        for _ in range(4):
            started = time.perf_counter()
            await compute(graph, CITY_CODE, year)
            runs.append((time.perf_counter() - started) * 1000)
        result["indicators"] = {"region": CITY_CODE, "year": year, "coldMs": round(runs[0]),
                                "warmMedianMs": round(statistics.median(runs[1:]))}
        heap = (await graph.run(_HEAP))[0]
        result["memory"] = {
            "storeMb": None if (size := _store_bytes(settings)) is None else round(size / 2**20),
            "neo4jHeapUsedMb": round(heap["used"] / 2**20),
            "neo4jHeapCommittedMb": round(heap["committed"] / 2**20),
            # this process: the hub's app and the bench client together (kilobytes on Linux)
            "benchProcessMaxRssMb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        result["machine"] = machine(settings.neo4j_heap_mb, settings.neo4j_pagecache_mb)
        return result
    finally:
        await graph.close()

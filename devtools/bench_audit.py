"""The audit's cost: p50 of a ``child`` query over the HTTP app with audit on and off.

Both apps run side by side in one process on the same data, in alternating blocks of ten
requests so both see the same database state and machine load. ``hub bench audit`` prints the
figures; ``hub bench api`` makes the same comparison on the timeline and a children page.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx

from auth import clients
from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import Settings

_SEED = """
MERGE (r:Region {code: '140404'})
ON CREATE SET r.name = '上党区', r.level = 'COUNTY', r.current = true
MERGE (c:Child {id: 'ch_audit_bench'})
SET c.sex = 'F', c.birthDate = date('2016-01-01'), c.regionCode = '140404', c.specialNeeds = []
MERGE (c)-[:LIVES_IN]->(r)
"""
QUERY = '{ child(id: "ch_audit_bench") { id sex birthDate regionCode } }'


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(settings: Settings, requests: int = 400, concurrency: int = 50
                  ) -> dict[str, Any]:
    from shell.app import create_app

    graph = Graph.connect(settings)
    try:
        await graph.write(_SEED)
        registered = await clients.add_client(
            graph, default_policy(), name="audit bench", department="EDU", region="140404",
            roles=["edu-officer"])
    finally:
        await graph.close()
    # The rate limit would measure itself, not the audit.
    base = settings.model_copy(update={"rate_limit_per_minute": 1_000_000})
    apps = {"on": create_app(base.model_copy(update={"audit_enabled": True})),
            "off": create_app(base.model_copy(update={"audit_enabled": False}))}
    samples: dict[str, list[float]] = {"on": [], "off": []}
    async with apps["on"].router.lifespan_context(apps["on"]), \
            apps["off"].router.lifespan_context(apps["off"]):
        hubs = {name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                        base_url="http://hub") for name, app in apps.items()}
        try:
            tokens = {}
            for name, client in hubs.items():
                response = await client.post(
                    "/oauth/token", data={"grant_type": "client_credentials"},
                    auth=(registered.client_id, registered.secret))
                tokens[name] = response.json()["access_token"]

            async def once(name: str) -> float:
                started = time.perf_counter()
                response = await hubs[name].post(
                    "/graphql", json={"query": QUERY},
                    headers={"Authorization": f"Bearer {tokens[name]}"})
                assert response.status_code == 200, response.text
                return (time.perf_counter() - started) * 1000

            for name in ("on", "off"):  # warm both (caches, pools, the audit head)
                for _ in range(20):
                    await once(name)
            # Blocks of ten, on and off in turn: the shipping each audited request leaves
            # behind falls on the next audited request, as on a hub under steady load.
            for _ in range(0, requests, 10):
                for name in ("on", "off"):
                    for _ in range(10):
                        samples[name].append(await once(name))
                    if name == "on":
                        await apps["on"].state.audit.drain()
            # Load: concurrent clients on the audited app; every request must be on record.
            before = await _event_count(apps["on"])
            started = time.perf_counter()
            await asyncio.gather(*[once("on") for _ in range(concurrency)])
            burst_ms = (time.perf_counter() - started) * 1000
            after = await _event_count(apps["on"])
        finally:
            for client in hubs.values():
                await client.aclose()
    p50_on, p50_off = statistics.median(samples["on"]), statistics.median(samples["off"])
    return {
        "requests_each": requests,
        "p50_ms": {"on": round(p50_on, 3), "off": round(p50_off, 3)},
        "p95_ms": {"on": round(_p(samples["on"], 0.95), 3),
                   "off": round(_p(samples["off"], 0.95), 3)},
        "ratio_p50": round(p50_on / p50_off, 3),
        "concurrent": {"clients": concurrency, "events_written": after - before,
                       "wall_ms": round(burst_ms, 1)},
    }


async def _event_count(app: Any) -> int:
    await app.state.audit.drain()  # what is journalled but not yet shipped counts too
    graph: Graph = app.state.graph
    rows = await graph.run("MATCH (e:AuditEvent) RETURN count(e) AS n")
    return int(rows[0]["n"])

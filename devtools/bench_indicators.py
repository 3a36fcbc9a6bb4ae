"""``hub bench indicators``: every indicator family timed over a region, cold then warm, on the
graph at hand (the demo city is loaded first, through its files, when the graph holds no
child)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auth import clients
from auth.policy import default_policy
from devtools.bench_api import InProcessHub, client_token
from devtools.demo.load import has_children, load_demo
from hub.graph import Graph
from hub.indicators import FAMILIES, Visibility, compute
from hub.settings import Settings

# The lists neither collected nor returned: as for a document that reads no childIds or items.
FIGURES_ONLY = Visibility(sees_children=False)

# The console's indicators page over GraphQL, as a supervisor of the region: the page as it
# asked before issue 14's fourth sitting (every indicator with its childIds), the page now
# (figures only) and one list opened.
_FIELDS = ("key family name english unit numerator numeratorUnit denominator value target "
           "targetOp status meetsTarget source childrenVisible definition definitionChinese "
           "denominatorDefinition denominatorDefinitionChinese childrenAre childrenAreChinese")
_REPORT = ("query ($region: String!, $year: Int!) { indicators(region: $region, year: $year) "
           "{ region regionName year from to census asOf indicators { %s } } }")
PAGE_REQUESTS = {
    "everyList": _REPORT % (_FIELDS + " childIds"),
    "figuresOnly": _REPORT % _FIELDS,
    "oneList": ("query ($region: String!, $year: Int!) { indicators(region: $region, year: "
                "$year, keys: [\"enrolment.compulsory\"]) { indicators { key childIds } } }"),
}
SUPERVISOR_CLIENT = ("cl_bench_supervisor", "local-bench-supervisor-secret-not-for-production")


async def run(graph: Graph, conf: Settings, code: str, year: int, children: int, repeat: int,
              say: Callable[[str], None]) -> dict[str, Any]:
    loaded: float | None = None
    if not await has_children(graph):
        say(f"图为空, 正在载入 {children:,} 名儿童的演示城市 graph empty: loading the demo city "
            f"of {children:,} children through its department files ...")
        started = time.perf_counter()
        await load_demo(graph, conf, children, 1, say=say)
        loaded = time.perf_counter() - started
    counts = await graph.run(
        "CALL () { MATCH (c:Child) RETURN count(c) AS children } "
        "CALL () { MATCH (f:Fact) RETURN count(f) AS facts } RETURN children, facts"
    )
    runs = []
    figures_only = []  # what the console's page and a figures-only document ask (no lists)
    for n in range(repeat + 1):
        report = await compute(graph, code, year)
        runs.append(report.timings_ms)
        if n:
            figures = await compute(graph, code, year, visibility=FIGURES_ONLY)
            figures_only.append(figures.timings_ms["total"])
        say(f"第 {n} 次 run {n}: {report.timings_ms['total']:.0f} ms"
            + (f", 仅数值 figures only {figures_only[-1]:.0f} ms" if n else ""))
    warm = runs[1:]
    serial = {}
    for family in FAMILIES:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            await compute(graph, code, year, families=(family,))
            times.append((time.perf_counter() - started) * 1000)
        serial[family] = round(min(times), 1)
    say("控制台指标页 the console's page over GraphQL ...")
    pages = await page(graph, conf, code, year, repeat)
    return {
        "region": code, "year": year,
        "children": counts[0]["children"], "facts": counts[0]["facts"],
        "loadedSeconds": None if loaded is None else round(loaded, 1),
        "coldMs": runs[0]["total"],
        "warmMs": {"min": min(r["total"] for r in warm),
                   "median": statistics.median(r["total"] for r in warm),
                   "max": max(r["total"] for r in warm)},
        "figuresOnlyWarmMs": {"min": min(figures_only),
                              "median": statistics.median(figures_only),
                              "max": max(figures_only)},
        "familyMsConcurrent": {k: v for k, v in warm[-1].items() if k != "total"},
        "familyMsAlone": serial,
        "consolePage": pages,
        "machine": machine(conf.neo4j_heap_mb, conf.neo4j_pagecache_mb),
    }


async def page(graph: Graph, conf: Settings, code: str, year: int,
               repeat: int) -> dict[str, Any]:
    """Each of :data:`PAGE_REQUESTS` ``repeat`` times, interleaved, through the hub's app in this
    process with auth and audit on: median ms, the answer's bytes and the children it names
    (each named on the request's audit record)."""
    await clients.add_client(graph, default_policy(), name="bench supervisor", department="EDU",
                             region=code, roles=["supervisor"],
                             client_id=SUPERVISOR_CLIENT[0], secret=SUPERVISOR_CLIENT[1])
    full = conf.model_copy(update={"log_level": "WARNING", "rate_limit_per_minute": 10**6,
                                   "auth_enabled": True, "audit_enabled": True})
    times: dict[str, list[float]] = {name: [] for name in PAGE_REQUESTS}
    sizes: dict[str, dict[str, int]] = {}
    async with InProcessHub(full) as hub:
        headers = {"Authorization": f"Bearer {await client_token(hub, SUPERVISOR_CLIENT)}",
                   "X-Purpose-Of-Use": "SUPERVISION"}
        for _ in range(repeat):
            for name, query in PAGE_REQUESTS.items():
                started = time.perf_counter()
                response = await hub.post("/graphql", headers=headers, json={
                    "query": query, "variables": {"region": code, "year": year}})
                times[name].append((time.perf_counter() - started) * 1000)
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"{name}: {response.status_code} {body.get('errors')}")
                named = {c for i in body["data"]["indicators"]["indicators"]
                         for c in i.get("childIds", [])}
                sizes[name] = {"bytes": len(response.content), "childrenNamed": len(named)}
    return {name: {"medianMs": round(statistics.median(ms), 1), **sizes[name]}
            for name, ms in times.items()}


def machine(heap_mb: int, pagecache_mb: int) -> dict[str, Any]:
    """The machine a figure was measured on, for bench/RESULTS.md."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory_gb = round(int(memory.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        memory_gb = 0.0
    return {"cpus": os.cpu_count(), "cpu": model, "memoryGb": memory_gb,
            "python": platform.python_version(), "neo4jHeapMb": heap_mb,
            "neo4jPagecacheMb": pagecache_mb}

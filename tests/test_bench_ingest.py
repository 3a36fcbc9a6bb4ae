"""The ingest benchmark's ceiling writes what the real path writes (issue 14): the same labels,
relationship types and property keys, as many of each, for the same edu-status file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.pipeline import load
from connectors.sources import SOURCES
from devtools import bench_ingest, generate
from hub.graph import Graph
from hub.identity import IdProtector
from tests.test_ingest import protector

__all__ = ["protector"]


async def shape(graph: Graph) -> dict[str, Any]:
    nodes = await graph.run(
        "MATCH (n) WHERE NOT n:Migration "
        "WITH labels(n) AS labels, n UNWIND keys(n) AS key "
        "WITH labels, key, count(DISTINCT n) AS n RETURN labels, key, n")
    counts = await graph.run(
        "MATCH (n) WHERE NOT n:Migration RETURN labels(n) AS labels, count(n) AS n")
    rels = await graph.run("MATCH ()-[r]->() RETURN type(r) AS type, count(r) AS n")
    return {
        "nodes": {(tuple(sorted(r["labels"])), r["n"]) for r in counts},
        "keys": {(tuple(sorted(r["labels"])), r["key"], r["n"]) for r in nodes},
        "rels": {(r["type"], r["n"]) for r in rels},
    }


async def test_the_ceiling_writes_what_the_real_path_writes(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    population = generate.Population.generate(60, seed=7)
    [edu] = [e for e in generate.all_exports(population, seed=7) if e.source == "edu-status"]
    path = generate.write_csv(tmp_path / "edu-status.csv", edu.header, edu.rows)
    await bench_ingest._ceiling(graph, protector, path, 20, None)
    ceiling = await shape(graph)
    await graph.empty()
    report = await load(graph, SOURCES["edu-status"], path, protector, batch_size=20,
                        as_of=bench_ingest.SNAPSHOT_DAY)
    assert report.loaded == len(edu.rows) and report.review_items == 0
    assert await shape(graph) == ceiling

"""The scale curve's tools: ``hub bench grow`` copies every child with its whole record (so a
copy answers exactly as its original), and ``hub bench scale`` reports every figure."""

from __future__ import annotations

from typing import LiteralString

from devtools import bench_scale, grow
from devtools.demo.load import load_demo
from hub.graph import Graph
from hub.settings import Settings

# Every relationship that belongs to a child's record: from the child or from one of its facts.
_OWNED: LiteralString = (
    "MATCH (c:Child)-[r]->(t) WHERE $copies OR c.copyOf IS NULL "
    "RETURN type(r) AS type, labels(t)[0] AS target, count(*) AS n "
    "UNION ALL "
    "MATCH (c:Child)-[:HAS_FACT]->(:Fact)-[r]->(t) WHERE $copies OR c.copyOf IS NULL "
    "RETURN type(r) AS type, labels(t)[0] AS target, count(*) AS n"
)
async def _record(graph: Graph, child: str) -> list[tuple[object, ...]]:
    """A child's record as a reader sees it: each fact's labels and properties but its ids, what
    it points at (a fact of the same child by its date, anything else by its id), and whether it
    is the current placement."""
    rows = await graph.run(
        "MATCH (c:Child {id: $id})-[:HAS_FACT]->(f:Fact) "
        "OPTIONAL MATCH (f)-[r]->(t) "
        "WITH c, f, collect([type(r), CASE WHEN t:Fact THEN t.date ELSE t.id END]) AS links "
        "RETURN labels(f) AS labels, properties(f) AS props, links, "
        "EXISTS { (c)-[:CURRENT_PLACEMENT]->(f) } AS current", {"id": child})
    record = []
    for row in rows:
        props = {k: v for k, v in row["props"].items() if k not in ("id", "sourceRef")}
        record.append((sorted(row["labels"]), sorted(props.items(), key=str),
                       sorted(row["links"], key=str), row["current"]))
    return sorted(record, key=str)


async def test_grow_copies_every_child_with_its_whole_record(graph: Graph,
                                                             settings: Settings) -> None:
    await load_demo(graph, settings, 40, 1)
    # A child known by no ID number yet (a newborn's screening) has no key to copy: its copies
    # have none either, rather than one shared key.
    await graph.write("MATCH (c:Child) WITH c ORDER BY c.id LIMIT 2 REMOVE c.idHash")
    before = {(r["type"], r["target"]): r["n"]
              for r in await graph.run(_OWNED, {"copies": False})}
    counts = await grow.originals(graph)
    written = await grow.grow(graph, copies=2, page=7)  # pages that do not divide the city

    after = await grow.originals(graph)
    assert after == {"children": counts["children"], "copies": 2 * counts["children"]}
    assert written["children"] == 2 * counts["children"]
    totals: dict[tuple[str, str], int] = {}
    for row in await graph.run(_OWNED, {"copies": True}):
        key = (row["type"], row["target"])
        totals[key] = totals.get(key, 0) + row["n"]
    assert totals == {key: 3 * n for key, n in before.items()}
    # Each copy's record is its original's, fact for fact, link for link.
    pairs = await graph.run("MATCH (c:Child) WHERE c.copyOf IS NOT NULL "
                            "RETURN c.id AS copy, c.copyOf AS original ORDER BY c.id LIMIT 12")
    for pair in pairs:
        assert pair["copy"] != pair["original"]
        assert await _record(graph, pair["copy"]) == await _record(graph, pair["original"])
    # Ids keep their shape; unique keys hold.
    assert all(p["copy"].startswith("ch_") and len(p["copy"]) == len(p["original"])
               for p in pairs)


async def test_bench_scale_reports_every_figure(graph: Graph, settings: Settings) -> None:
    await load_demo(graph, settings, 30, 1)
    said: list[str] = []
    result = await bench_scale.run(settings, requests=6, concurrency=2, year=2026,
                                   say=said.append)
    assert result["children"] > 0 and result["facts"] > 0
    for query in ("timeline", "children_page"):
        assert {"p50_ms", "p95_ms", "rps"} <= set(result[query])
        assert result[query]["p95_ms"] >= result[query]["p50_ms"] > 0
    assert result["indicators"]["warmMedianMs"] > 0
    memory = result["memory"]
    assert memory["neo4jHeapUsedMb"] > 0 and memory["benchProcessMaxRssMb"] > 0
    assert memory["storeMb"] is not None and memory["storeMb"] > 0
    assert said  # progress on the way

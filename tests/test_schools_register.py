"""The `schools` register 学校名录 (FORMATS.md): school types, resource rooms, special classes and
the resource centre serving each school, loadable before or after the pupils."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.pipeline import LoadReport
from hub.graph import Graph
from hub.identity import IdProtector
from hub.reference import ensure_regions
from tests.test_ingest import csv_file, edu_row, ingest, protector

__all__ = ["protector"]  # the fixture, shared with test_ingest

SCHOOL = "2114040001"  # edu_row's school
CENTRE = "2114040009"  # a special school hosting the county's resource centre


def register_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "学校标识码": SCHOOL, "学校名称": "长治市实验小学", "办学类型": "小学",
        "行政区划代码": "140402", "资源教室": "有", "特教班数": "2", "指导资源中心": CENTRE,
        "是否资源中心": "否",
    }
    row.update(changes)
    return row


def centre_row(**changes: object) -> dict[str, object]:
    return register_row(**{"学校标识码": CENTRE, "学校名称": "潞州区特殊教育学校",
                           "办学类型": "特殊教育学校", "资源教室": "无", "特教班数": None,
                           "指导资源中心": None, "是否资源中心": "是", **changes})


async def register(graph: Graph, protector: IdProtector, tmp_path: Path,
                   rows: list[dict[str, object]], name: str = "schools.csv") -> LoadReport:
    await ensure_regions(graph)
    report = await ingest(graph, protector, "schools", csv_file(tmp_path, "schools", rows,
                                                                 name=name))
    assert report.rows == report.loaded + report.rejected
    assert (report.new_children, report.linked_children) == (0, 0)
    return report


async def school(graph: Graph, code: str = SCHOOL) -> dict[str, Any]:
    [row] = await graph.run(
        "MATCH (s:School {code: $code}) "
        "OPTIONAL MATCH (s)-[:IN_REGION]->(r:Region) "
        "OPTIONAL MATCH (s)-[:HAS_RESOURCE_ROOM]->(room:ResourceRoom) "
        "OPTIONAL MATCH (c:ResourceCenter)-[:SERVES]->(s) "
        "OPTIONAL MATCH (p:Placement)-[:AT]->(s) "
        "RETURN s.name AS name, s.schoolType AS type, s.specialClasses AS specialClasses, "
        "collect(DISTINCT r.code) AS regions, count(DISTINCT room) AS rooms, "
        "collect(DISTINCT c.code) AS centres, count(DISTINCT p) AS placements, "
        "labels(s) AS labels",
        {"code": code},
    )
    return row


async def centre(graph: Graph) -> dict[str, Any]:
    [row] = await graph.run(
        "MATCH (c:ResourceCenter {code: $code}) OPTIONAL MATCH (c)-[:IN_REGION]->(r:Region) "
        "WITH c, r, COLLECT { UNWIND labels(c) AS l RETURN l ORDER BY l } "
        "AS sorted_labels "
        "RETURN c.name AS name, sorted_labels AS labels, collect(r.code) AS regions, "
        "COUNT { (c)-[:SERVES]->() } AS serves", {"code": CENTRE})
    return row


EXPECTED = {"name": "长治市实验小学", "type": "PRIMARY", "specialClasses": 2,
            "regions": ["140402"], "rooms": 1, "centres": [CENTRE], "placements": 1}


async def test_register_before_the_pupils(graph: Graph, protector: IdProtector,
                                          tmp_path: Path) -> None:
    report = await register(graph, protector, tmp_path, [register_row(), centre_row()])
    assert (report.rows, report.loaded, report.rejected) == (2, 2, 0)
    await ingest(graph, protector, "edu-status",
                 csv_file(tmp_path, "edu-status", [edu_row(**{"学校名称": "实验小学"})]))
    found = await school(graph)
    assert {k: found[k] for k in EXPECTED} == EXPECTED  # the register's name is kept
    assert sorted(found["labels"]) == ["Organisation", "School"]
    assert await centre(graph) == {"name": "潞州区特殊教育学校特殊教育资源中心",
                                   "labels": ["Organisation", "ResourceCenter"],
                                   "regions": ["140402"], "serves": 1}
    assert (await school(graph, CENTRE))["type"] == "SPECIAL"


async def test_register_after_the_pupils(graph: Graph, protector: IdProtector,
                                         tmp_path: Path) -> None:
    await ingest(graph, protector, "edu-status", csv_file(tmp_path, "edu-status", [edu_row()]))
    before = await school(graph)
    assert (before["type"], before["rooms"], before["centres"]) == (None, 0, [])
    # The register row naming the centre comes before the centre's own row.
    await register(graph, protector, tmp_path, [register_row()])
    await register(graph, protector, tmp_path, [centre_row()], name="centres.csv")
    found = await school(graph)
    assert {k: found[k] for k in EXPECTED} == EXPECTED
    assert (await centre(graph))["name"] == "潞州区特殊教育学校特殊教育资源中心"
    nodes = await graph.run("MATCH (s:School) RETURN count(s) AS schools")
    assert nodes == [{"schools": 2}]


async def test_register_rows_are_checked_and_loading_twice_changes_nothing(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    rows = [register_row(), centre_row(),
            register_row(**{"学校标识码": "2114040003", "办学类型": "大学"}),
            register_row(**{"学校标识码": "2114040004", "资源教室": "可能"}),
            register_row(**{"学校标识码": "2114040005", "指导资源中心": "123"}),
            register_row(**{"学校标识码": "2114040006", "特教班数": "-1"}),
            register_row(**{"学校标识码": "2114040007", "办学类型": "完全中学",
                            "资源教室": "无", "特教班数": None})]
    report = await register(graph, protector, tmp_path, rows)
    assert [(r.row, r.column) for r in report.rejects] == [
        (3, "办学类型"), (4, "资源教室"), (5, "指导资源中心"), (6, "特教班数")]
    assert report.loaded == 3
    assert (await school(graph, "2114040007"))["type"] == "COMPLETE_SECONDARY"

    async def state() -> list[str]:
        found = await graph.run(
            "MATCH (n) WHERE n:Organisation OR n:ResourceRoom "
            "OPTIONAL MATCH (n)-[r]->(m) "
            "RETURN n {.*} AS n, labels(n) AS labels, collect([type(r), m.code]) AS out")
        return sorted(json.dumps(row, sort_keys=True, default=str) for row in found)

    first = await state()
    await register(graph, protector, tmp_path, rows)
    assert await state() == first


async def test_a_changed_register_row_moves_the_links(graph: Graph, protector: IdProtector,
                                                      tmp_path: Path) -> None:
    other = "2114040010"
    await register(graph, protector, tmp_path, [register_row(), centre_row()])
    await register(graph, protector, tmp_path, [
        register_row(**{"资源教室": "无", "指导资源中心": other, "行政区划代码": "140403",
                        "办学类型": "九年一贯制学校"}),
        centre_row(**{"学校标识码": other, "学校名称": "另一所特殊教育学校"}),
    ], name="v2.csv")
    found = await school(graph)
    assert (found["type"], found["rooms"], found["centres"], found["regions"]) == (
        "NINE_YEAR", 0, [other], ["140403"])
    assert (await centre(graph))["serves"] == 0  # the old centre stays, serving no one

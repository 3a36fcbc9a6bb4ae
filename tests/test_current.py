"""One truth for "current placement": the API, row scope, filters and the indicators' "in force"
agree on every child of a roll loaded the way the education bureau sends it — two edu-status
snapshots with a pupil transferred out, one moved to another school, one gone from the roll,
one suspended and one staying put."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from devtools.generate import make_id
from hub.graph import Graph
from hub.identity import IdProtector
from hub.predicates import in_force
from hub.settings import Settings
from hub.subject import Subject
from tests.graphql_helpers import execute
from tests.test_ingest import edu_row, protector
from tests.test_snapshots import snapshot

__all__ = ["protector"]

S1, S2 = "2114040001", "2114040002"
AUTUMN, SPRING = dt.date(2024, 9, 2), dt.date(2025, 3, 2)
BORN = dt.date(2015, 3, 2)
PUPILS = {name: make_id("140402", BORN, 2 * n, "F") for n, name in
          enumerate(("甲", "乙", "丙", "丁", "戊"), start=100)}


def row(name: str, school: str, status: str = "在读") -> dict[str, object]:
    number = PUPILS[name]
    return edu_row(**{"姓名": f"王{name}", "身份证号": number, "学籍号": f"G{number}",
                      "学校标识码": school, "学校名称": f"学校{school[-1]}", "学籍状态": status})


async def test_api_scope_filters_and_indicators_agree_on_every_child(
    graph: Graph, protector: IdProtector, tmp_path: Path, settings: Settings
) -> None:
    await snapshot(graph, protector, tmp_path, AUTUMN, [
        row("甲", S1), row("乙", S1), row("丙", S1), row("丁", S2), row("戊", S1, "休学")])
    await snapshot(graph, protector, tmp_path, SPRING, [  # complete rolls of both schools
        row("甲", S1, "转出"), row("乙", S2), row("丁", S2), row("戊", S1, "休学")])
    schools = {r["code"]: r["id"] for r in await graph.run(
        "MATCH (s:School) RETURN s.code AS code, s.id AS id")}
    names = {r["id"]: r["name"][-1] for r in await graph.run(
        "MATCH (c:Child) RETURN c.id AS id, c.name AS name")}
    # Transferred out: nowhere; moved: the new school; gone from the roll: nowhere;
    # suspended: still at its school.
    expected = {"甲": None, "乙": S2, "丙": None, "丁": S2, "戊": S1}

    # The API's currentPlacement, child by child.
    everyone = await execute(graph, settings, "{ children(first: 50) { edges { node { id "
                             "currentPlacement { organisation { id } } } } } }")
    api = {}
    for edge in everyone.data["children"]["edges"]:
        placed = edge["node"]["currentPlacement"]
        code = next((c for c, i in schools.items()
                     if placed and placed["organisation"]["id"] == i), None)
        api[names[edge["node"]["id"]]] = code
    assert api == expected

    for code in (S1, S2):
        here = {name for name, at in expected.items() if at == code}
        # The filter on the current placement's organisation.
        filtered = await execute(graph, settings, "query ($o: ID!) { children(filter: "
                                 "{organisationId: $o}) { edges { node { id } } } }",
                                 {"o": schools[code]})
        assert {names[e["node"]["id"]] for e in filtered.data["children"]["edges"]} == here
        # The school's own staff (row scope by current placement) and its pupil list.
        staff = Subject(kind="person", id=f"staff-{code}", department="EDU", region="140402",
                        roles=frozenset({"school-staff"}), organisations=(schools[code],))
        seen = await execute(graph, settings, "{ children(first: 50) { edges { node { id } } } }",
                             subject=staff)
        assert {names[e["node"]["id"]] for e in seen.data["children"]["edges"]} == here
        pupils = await execute(graph, settings, "query ($s: ID!) { school(id: $s) { children "
                               "{ edges { node { id } } } } }", {"s": schools[code]})
        assert {names[e["node"]["id"]] for e in pupils.data["school"]["children"]["edges"]} \
            == here
        # The indicators' "in force" on the day of the last snapshot.
        rows = await graph.run(
            "MATCH (c:Child)-[:HAS_FACT]->(p:Placement)-[:AT]->(:School {code: $code}) WHERE "
            + in_force("p", "$day") + " RETURN c.id AS id", {"code": code, "day": SPRING})
        assert {names[r["id"]] for r in rows} == here

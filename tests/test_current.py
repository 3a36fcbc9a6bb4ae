"""One truth for "current placement".

- The API, row scope, filters and the indicators' "in force" agree on every child of a roll
  loaded the way the education bureau sends it — two edu-status snapshots with a pupil
  transferred out, one moved to another school, one gone from the roll, one suspended and one
  staying put.
- The lookups the API makes read the ``CURRENT_PLACEMENT`` pointer (hub/current.py): their
  plans expand it and never test a placement's end date nor scan placements.
- Whatever sequence of writes (snapshots, placeChild, endPlacement, transitions, merge and
  unmerge), the pointer is the child's latest placement with no end date, computed here from
  the placements themselves, and there is at most one per child; the placements with no end
  date are exactly those with the open-placement label, and none of them left the roll.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import count
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from devtools.generate import make_id
from hub.current import sync_all
from hub.errors import HubError
from hub.graph import Graph
from hub.identity import IdProtector
from hub.predicates import OPEN_PLACEMENT, in_force
from hub.services import (
    EndPlacement,
    PlaceChild,
    StartTransition,
    TransitionStep,
    complete_transition,
    end_placement,
    place_child,
    start_transition,
)
from hub.services.duplicates import merge_children, unmerge
from hub.services.placements import LEFT_ROLL
from hub.settings import Settings
from hub.subject import Subject
from hub.vocabulary import PlacementType, SchoolStatus, Stage
from tests.graphql_helpers import Outcome, execute, plan_steps, seed
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


# --- the plans: the API's current-placement lookups expand the pointer --------------------------

STAFF = Subject(kind="person", id="staff-sch_1", department="EDU", region="140404",
                roles=frozenset({"school-staff"}), organisations=("sch_1",))
LOOKUPS = {
    "a child's currentPlacement": ('{ child(id: "ch_1") { currentPlacement { id } } }', None),
    "children filtered by current school": (
        '{ children(filter: {organisationId: "sch_1"}) { edges { node { id } } } }', None),
    "children filtered by placement type": (
        "{ children(filter: {placementType: REGULAR_CLASS, stage: PRIMARY}) "
        "{ edges { node { id } } } }", None),
    "a school's pupils": ('{ school(id: "sch_1") { children { edges { node { id } } } } }', None),
    "a school staff member's scope": ("{ children { edges { node { id } } } }", STAFF),
}


def _subqueries(cypher: str) -> list[str]:
    """The outermost ``COLLECT { … }`` bodies of a compiled query: EXPLAIN shows a subquery in
    an expression as one Projection, so each is planned on its own."""
    bodies, start = [], 0
    while (at := cypher.find("COLLECT {", start)) >= 0:
        depth, end = 0, at
        for end in range(at + len("COLLECT "), len(cypher)):
            depth += {"{": 1, "}": -1}.get(cypher[end], 0)
            if depth == 0:
                break
        bodies.append(cypher[at + len("COLLECT {"):end].strip())
        start = end
    return bodies


async def _subquery_plans(graph: Graph, outcome: Outcome) -> list[list[tuple[str, str]]]:
    plans = []
    for cypher, params in outcome.queries:
        bound = re.match(r"MATCH \((\w+):\w+ \{id: \$\w+\}\)", cypher)
        for body in _subqueries(cypher):
            # A nested list is planned under the node it hangs on, as in the whole query.
            text = (f"{cypher.split(' RETURN ')[0]} CALL ({bound.group(1)}) {{ {body} }} "
                    "RETURN *" if bound else body)
            plans.append(await plan_steps(graph, text, params))
    return plans


# Years of history: ended placements pile up at a school (here 300, all of the type and stage
# the filter asks for) while each child keeps one current placement. The plan must reach the
# current ones through the pointer, not by seeking or scanning placements and testing each.
HISTORY = """
MATCH (s:School {id: 'sch_1'})
UNWIND range(1, 300) AS n
CREATE (c:Child {id: 'ch_h' + n, name: '往届' + n, regionCode: '140404'})
CREATE (c)-[:HAS_FACT]->(:Fact:Placement {id: 'plc_h' + n, type: 'REGULAR_CLASS',
        stage: 'PRIMARY', date: date('2015-09-01'), endDate: date('2021-07-01'),
        recordedBy: 'EDU', source: 'api', sourceKey: 'h' + n, sourceRef: 'api/h' + n})-[:AT]->(s)
"""


async def test_current_placement_lookups_expand_the_pointer(
    graph: Graph, settings: Settings
) -> None:
    await seed(graph)
    await graph.write(HISTORY)
    await sync_all(graph)
    # Plans made for the data as it is now: fresh index statistics, no plan cached earlier.
    await graph.autocommit("CALL db.resampleOutdatedIndexes()")
    await graph.autocommit("CALL db.clearQueryCaches()")
    for name, (query, subject) in LOOKUPS.items():
        out = await (execute(graph, settings, query) if subject is None
                     else execute(graph, settings, query, subject=subject))
        assert out.errors == [], name
        # ch_1 is the one child placed at sch_1 now (plc_2, a regular class); ch_2 is elsewhere.
        assert "ch_1" in str(out.data) or "plc_2" in str(out.data), name
        assert "ch_2" not in str(out.data), name
        plans = await _subquery_plans(graph, out)
        steps = [step for plan in plans for step in plan]
        shown = name + ":\n" + "\n".join(f"{op} | {details}" for op, details in steps)
        # The pointer is read (expanded from a child or a school, or, when there are few
        # current placements beside much history, scanned by relationship type), or its mirror
        # on the child (type and stage) ...
        assert any(mark in details for _, details in steps
                   for mark in ("CURRENT_PLACEMENT", "currentType", "currentStage")), shown
        # ... and no placement is found by label or index and then tested for an end date.
        assert not any("endDate" in details for _, details in steps), shown
        assert not any(("Scan" in op or "Seek" in op) and ":Placement" in details
                       for op, details in steps), shown


# --- the property: the pointer is what the placements say -------------------------------------

EDU = Subject(kind="client", id="edu-1", department="EDU", region="140402")
NAMES = ("甲", "乙", "丙")
IDS = {name: make_id("140402", BORN, 2 * n, "F") for n, name in enumerate(NAMES, start=200)}
DAYS = [dt.date(2024, 9, 2), dt.date(2025, 3, 2), dt.date(2025, 9, 1), dt.date(2026, 3, 2)]
STATUSES = ["在读", "休学", "转出", "毕业"]

child = st.sampled_from(NAMES)
day = st.integers(min_value=0, max_value=len(DAYS) - 1)
operations = st.lists(st.one_of(
    # A snapshot of some pupils (complete rolls, or --partial), on any of the days.
    st.tuples(st.just("snapshot"), day, st.booleans(), st.lists(
        st.tuples(child, st.sampled_from((S1, S2)), st.sampled_from(STATUSES)),
        min_size=1, max_size=3, unique_by=lambda r: r[0])),
    st.tuples(st.just("place"), child, st.sampled_from((S1, S2)), day),
    st.tuples(st.just("end"), child, day),
    st.tuples(st.just("transition"), child, st.sampled_from((S1, S2)), day),
    st.tuples(st.just("complete"), child, day),
    st.tuples(st.just("merge"), child, child),
    st.tuples(st.just("unmerge"),),
), min_size=1, max_size=6)


def _pupil(name: str, school: str, status: str) -> dict[str, object]:
    number = IDS[name]
    return edu_row(**{"姓名": f"李{name}", "身份证号": number, "学籍号": f"G{number}",
                      "学校标识码": school, "学校名称": f"学校{school[-1]}", "学籍状态": status,
                      "入学日期": "2024-09-01"})


def _native(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


async def check_pointers(graph: Graph) -> None:
    """Each child's pointers are exactly [its latest placement with no end date] (by start day,
    then recordedAt, then id), its mirror holds that placement's type and stage, nothing else
    points anywhere, and the placements with no end date are those labelled open."""
    rows = await graph.run(
        "MATCH (c:Child) "
        "RETURN c.id AS child, "
        "[(c)-[:HAS_FACT]->(p:Placement) | p {.id, .date, .recordedAt, .endDate}] AS placements, "
        "[(c)-[:CURRENT_PLACEMENT]->(q) | q.id] AS pointers, "
        "[(c)-[:HAS_FACT]->(p:Placement) | p {.id, .type, .stage}] AS kinds, "
        "c.currentType AS type, c.currentStage AS stage")
    for row in rows:
        open_ = [p for p in row["placements"] if p["endDate"] is None]
        latest = max(open_, key=lambda p: (_native(p["date"]), _native(p["recordedAt"]),
                                           p["id"]), default=None)
        assert row["pointers"] == ([latest["id"]] if latest else []), row
        # The child's mirror of its current placement's type and stage.
        kind = next((k for k in row["kinds"] if latest and k["id"] == latest["id"]), {})
        assert (row["type"], row["stage"]) == (kind.get("type"), kind.get("stage")), row
    stray = await graph.run(
        "MATCH (x)-[r:CURRENT_PLACEMENT]->(p) "
        "WHERE NOT x:Child OR NOT EXISTS { (x)-[:HAS_FACT]->(p) } RETURN count(r) AS n")
    assert stray == [{"n": 0}]
    # The open-placement label: on every placement with no end date, on no other one.
    labels = await graph.run(
        "MATCH (p:Placement) RETURN p.id AS id, p.endDate IS NULL AS open, "
        "p:" + OPEN_PLACEMENT + " AS labelled, p.endReason AS reason")
    assert [r for r in labels if r["open"] != r["labelled"]] == []
    # Leaving the roll always ends the placement: the census reads it on ended ones only
    # (hub/indicators/common.py holds_status).
    assert [r for r in labels if r["open"] and r["reason"] == LEFT_ROLL] == []


class World:
    """The few children and schools of one example, and the operations on them."""

    def __init__(self, graph: Graph, protector: IdProtector, tmp_path: Path) -> None:
        self.graph, self.protector, self.tmp_path = graph, protector, tmp_path
        self.files = count()
        self.merged: list[str] = []

    async def child(self, name: str) -> str | None:
        rows = await self.graph.run("MATCH (c:Child {name: $name}) RETURN c.id AS id",
                                    {"name": f"李{name}"})
        return str(rows[0]["id"]) if rows else None

    async def schools(self) -> dict[str, str]:
        rows = await self.graph.run("MATCH (s:School) RETURN s.code AS code, s.id AS id")
        return {str(r["code"]): str(r["id"]) for r in rows}

    async def snapshot(self, on: int, partial: bool, rows: list[tuple[str, str, str]]) -> None:
        folder = self.tmp_path / f"s{next(self.files)}"
        folder.mkdir()
        await snapshot(self.graph, self.protector, folder, DAYS[on],
                       [_pupil(*row) for row in rows], complete=not partial)

    async def write(self, action: Any, data: Any) -> None:
        try:
            async with self.graph.transaction() as tx:
                await action(tx, EDU, data)
        except HubError:
            pass  # refused (no current placement, a start before it, …): nothing written

    async def run(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "snapshot":
            await self.snapshot(op[1], op[2], op[3])
            return
        if kind == "unmerge":
            if self.merged:
                await unmerge(self.graph, self.merged.pop(), "test")
            return
        found = await self.child(op[1])
        if found is None:
            return  # merged away
        schools = await self.schools()
        if kind == "place":
            await self.write(place_child, PlaceChild(
                child_id=found, organisation_id=schools[op[2]],
                placement_type=PlacementType.SPECIAL_CLASS, stage=Stage.PRIMARY,
                start_date=DAYS[op[3]]))
        elif kind == "end":
            rows = await self.graph.run(
                "MATCH (:Child {id: $c})-[:CURRENT_PLACEMENT]->(p) RETURN p.id AS id",
                {"c": found})
            if rows:
                await self.write(end_placement, EndPlacement(
                    id=rows[0]["id"], date=DAYS[op[2]], reason=SchoolStatus.DROPPED_OUT))
        elif kind == "transition":
            await self.write(start_transition, StartTransition(
                child_id=found, to_stage=Stage.JUNIOR, to_type=PlacementType.REGULAR_CLASS,
                receiving_organisation_id=schools[op[2]], planned_date=DAYS[op[3]]))
        elif kind == "complete":
            rows = await self.graph.run(
                "MATCH (:Child {id: $c})-[:HAS_FACT]->(t:Transition) "
                "WHERE t.status IN ['PLANNED', 'HANDED_OVER'] RETURN t.id AS id", {"c": found})
            for row in rows:
                await self.write(complete_transition,
                                 TransitionStep(id=row["id"], date=DAYS[op[2]]))
        elif kind == "merge":
            other = await self.child(op[2])
            if other is None or other == found:
                return
            candidate = f"dup_{next(self.files)}"
            await self.graph.write(
                "MATCH (a:Child {id: $a}), (b:Child {id: $b}) "
                "CREATE (d:DuplicateCandidate {id: $id, pair: $id, reason: 'test', "
                "status: 'OPEN'}) CREATE (d)-[:CANDIDATE]->(a), (d)-[:CANDIDATE]->(b)",
                {"a": found, "b": other, "id": candidate})
            await merge_children(self.graph, candidate, "test", keep=found)
            self.merged.append(candidate)


@hypothesis_settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
# Always tried, whatever hypothesis draws: a merge taken back, a move seen only in snapshots
# (and a pupil gone from the roll, then placed again), a placement ended then followed, a
# transition completed.
@example(ops=[("merge", "甲", "乙"), ("place", "甲", S2, 2), ("unmerge",)])
@example(ops=[("snapshot", 1, False, [("甲", S2, "在读"), ("丙", S2, "转出")])])
@example(ops=[("snapshot", 1, False, [("甲", S1, "在读")]), ("place", "乙", S2, 2)])
@example(ops=[("end", "乙", 1), ("place", "乙", S2, 2),
              ("snapshot", 3, True, [("乙", S1, "在读")])])
@example(ops=[("transition", "丙", S1, 1), ("complete", "丙", 2), ("place", "丙", S1, 3)])
async def test_the_pointer_is_the_latest_open_placement_after_any_writes(
    graph: Graph, protector: IdProtector, tmp_path_factory: Any, ops: list[tuple[Any, ...]]
) -> None:
    await graph.empty()
    world = World(graph, protector, tmp_path_factory.mktemp("current"))
    # Everyone on a roll first, so that the services have children and schools to act on.
    await world.snapshot(0, False, [(NAMES[0], S1, "在读"), (NAMES[1], S1, "在读"),
                                    (NAMES[2], S2, "在读")])
    await check_pointers(graph)
    for op in ops:
        await world.run(op)
        await check_pointers(graph)

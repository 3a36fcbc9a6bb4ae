"""The stalled-transition and dropout-check workflows, and the case lists in GraphQL."""

from __future__ import annotations

import datetime as dt

import pytest

from hub import workflows
from hub.current import sync_all
from hub.errors import BadUserInput
from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject
from tests.graphql_helpers import execute
from tests.test_indicators_graph import AS_OF, load


@pytest.fixture
async def loaded(graph: Graph) -> Graph:
    await load(graph)
    return graph


async def _transitions(graph: Graph, child: str) -> list[dict[str, object]]:
    return await graph.run(
        "MATCH (:Child {id: $child})-[:HAS_FACT]->(t:Transition) "
        "OPTIONAL MATCH (t)-[:FROM_PLACEMENT]->(p) "
        "RETURN t.status AS status, t.source AS source, t.fromStage AS fromStage, "
        "t.toStage AS toStage, p.id AS placement ORDER BY t.date",
        {"child": child},
    )


async def test_stalled_placement_raises_a_transition_once(loaded: Graph) -> None:
    found = await workflows.check_transitions(loaded, AS_OF, 30)
    assert (found.marked, found.raised) == (0, 2)  # ch_f (31 days) and ch_s; not ch_g (30)
    assert await _transitions(loaded, "ch_f") == [
        {"status": "STALLED", "source": "stalled-check", "fromStage": "JUNIOR",
         "toStage": "JUNIOR", "placement": "plc_ch_f"}
    ]
    assert await _transitions(loaded, "ch_g") == []
    again = await workflows.check_transitions(loaded, AS_OF, 30)
    assert (again.resolved, again.marked, again.raised) == (0, 0, 0)


async def test_open_transition_is_marked_stalled(loaded: Graph) -> None:
    await loaded.write(
        "MATCH (g:Child {id: 'ch_g'}), (p:Placement {id: 'plc_ch_g'}) "
        "CREATE (g)-[:HAS_FACT]->(t:Fact:Transition {id: 'trn_g', date: date('2026-05-01'), "
        "status: 'HANDED_OVER', fromStage: 'JUNIOR', toStage: 'SENIOR', source: 't', "
        "sourceKey: 'trn_g', sourceRef: 't/trn_g'})-[:FROM_PLACEMENT]->(p)"
    )
    found = await workflows.check_transitions(loaded, AS_OF + dt.timedelta(days=1), 30)
    assert found.marked == 1 and found.raised == 2  # ch_g is 31 days out now
    rows = await _transitions(loaded, "ch_g")
    assert [r["status"] for r in rows] == ["STALLED"] and rows[0]["toStage"] == "SENIOR"


async def test_placing_the_child_completes_the_stalled_transition(loaded: Graph) -> None:
    await workflows.check_transitions(loaded, AS_OF, 30)
    await loaded.write(
        "MATCH (f:Child {id: 'ch_f'}), (s:School {id: 'sch_j'}) "
        "CREATE (f)-[:HAS_FACT]->(:Fact:Placement {id: 'plc_f2', type: 'REGULAR_CLASS', "
        "stage: 'JUNIOR', date: date('2026-07-01'), status: 'ACTIVE', source: 't', "
        "sourceKey: 'plc_f2', sourceRef: 't/plc_f2'})-[:AT]->(s)"
    )
    await sync_all(loaded)
    found = await workflows.check_transitions(loaded, AS_OF + dt.timedelta(days=2), 30)
    assert found.resolved == 1
    rows = await loaded.run(
        "MATCH (:Child {id: 'ch_f'})-[:HAS_FACT]->(t:Transition)-[:TO_PLACEMENT]->(p), "
        "(t)-[:RECEIVING]->(o) RETURN t.status AS status, p.id AS to, o.id AS receiving, "
        "toString(t.completedOn) AS on"
    )
    assert rows == [{"status": "COMPLETED", "to": "plc_f2", "receiving": "sch_j",
                     "on": "2026-07-01"}]


async def test_dropout_check_opens_cases_once(loaded: Graph) -> None:
    today = dt.date(2026, 6, 30)
    found = await workflows.check_dropout(loaded, "2025-09", today=today)
    # ch_s held school status until 2025-07-01 and had none on 2025-09-01.
    assert found.children == ("ch_s",) and found.opened == 1
    assert found.after == dt.date(2025, 9, 1)
    rows = await loaded.run(
        "MATCH (:Child {id: 'ch_s'})-[:HAS_FACT]->(d:DropoutCase) RETURN d.status AS status, "
        "d.recordedBy AS by, d.source AS source, d.sourceKey AS key, toString(d.date) AS date"
    )
    assert rows == [{"status": "OPEN", "by": "EDU", "source": "dropout-check",
                     "key": "2025-09/ch_s", "date": "2025-09-01"}]
    again = await workflows.check_dropout(loaded, "2025-09", today=today)
    assert again.opened == 0
    # Closed, and the child still out: the same term's check does not reopen it.
    await loaded.write("MATCH (d:DropoutCase {source: 'dropout-check'}) "
                       "SET d.status = 'CLOSED', d.closedOn = date('2025-10-01')")
    assert (await workflows.check_dropout(loaded, "2025-09", today=today)).opened == 0


async def test_dropout_check_refuses_a_term_not_started(loaded: Graph) -> None:
    with pytest.raises(BadUserInput):
        await workflows.check_dropout(loaded, "2026-09", today=dt.date(2026, 8, 1))
    with pytest.raises(BadUserInput):
        await workflows.check_dropout(loaded, "2026-13", today=dt.date(2026, 8, 1))


LISTS = """query ($region: String!) {
  stalledTransitions(region: $region) { id status fromStage toStage child { id } }
  openDropoutCases(region: $region) { id status reason child { id } }
}"""


def _officer(region: str) -> Subject:
    return Subject(kind="client", id="test-edu", department="EDU", region=region,
                   roles=frozenset({"edu-officer"}))


async def test_case_lists_in_graphql(loaded: Graph, settings: Settings) -> None:
    await workflows.check_transitions(loaded, AS_OF, 30)
    await workflows.check_dropout(loaded, "2025-09", today=AS_OF)
    outcome = await execute(loaded, settings, LISTS, {"region": "140404"},
                            subject=_officer("140404"))
    assert outcome.errors == []
    stalled = outcome.data["stalledTransitions"]
    assert sorted(t["child"]["id"] for t in stalled) == ["ch_f", "ch_s"]
    assert {t["status"] for t in stalled} == {"STALLED"}
    cases = outcome.data["openDropoutCases"]
    assert sorted(c["child"]["id"] for c in cases) == ["ch_n", "ch_s"]
    # Row scope: another county's officer sees none of them.
    outcome = await execute(loaded, settings, LISTS, {"region": "140404"},
                            subject=_officer("140406"))
    assert outcome.data == {"stalledTransitions": [], "openDropoutCases": []}
    # A figures-only role sees no case.
    figures = Subject(kind="client", id="test-fin", department="FIN", region="140400",
                      roles=frozenset({"figures"}))
    outcome = await execute(loaded, settings, LISTS, {"region": "140400"}, subject=figures)
    assert outcome.data == {"stalledTransitions": [], "openDropoutCases": []}

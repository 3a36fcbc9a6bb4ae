"""Mutations on the real database: what they write, what they refuse, and that a failure or a
retry writes nothing more."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject
from tests.graphql_helpers import Outcome, execute, seed

EDU = Subject(kind="client", id="edu-140404", department="EDU", region="140400",
              roles=frozenset({"edu-officer"}))
OTHER_EDU = Subject(kind="client", id="edu-140406", department="EDU", region="140400",
                    roles=frozenset({"edu-officer"}))
HEALTH = Subject(kind="client", id="health-140404", department="HEALTH", region="140400",
                 roles=frozenset({"health-officer"}))

MORE = """
MATCH (k:Region {code: '140404'})
CREATE (:Organisation:ExpertCommittee {id: 'ec_1', name: '上党区残疾人教育专家委员会',
        regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (:Organisation:WelfareInstitution {id: 'wi_1', name: '长治市儿童福利院',
        regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (s:Organisation:School {id: 'sch_3', name: '上党区第一中学', code: '2140404003',
        schoolType: 'JUNIOR', regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (s)-[:HAS_CLASS]->(:SchoolClass {id: 'cls_3', name: '七年级1班', grade: '7',
        special: false})
"""

FACT = "id date recordedBy recordedIn source sourceKey recordedAt"

PLACE = f"""
mutation ($input: PlaceChildInput!, $key: String) {{
  placeChild(input: $input, idempotencyKey: $key) {{
    {FACT} placementType stage grade className studentNumber status startDate endDate
    organisation {{ id }} schoolClass {{ id }} child {{ id }}
  }}
}}"""

CHILD = """
query ($id: ID!) {
  child(id: $id) {
    currentPlacement { id placementType stage }
    placements { id status endDate endReason }
    transitions {
      id status fromStage toStage fromType toType date completedOn handedOverOn
      fromPlacement { id } toPlacement { id } receiving { id }
    }
  }
}"""


@pytest.fixture
async def seeded(graph: Graph) -> Graph:
    await seed(graph)
    await graph.write(MORE)
    return graph


async def run(
    graph: Graph, settings: Settings, query: str, variables: dict[str, Any] | None = None,
    subject: Subject = EDU,
) -> Outcome:
    return await execute(graph, settings, query, variables, subject=subject)


async def count(graph: Graph) -> int:
    rows = await graph.run("MATCH (n) RETURN count(n) AS n")
    return int(rows[0]["n"])


async def child(graph: Graph, settings: Settings, child_id: str) -> Any:
    out = await run(graph, settings, CHILD, {"id": child_id})
    assert out.errors == []
    return out.data["child"]


def place(child_id: str = "ch_1", **values: Any) -> dict[str, Any]:
    base = {"childId": child_id, "organisationId": "sch_2", "placementType": "SPECIAL_SCHOOL",
            "stage": "PRIMARY", "grade": "4", "startDate": "2025-03-01"}
    return {"input": base | values}


def error_field(out: Outcome) -> Any:
    return out.errors[0].get("extensions", {}).get("field")


# --- provenance and idempotency ---------------------------------------------------------------

ASSESS = f"""
mutation ($input: RecordAssessmentInput!, $key: String) {{
  recordAssessment(input: $input, idempotencyKey: $key) {{
    {FACT} assessmentKind recommendation summary committee {{ id name }} child {{ id }}
  }}
}}"""

ASSESSMENT = {"childId": "ch_3", "date": "2025-06-01", "kind": "ENTRY",
              "recommendation": "REGULAR_CLASS", "summary": "可随班就读", "committeeId": "ec_1"}


async def test_record_assessment_with_provenance(seeded: Graph, settings: Settings) -> None:
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT})
    assert out.errors == []
    written = out.data["recordAssessment"]
    assert written["id"].startswith("asm_") and len(written["id"]) == len("asm_") + 16
    assert written["assessmentKind"] == "ENTRY"
    assert written["recommendation"] == "REGULAR_CLASS"
    assert written["committee"] == {"id": "ec_1", "name": "上党区残疾人教育专家委员会"}
    assert written["child"] == {"id": "ch_3"}
    assert written["date"] == "2025-06-01"
    assert (written["recordedBy"], written["recordedIn"]) == ("EDU", "140400")
    assert (written["source"], written["sourceKey"]) == ("api", written["id"])
    assert written["recordedAt"]
    rows = await seeded.run("MATCH (a:Assessment {id: $id}) RETURN a.sourceRef AS ref",
                            {"id": written["id"]})
    assert rows == [{"ref": "api/" + written["id"]}]


async def test_record_assessment_bad_input(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT | {"childId": "ch_missing"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "childId"
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT | {"committeeId": "sch_1"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "committeeId"
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT | {"date": "2024-02-30"}})
    assert out.codes == ["BAD_USER_INPUT"] and "date" in out.errors[0]["message"]
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT | {"date": tomorrow}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "date"
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT | {"summary": "  "}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "summary"
    out = await run(seeded, settings, ASSESS, {"input": ASSESSMENT}, subject=HEALTH)
    assert out.codes == ["FORBIDDEN"]
    for error in out.errors:
        assert "MATCH" not in error["message"]
    assert await count(seeded) == before


async def test_retry_with_idempotency_key_is_a_no_op(seeded: Graph, settings: Settings) -> None:
    first = await run(seeded, settings, ASSESS, {"input": ASSESSMENT, "key": "k-1"})
    assert first.errors == []
    after_first = await count(seeded)
    again = await run(seeded, settings, ASSESS, {"input": ASSESSMENT, "key": "k-1"})
    assert again.errors == []
    assert again.data["recordAssessment"]["id"] == first.data["recordAssessment"]["id"]
    assert again.data == first.data
    assert await count(seeded) == after_first
    # The same key with another input is a mistake, not a retry.
    other = await run(seeded, settings, ASSESS,
                      {"input": ASSESSMENT | {"summary": "另一结论"}, "key": "k-1"})
    assert other.codes == ["CONFLICT"] and error_field(other) == "idempotencyKey"
    # Keys are scoped by subject: another client's "k-1" is its own request.
    theirs = await run(seeded, settings, ASSESS, {"input": ASSESSMENT, "key": "k-1"},
                       subject=OTHER_EDU)
    assert theirs.errors == []
    assert theirs.data["recordAssessment"]["id"] != first.data["recordAssessment"]["id"]
    empty = await run(seeded, settings, ASSESS, {"input": ASSESSMENT, "key": ""})
    assert empty.codes == ["BAD_USER_INPUT"] and error_field(empty) == "idempotencyKey"


async def test_retried_place_child_writes_nothing_more(seeded: Graph, settings: Settings) -> None:
    first = await run(seeded, settings, PLACE, place() | {"key": "move-1"})
    assert first.errors == []
    after_first = await count(seeded)
    again = await run(seeded, settings, PLACE, place() | {"key": "move-1"})
    assert again.errors == []
    assert again.data["placeChild"]["id"] == first.data["placeChild"]["id"]
    assert await count(seeded) == after_first
    story = await child(seeded, settings, "ch_1")
    assert len(story["transitions"]) == 1


async def test_failed_call_keeps_no_idempotency_key(seeded: Graph, settings: Settings) -> None:
    bad = await run(seeded, settings, PLACE, place(classId="cls_missing") | {"key": "k"})
    assert bad.codes == ["NOT_FOUND"]
    good = await run(seeded, settings, PLACE, place() | {"key": "k"})
    assert good.errors == [] and good.data["placeChild"]["id"].startswith("plc_")


# --- placements -------------------------------------------------------------------------------


async def test_place_child_closes_previous_and_records_transition(
    seeded: Graph, settings: Settings
) -> None:
    out = await run(seeded, settings, PLACE, place())
    assert out.errors == []
    new = out.data["placeChild"]
    assert new["placementType"] == "SPECIAL_SCHOOL" and new["status"] == "ACTIVE"
    assert new["startDate"] == "2025-03-01" and new["endDate"] is None
    assert new["organisation"] == {"id": "sch_2"} and new["child"] == {"id": "ch_1"}
    assert new["studentNumber"] == "G140421201603021234"  # the school-status number follows
    assert (new["recordedBy"], new["source"], new["sourceKey"]) == ("EDU", "api", new["id"])
    story = await child(seeded, settings, "ch_1")
    assert story["currentPlacement"]["id"] == new["id"]
    old = next(p for p in story["placements"] if p["id"] == "plc_2")
    assert old["endDate"] == "2025-03-01" and old["status"] == "TRANSFERRED"
    assert old["endReason"]
    [transition] = story["transitions"]
    assert transition["id"].startswith("trn_")
    assert transition["status"] == "COMPLETED"
    assert (transition["fromStage"], transition["toStage"]) == ("PRIMARY", "PRIMARY")
    assert (transition["fromType"], transition["toType"]) == ("REGULAR_CLASS", "SPECIAL_SCHOOL")
    assert transition["date"] == transition["completedOn"] == "2025-03-01"
    assert transition["fromPlacement"] == {"id": "plc_2"}
    assert transition["toPlacement"] == {"id": new["id"]}
    assert transition["receiving"] == {"id": "sch_2"}


async def test_stage_change_graduates_and_class_is_linked(
    seeded: Graph, settings: Settings
) -> None:
    out = await run(seeded, settings, PLACE, place(
        organisationId="sch_3", placementType="REGULAR_CLASS", stage="JUNIOR", grade="7",
        classId="cls_3", studentNumber="G2", startDate="2025-09-01", endReason="小学毕业"))
    assert out.errors == []
    new = out.data["placeChild"]
    assert new["schoolClass"] == {"id": "cls_3"} and new["className"] == "七年级1班"
    assert new["studentNumber"] == "G2"
    story = await child(seeded, settings, "ch_1")
    old = next(p for p in story["placements"] if p["id"] == "plc_2")
    assert (old["status"], old["endReason"]) == ("GRADUATED", "小学毕业")
    assert story["transitions"][0]["fromStage"] == "PRIMARY"
    assert story["transitions"][0]["toStage"] == "JUNIOR"


async def test_first_placement_opens_no_transition(seeded: Graph, settings: Settings) -> None:
    out = await run(seeded, settings, PLACE, place(
        "ch_3", organisationId="wi_1", placementType="WELFARE_CLASS", stage="PRESCHOOL"))
    assert out.errors == []
    story = await child(seeded, settings, "ch_3")
    assert story["currentPlacement"]["id"] == out.data["placeChild"]["id"]
    assert story["transitions"] == []


async def test_place_child_bad_input(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    out = await run(seeded, settings, PLACE, place(placementType="BOARDING_SCHOOL"))
    assert out.codes == ["BAD_USER_INPUT"] and "placementType" in out.errors[0]["message"]
    out = await run(seeded, settings, PLACE, place(startDate="2024-02-30"))
    assert out.codes == ["BAD_USER_INPUT"] and "startDate" in out.errors[0]["message"]
    out = await run(seeded, settings, PLACE, place(startDate="2024-08-31"))
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "startDate"
    out = await run(seeded, settings, PLACE, place(childId="ch_missing"))
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "childId"
    out = await run(seeded, settings, PLACE, place(organisationId="sch_missing"))
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "organisationId"
    out = await run(seeded, settings, PLACE, place(organisationId="sch_1"))  # not special
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "organisationId"
    out = await run(seeded, settings, PLACE, place(organisationId="rc_1",
                                                   placementType="HOME_DELIVERY"))
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "organisationId"
    out = await run(seeded, settings, PLACE, place(classId="cls_1"))  # a class of sch_1
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "classId"
    out = await run(seeded, settings, PLACE, place(studentNumber="G 1;"))
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "studentNumber"
    # Placing the child where and as it already is changes nothing: refused.
    out = await run(seeded, settings, PLACE, place(
        organisationId="sch_1", placementType="REGULAR_CLASS", grade="3", classId="cls_1"))
    assert out.codes == ["CONFLICT"]
    assert await count(seeded) == before


async def test_failure_midway_writes_nothing(seeded: Graph, settings: Settings) -> None:
    """The class is checked after the old placement was closed and the new one created: the
    whole transaction rolls back, so the old placement stays open."""
    before = await count(seeded)
    out = await run(seeded, settings, PLACE, place(classId="cls_missing"))
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "classId"
    assert out.data == {"placeChild": None}
    assert await count(seeded) == before
    story = await child(seeded, settings, "ch_1")
    assert story["currentPlacement"]["id"] == "plc_2"
    assert next(p for p in story["placements"] if p["id"] == "plc_2")["endDate"] is None
    assert story["transitions"] == []


async def test_concurrent_placements_never_leave_two_open(
    seeded: Graph, settings: Settings
) -> None:
    for round_ in range(3):
        calls = [
            run(seeded, settings, PLACE, place(
                "ch_3", organisationId="sch_1", placementType="REGULAR_CLASS",
                grade=str(i + 1 + 10 * round_), startDate="2025-09-01"))
            for i in range(4)
        ]
        outcomes = await asyncio.gather(*calls)
        assert all(o.errors == [] for o in outcomes)
    rows = await seeded.run(
        "MATCH (:Child {id: 'ch_3'})-[:HAS_FACT]->(p:Placement) "
        "RETURN count(p) AS all, sum(CASE WHEN p.endDate IS NULL THEN 1 ELSE 0 END) AS open")
    assert rows == [{"all": 12, "open": 1}]
    story = await child(seeded, settings, "ch_3")
    assert len(story["transitions"]) == 11


# --- service sessions -------------------------------------------------------------------------

SESSION = f"""
mutation ($input: RecordServiceSessionInput!, $key: String) {{
  recordServiceSession(input: $input, idempotencyKey: $key) {{
    {FACT} serviceKind hours content provider notes organisation {{ id }}
  }}
}}"""

VISIT = {"childId": "ch_2", "kind": "HOME_DELIVERY", "date": "2025-10-14", "hours": 3,
         "content": ["EDUCATION", "REHABILITATION"], "provider": "李老师",
         "organisationId": "sch_2", "notes": "家长在场"}


async def test_record_service_session(seeded: Graph, settings: Settings) -> None:
    out = await run(seeded, settings, SESSION, {"input": VISIT})
    assert out.errors == []
    written = out.data["recordServiceSession"]
    assert written["id"].startswith("svc_")
    assert written["serviceKind"] == "HOME_DELIVERY" and written["hours"] == 3.0
    assert written["content"] == ["EDUCATION", "REHABILITATION"]
    assert written["organisation"] == {"id": "sch_2"} and written["provider"] == "李老师"
    health = await run(seeded, settings, SESSION, {"input": VISIT | {"kind": "HEALTH"}},
                       subject=HEALTH)
    assert health.errors == [] and health.data["recordServiceSession"]["recordedBy"] == "HEALTH"


async def test_record_service_session_bad_input(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    for hours in (0, -1, 8.5):
        out = await run(seeded, settings, SESSION, {"input": VISIT | {"hours": hours}})
        assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "hours"
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    out = await run(seeded, settings, SESSION, {"input": VISIT | {"date": future}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "date"
    out = await run(seeded, settings, SESSION, {"input": VISIT | {"date": "2025-13-01"}})
    assert out.codes == ["BAD_USER_INPUT"]
    out = await run(seeded, settings, SESSION, {"input": VISIT | {"content": ["", "x"]}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "content.0"
    out = await run(seeded, settings, SESSION, {"input": VISIT | {"organisationId": "nope"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "organisationId"
    out = await run(seeded, settings, SESSION, {"input": VISIT | {"kind": "MASSAGE"}})
    assert out.codes == ["BAD_USER_INPUT"]
    assert await count(seeded) == before


# --- plans ------------------------------------------------------------------------------------

PLAN = """
mutation ($input: UpdatePlanInput!, $key: String) {
  updatePlan(input: $input, idempotencyKey: $key) {
    id version current goals rehabilitationPlan healthCarePlan date
  }
}"""


async def test_update_plan_adds_a_version(seeded: Graph, settings: Settings) -> None:
    values = {"childId": "ch_1", "date": "2025-09-10", "goals": "三位数加法",
              "rehabilitationPlan": "精细动作训练", "healthCarePlan": "定期复查"}
    out = await run(seeded, settings, PLAN, {"input": values})
    assert out.errors == []
    written = out.data["updatePlan"]
    assert written["id"].startswith("pln_")
    assert (written["version"], written["current"]) == (3, True)
    rows = await seeded.run(
        "MATCH (:Child {id: 'ch_1'})-[:HAS_FACT]->(p:Plan) WHERE p.current RETURN p.id AS id")
    assert rows == [{"id": written["id"]}]
    first = await run(seeded, settings, PLAN, {"input": values | {"childId": "ch_3"}})
    assert first.data["updatePlan"]["version"] == 1
    early = await run(seeded, settings, PLAN, {"input": values | {"date": "2025-01-01"}})
    assert early.codes == ["BAD_USER_INPUT"] and error_field(early) == "date"
    empty = await run(seeded, settings, PLAN, {"input": values | {"goals": ""}})
    assert empty.codes == ["BAD_USER_INPUT"] and error_field(empty) == "goals"
    missing = await run(seeded, settings, PLAN, {"input": values | {"childId": "ch_x"}})
    assert missing.codes == ["NOT_FOUND"]


# --- transitions ------------------------------------------------------------------------------

TRANSITION = "id status fromStage toStage fromType toType date handedOverOn completedOn " \
             "fromPlacement { id } toPlacement { id } receiving { id }"
START = f"""
mutation ($input: StartTransitionInput!, $key: String) {{
  startTransition(input: $input, idempotencyKey: $key) {{ {TRANSITION} }}
}}"""
HAND_OVER = f"""
mutation ($id: ID!, $date: Date!, $key: String) {{
  handOverTransition(id: $id, date: $date, idempotencyKey: $key) {{ {TRANSITION} }}
}}"""
COMPLETE = f"""
mutation ($id: ID!, $date: Date!, $key: String) {{
  completeTransition(id: $id, date: $date, idempotencyKey: $key) {{ {TRANSITION} }}
}}"""

PLANNED = {"childId": "ch_1", "toStage": "JUNIOR", "toType": "REGULAR_CLASS",
           "receivingOrganisationId": "sch_3", "plannedDate": "2026-09-01"}


async def test_transition_lifecycle(seeded: Graph, settings: Settings) -> None:
    out = await run(seeded, settings, START, {"input": PLANNED})
    assert out.errors == []
    planned = out.data["startTransition"]
    assert planned["status"] == "PLANNED" and planned["date"] == "2026-09-01"
    assert (planned["fromStage"], planned["fromType"]) == ("PRIMARY", "REGULAR_CLASS")
    assert planned["fromPlacement"] == {"id": "plc_2"} and planned["receiving"] == {"id": "sch_3"}
    second = await run(seeded, settings, START, {"input": PLANNED})
    assert second.codes == ["CONFLICT"]
    out = await run(seeded, settings, HAND_OVER, {"id": planned["id"], "date": "2025-07-01"})
    assert out.errors == []
    assert out.data["handOverTransition"]["status"] == "HANDED_OVER"
    assert out.data["handOverTransition"]["handedOverOn"] == "2025-07-01"
    again = await run(seeded, settings, HAND_OVER, {"id": planned["id"], "date": "2025-07-02"})
    assert again.codes == ["CONFLICT"]
    still = await run(seeded, settings, START, {"input": PLANNED})
    assert still.codes == ["CONFLICT"]  # handed over is still open
    early = await run(seeded, settings, COMPLETE, {"id": planned["id"], "date": "2025-06-30"})
    assert early.codes == ["BAD_USER_INPUT"] and error_field(early) == "date"
    out = await run(seeded, settings, COMPLETE, {"id": planned["id"], "date": "2025-09-01"})
    assert out.errors == []
    done = out.data["completeTransition"]
    assert (done["status"], done["completedOn"]) == ("COMPLETED", "2025-09-01")
    twice = await run(seeded, settings, COMPLETE, {"id": planned["id"], "date": "2025-09-02"})
    assert twice.codes == ["CONFLICT"]
    # Completed: a new one may be planned.
    next_ = await run(seeded, settings, START, {"input": PLANNED | {"toStage": "SENIOR"}})
    assert next_.errors == []


async def test_transition_bad_input(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    out = await run(seeded, settings, START, {"input": PLANNED | {"childId": "ch_x"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "childId"
    out = await run(seeded, settings, START,
                    {"input": PLANNED | {"receivingOrganisationId": "sch_x"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "receivingOrganisationId"
    out = await run(seeded, settings, START,
                    {"input": PLANNED | {"receivingOrganisationId": "ec_1"}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "receivingOrganisationId"
    out = await run(seeded, settings, START, {"input": PLANNED | {"plannedDate": "2025-02-29"}})
    assert out.codes == ["BAD_USER_INPUT"]
    out = await run(seeded, settings, COMPLETE, {"id": "trn_missing", "date": "2025-09-01"})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "id"
    out = await run(seeded, settings, HAND_OVER, {"id": "trn_missing", "date": "2025-09-01"})
    assert out.codes == ["NOT_FOUND"]
    assert await count(seeded) == before


async def test_placement_completes_the_planned_transition(
    seeded: Graph, settings: Settings
) -> None:
    planned = (await run(seeded, settings, START, {"input": PLANNED})).data["startTransition"]
    out = await run(seeded, settings, PLACE, place(
        organisationId="sch_3", placementType="REGULAR_CLASS", stage="JUNIOR", grade="7",
        startDate="2025-09-01"))
    assert out.errors == []
    story = await child(seeded, settings, "ch_1")
    [transition] = story["transitions"]
    assert transition["id"] == planned["id"]
    assert transition["status"] == "COMPLETED" and transition["completedOn"] == "2025-09-01"
    assert transition["fromPlacement"] == {"id": "plc_2"}
    assert transition["toPlacement"] == {"id": out.data["placeChild"]["id"]}


async def test_retried_complete_transition(seeded: Graph, settings: Settings) -> None:
    planned = (await run(seeded, settings, START, {"input": PLANNED})).data["startTransition"]
    variables = {"id": planned["id"], "date": "2025-09-01", "key": "done-1"}
    first = await run(seeded, settings, COMPLETE, variables)
    again = await run(seeded, settings, COMPLETE, variables)
    assert first.errors == [] and again.errors == []  # a retry, not a second completion
    assert again.data == first.data


# --- dropout cases ----------------------------------------------------------------------------

OPEN = """
mutation ($input: OpenDropoutCaseInput!, $key: String) {
  openDropoutCase(input: $input, idempotencyKey: $key) {
    id status reason actions date closedOn resolution recordedBy
  }
}"""
CLOSE = """
mutation ($id: ID!, $date: Date!, $resolution: String!, $actions: [String!], $key: String) {
  closeDropoutCase(id: $id, date: $date, resolution: $resolution, actions: $actions,
                   idempotencyKey: $key) {
    id status actions closedOn resolution
  }
}"""
CASE = {"childId": "ch_2", "date": "2025-09-05", "reason": "开学未报到",
        "actions": ["电话联系家长"]}


async def test_dropout_case_lifecycle(seeded: Graph, settings: Settings) -> None:
    out = await run(seeded, settings, OPEN, {"input": CASE})
    assert out.errors == []
    case = out.data["openDropoutCase"]
    assert case["id"].startswith("drp_") and case["status"] == "OPEN"
    assert case["actions"] == ["电话联系家长"] and case["recordedBy"] == "EDU"
    second = await run(seeded, settings, OPEN, {"input": CASE | {"reason": "另案"}})
    assert second.codes == ["CONFLICT"]
    blank = await run(seeded, settings, CLOSE,
                      {"id": case["id"], "date": "2025-09-20", "resolution": "   "})
    assert blank.codes == ["BAD_USER_INPUT"] and error_field(blank) == "resolution"
    missing = await run(seeded, settings, CLOSE.replace("$resolution: String!", "$resolution: "
                        "String"), {"id": case["id"], "date": "2025-09-20"})
    assert missing.codes == ["BAD_USER_INPUT"]
    early = await run(seeded, settings, CLOSE,
                      {"id": case["id"], "date": "2025-09-01", "resolution": "已返校"})
    assert early.codes == ["BAD_USER_INPUT"] and error_field(early) == "date"
    out = await run(seeded, settings, CLOSE, {"id": case["id"], "date": "2025-09-20",
                                               "resolution": "已返校就读", "actions": ["上门劝返"]})
    assert out.errors == []
    closed = out.data["closeDropoutCase"]
    assert (closed["status"], closed["closedOn"]) == ("CLOSED", "2025-09-20")
    assert closed["actions"] == ["电话联系家长", "上门劝返"]
    assert closed["resolution"] == "已返校就读"
    again = await run(seeded, settings, CLOSE,
                      {"id": case["id"], "date": "2025-09-21", "resolution": "重复"})
    assert again.codes == ["CONFLICT"]
    reopened = await run(seeded, settings, OPEN, {"input": CASE | {"date": "2025-10-05"}})
    assert reopened.errors == []  # the earlier case is closed


async def test_dropout_bad_input(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    out = await run(seeded, settings, OPEN, {"input": CASE | {"childId": "ch_x"}})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "childId"
    out = await run(seeded, settings, OPEN, {"input": CASE | {"reason": ""}})
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "reason"
    out = await run(seeded, settings, CLOSE,
                    {"id": "drp_missing", "date": "2025-09-20", "resolution": "x"})
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "id"
    assert await count(seeded) == before


# --- property: any sequence of placements -----------------------------------------------------

TYPES_AT = {
    "REGULAR_CLASS": ["sch_1", "sch_3"],
    "SPECIAL_CLASS": ["sch_1", "sch_3"],
    "SPECIAL_SCHOOL": ["sch_2"],
    "HOME_DELIVERY": ["sch_1", "sch_2", "wi_1"],
    "REMOTE": ["sch_2", "sch_3"],
    "WELFARE_CLASS": ["wi_1"],
}
STAGES = ["PRESCHOOL", "PRIMARY", "JUNIOR", "SENIOR", "VOCATIONAL"]

moves = st.lists(
    st.tuples(
        st.sampled_from(sorted(TYPES_AT)),
        st.integers(min_value=0, max_value=2),  # which organisation that type allows
        st.sampled_from(STAGES),
        st.integers(min_value=-30, max_value=400),  # days after the previous start
    ),
    min_size=1,
    max_size=6,
)


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves)
async def test_any_placement_sequence_leaves_one_open(
    graph: Graph, settings: Settings, moves: list[tuple[str, int, str, int]]
) -> None:
    await graph.empty()
    await seed(graph)
    await graph.write(MORE)
    day = dt.date(2019, 9, 1)
    current: tuple[str, str, str] | None = None  # organisation, type, stage
    placed: list[str] = []
    for type_, which, stage, days in moves:
        organisation = TYPES_AT[type_][which % len(TYPES_AT[type_])]
        start = day + dt.timedelta(days=days)
        out = await run(graph, settings, PLACE, place(
            "ch_3", organisationId=organisation, placementType=type_, stage=stage,
            grade=None, startDate=start.isoformat()))
        if placed and start < day:
            assert out.codes == ["BAD_USER_INPUT"]
            continue
        if current == (organisation, type_, stage):
            assert out.codes == ["CONFLICT"]
            continue
        assert out.errors == []
        placed.append(out.data["placeChild"]["id"])
        current, day = (organisation, type_, stage), start
    rows = await graph.run(
        "MATCH (:Child {id: 'ch_3'})-[:HAS_FACT]->(p:Placement) WHERE p.endDate IS NULL "
        "RETURN p.id AS id")
    assert rows == ([{"id": placed[-1]}] if placed else [])
    story = await child(graph, settings, "ch_3")
    transitions = sorted(story["transitions"], key=lambda t: placed.index(t["toPlacement"]["id"]))
    assert len(transitions) == max(len(placed) - 1, 0)
    for before, after, transition in zip(placed, placed[1:], transitions, strict=False):
        assert transition["fromPlacement"] == {"id": before}
        assert transition["toPlacement"] == {"id": after}
        assert transition["status"] == "COMPLETED"


async def test_concurrent_retries_with_one_key_write_once(
    seeded: Graph, settings: Settings
) -> None:
    before = await count(seeded)
    outcomes = await asyncio.gather(
        *(run(seeded, settings, PLACE, place() | {"key": "same"}) for _ in range(4))
    )
    assert [o.codes for o in outcomes] == [[]] * 4
    assert len({o.data["placeChild"]["id"] for o in outcomes}) == 1
    # one placement, one transition, one idempotency key
    assert await count(seeded) == before + 3


def test_every_mutation_argument_and_input_field_is_described(settings: Settings) -> None:
    from graphql import GraphQLInputObjectType, get_named_type

    from schema.api import build_schema

    schema = build_schema(settings)._schema
    mutation = schema.mutation_type
    assert mutation is not None and mutation.description
    for name, field in mutation.fields.items():
        assert field.description, name
        for arg_name, arg in field.args.items():
            assert arg.description, f"{name}({arg_name})"
            named = get_named_type(arg.type)
            if isinstance(named, GraphQLInputObjectType):
                assert named.description, named.name
                for input_name, input_field in named.fields.items():
                    assert input_field.description, f"{named.name}.{input_name}"

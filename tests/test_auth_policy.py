"""Who sees what, on the real database: every default role × row scope × sensitive field."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from auth.policy import DEFAULT_POLICY
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from hub.subject import Subject
from tests.graphql_helpers import execute, plan_operators, seed

ID_1 = "140421201603021234"  # a made-up number; only its protected forms are stored

EXTRA = """
MATCH (k:Region {code: '140404'}), (k2:Region {code: '140406'})
MATCH (x:Child {id: 'ch_1'}), (y:Child {id: 'ch_2'}), (z:Child {id: 'ch_3'})
MATCH (s2:School {id: 'sch_2'})
SET x.idCipher = $cipher, x.idHash = $hash
CREATE (s3:Organisation:School {id: 'sch_3', name: '上党区第二中学', schoolType: 'JUNIOR',
        regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (reh:Organisation:RehabInstitution {id: 'reh_1', name: '长治市康复中心', code: 'R1',
        regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (wel:Organisation:WelfareInstitution {id: 'wel_1', name: '长治市儿童福利院',
        regionCode: '140406'})-[:IN_REGION]->(k2)
CREATE (y)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_1', date: date(), status: 'HANDED_OVER',
        fromStage: 'JUNIOR', toStage: 'JUNIOR', recordedBy: 'EDU', source: 'api',
        sourceKey: 'trn_1', sourceRef: 'api/trn_1'})-[:RECEIVING]->(s3)
CREATE (z)-[:HAS_FACT]->(:Fact:ServiceSession {id: 'svc_3', date: date() - duration('P30D'),
        kind: 'REHABILITATION', hours: 1.0, recordedBy: 'DPF', source: 'api', sourceKey: 'svc_3',
        sourceRef: 'api/svc_3'})-[:BY]->(reh)
CREATE (y)-[:HAS_FACT]->(:Fact:WelfareStatus {id: 'wel_f2', date: date('2020-01-01'),
        category: 'ORPHAN', monthlyAid: 1200.0, recordedBy: 'CIVIL', source: 'api',
        sourceKey: 'wel_f2', sourceRef: 'api/wel_f2'})-[:AT]->(wel)
WITH x, y, z
UNWIND [x, y, z] AS c
CREATE (c)-[:HAS_FACT]->(:Fact:Screening {id: 'scr_' + c.id, date: date('2019-06-01'),
        result: 'POSITIVE', diagnosis: 'F84.0', recordedBy: 'HEALTH', source: 'api',
        sourceKey: 'scr_' + c.id, sourceRef: 'api/scr_' + c.id})
CREATE (c)-[:HAS_FACT]->(:Fact:DisabilityCertificate {id: 'crt_' + c.id,
        date: date('2020-01-01'), category: 5, grade: 2, guardianName: '王芳',
        guardianPhone: '13800000000', recordedBy: 'DPF', source: 'api', sourceKey: 'crt_' + c.id,
        sourceRef: 'api/crt_' + c.id})
"""

# role → (subject department, region, organisations, children it must see)
SUBJECTS: dict[str, tuple[str, str, tuple[str, ...], set[str]]] = {
    "edu-officer": ("EDU", "140404", (), {"ch_1", "ch_3"}),
    "health-officer": ("HEALTH", "140404", (), {"ch_1", "ch_3"}),
    "civil-officer": ("CIVIL", "140406", (), {"ch_2"}),
    "dpf-officer": ("DPF", "140400", (), {"ch_1", "ch_2", "ch_3"}),
    "supervisor": ("EDU", "140400", (), {"ch_1", "ch_2", "ch_3"}),
    "school-staff": ("EDU", "140404", ("sch_1", "sch_3"), {"ch_1", "ch_2"}),
    "resource-centre-staff": ("EDU", "140404", ("rc_1",), {"ch_1"}),
    "rehab-staff": ("DPF", "140404", ("reh_1",), {"ch_3"}),
    "welfare-staff": ("CIVIL", "140406", ("wel_1",), {"ch_2"}),
    "figures": ("FIN", "140400", (), set()),
    "auditor": ("EDU", "140400", (), set()),
}
CHILDREN = ("ch_1", "ch_2", "ch_3")
RAW = yaml.safe_load(DEFAULT_POLICY.read_text())

SENSITIVE_QUERY = """query ($id: ID!) { child(id: $id) { id idNumber
  screenings { id diagnosis } certificates { id guardianName guardianPhone }
  welfareStatuses { id monthlyAid } } }"""
# the facts EXTRA gives every sensitive value (the base seed leaves some empty)
FILLED = {"wel_f2", *(f"{p}_{c}" for p in ("scr", "crt") for c in ("ch_1", "ch_2", "ch_3"))}
SENSITIVE_PATHS = {
    "Screening.diagnosis": ("screenings", "diagnosis"),
    "DisabilityCertificate.guardianName": ("certificates", "guardianName"),
    "DisabilityCertificate.guardianPhone": ("certificates", "guardianPhone"),
    "WelfareStatus.monthlyAid": ("welfareStatuses", "monthlyAid"),
}


def subject_for(role: str, purpose: str | None = None) -> Subject:
    department, region, orgs, _ = SUBJECTS[role]
    return Subject(kind="client", id=f"test-{role}", department=department, region=region,
                   roles=frozenset({role}), organisations=orgs, purpose=purpose)


@pytest.fixture
async def world(graph: Graph, settings: Settings) -> Graph:
    await seed(graph)
    protected = IdProtector(settings).protect(ID_1)
    await graph.write(EXTRA, {"cipher": protected.cipher, "hash": protected.hash})
    return graph


def test_every_default_role_is_in_the_matrix() -> None:
    assert set(SUBJECTS) == set(RAW["roles"])


@pytest.mark.parametrize("role", sorted(SUBJECTS))
async def test_row_scope(world: Graph, settings: Settings, role: str) -> None:
    expected = SUBJECTS[role][3]
    subject = subject_for(role)
    everyone = "{ children(first: 50) { totalCount edges { node { id } } } }"
    page = await execute(world, settings, everyone, subject=subject)
    assert page.errors == []
    assert {e["node"]["id"] for e in page.data["children"]["edges"]} == expected
    assert page.data["children"]["totalCount"] == len(expected)
    for child in CHILDREN:
        one = await execute(world, settings, f'{{ child(id: "{child}") {{ id }} }}',
                            subject=subject)
        node = await execute(world, settings, f'{{ node(id: "{child}") {{ id }} }}',
                             subject=subject)
        timeline = await execute(world, settings,
                                 f'{{ childTimeline(childId: "{child}") {{ id }} }}',
                                 subject=subject)
        if child in expected:
            assert one.data == {"child": {"id": child}}
            assert node.data == {"node": {"id": child}}
            assert timeline.errors == []
        else:  # exactly like a child that does not exist
            missing = await execute(world, settings, '{ child(id: "nobody") { id } }',
                                    subject=subject)
            assert one.errors[0]["message"] == missing.errors[0]["message"]
            assert one.codes == node.codes == timeline.codes == ["NOT_FOUND"]


def _revealed(role: str, ref: str, purpose: str | None) -> bool:
    rule = RAW["roles"][role]
    return (ref in rule.get("reveal", []) and purpose in RAW["sensitive"][ref]
            and purpose in rule.get("purposes", []) and ref not in rule.get("masked", []))


@pytest.mark.parametrize("role", sorted(r for r in SUBJECTS if SUBJECTS[r][3]))
@pytest.mark.parametrize("purpose", [None, *sorted(RAW["purposes"])])
async def test_sensitive_fields(
    world: Graph, settings: Settings, role: str, purpose: str | None
) -> None:
    subject = subject_for(role, purpose)
    visible_kinds = set(RAW["roles"][role]["facts"])
    for child in sorted(SUBJECTS[role][3]):
        out = await execute(world, settings, SENSITIVE_QUERY, {"id": child}, subject=subject)
        assert out.errors == []
        data = out.data["child"]
        redacted = set(out.extensions.get("redacted", []))
        for ref, (list_name, field) in SENSITIVE_PATHS.items():
            kind = ref.split(".")[0]
            items = data[list_name]
            if kind not in visible_kinds:
                assert items == [], (role, ref)
                continue
            for index, item in enumerate(items):
                path = f"child.{list_name}.{index}.{field}"
                if _revealed(role, ref, purpose):
                    assert path not in redacted, (role, ref)
                    assert item[field] is not None or item["id"] not in FILLED, (role, ref)
                else:
                    assert item[field] is None and path in redacted, (role, ref, purpose)
        if child == "ch_1":
            if _revealed(role, "Child.idNumber", purpose):
                assert data["idNumber"] == ID_1
            else:
                assert data["idNumber"] == "140421********1234"
                assert "child.idNumber" in redacted


async def test_purpose_that_would_reveal_is_named(world: Graph, settings: Settings) -> None:
    out = await execute(world, settings, SENSITIVE_QUERY, {"id": "ch_1"},
                        subject=subject_for("edu-officer"))
    would = out.extensions["purposeWouldReveal"]
    assert set(would["Screening.diagnosis"]) == set(RAW["sensitive"]["Screening.diagnosis"])


async def test_moving_school_moves_access(world: Graph, settings: Settings) -> None:
    old_staff = dataclasses.replace(subject_for("school-staff"), organisations=("sch_1",))
    new_staff = dataclasses.replace(subject_for("school-staff"), organisations=("sch_2",))
    query = '{ child(id: "ch_1") { id } }'
    assert (await execute(world, settings, query, subject=old_staff)).data == {
        "child": {"id": "ch_1"}}
    assert (await execute(world, settings, query, subject=new_staff)).codes == ["NOT_FOUND"]
    move = """mutation { placeChild(input: {childId: "ch_1", organisationId: "sch_2",
      placementType: SPECIAL_SCHOOL, stage: PRIMARY, startDate: "2025-03-01"}) { id } }"""
    moved = await execute(world, settings, move, subject=subject_for("edu-officer"))
    assert moved.errors == []
    assert (await execute(world, settings, query, subject=old_staff)).codes == ["NOT_FOUND"]
    assert (await execute(world, settings, query, subject=new_staff)).data == {
        "child": {"id": "ch_1"}}


async def test_writes_follow_kind_scope_and_owner(world: Graph, settings: Settings) -> None:
    session = """mutation ($child: ID!) { recordServiceSession(input: {childId: $child,
      kind: ITINERANT_GUIDANCE, date: "2024-10-10", hours: 2, organisationId: "rc_1"}) { id } }"""
    staff = subject_for("resource-centre-staff")
    assert (await execute(world, settings, session, {"child": "ch_1"}, subject=staff)).errors == []
    outside = await execute(world, settings, session, {"child": "ch_2"}, subject=staff)
    assert outside.codes == ["NOT_FOUND"]
    plan = """mutation { recordAssessment(input: {childId: "ch_1", date: "2024-10-10",
      kind: PERIODIC, recommendation: REGULAR_CLASS}) { id } }"""
    assert (await execute(world, settings, plan, subject=staff)).codes == ["FORBIDDEN"]
    handover = 'mutation { completeTransition(id: "trn_1", date: "2024-10-10") { id } }'
    civil = subject_for("civil-officer")
    assert (await execute(world, settings, handover, subject=civil)).codes == ["FORBIDDEN"]


async def test_filters_on_hidden_fields_are_refused(world: Graph, settings: Settings) -> None:
    query = '{ children(filter: {placementType: REGULAR_CLASS}) { totalCount } }'
    out = await execute(world, settings, query, subject=subject_for("rehab-staff"))
    assert out.codes == ["FORBIDDEN"]


async def test_scoped_lookup_still_uses_the_index(world: Graph, settings: Settings) -> None:
    out = await execute(world, settings, '{ child(id: "ch_1") { name } }',
                        subject=subject_for("school-staff"))
    cypher, params = out.queries[0]
    operators = await plan_operators(world, cypher, params)
    assert any("NodeUniqueIndexSeek" in op for op in operators), operators


ROLE = st.sampled_from(sorted(SUBJECTS))
SHAPES = st.sampled_from([
    "{ children(first: 50%s) { totalCount edges { node { id } } } }",
    "{ region(code: \"140400\") { children(first: 50%s) { totalCount edges { node { id } } } } }",
    "{ school(id: \"sch_1\") { children(first: 50%s) { totalCount edges { node { id } } } } }",
])
FILTERS = st.sampled_from(["", ", filter: {regionCode: \"140404\"}", ", filter: {name: \"张\"}",
                           ", filter: {minAge: 10}", ", filter: {specialNeed: AUTISM}"])


@hyp_settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=ROLE, shape=SHAPES, filter=FILTERS, purpose=st.sampled_from([None, "AUDIT"]))
async def test_no_query_shape_leaks_a_child(
    world: Graph, settings: Settings, role: str, shape: str, filter: str, purpose: str | None
) -> None:
    allowed = SUBJECTS[role][3]
    if not shape.startswith("{ children"):
        filter = ""  # nested connections take no filter
    out = await execute(world, settings, shape % filter, subject=subject_for(role, purpose))
    assert out.errors == [] or out.codes == ["FORBIDDEN"]
    text = repr(out.data)
    for child in set(CHILDREN) - allowed:
        assert child not in text
    counts = [v for v in _walk(out.data) if isinstance(v, dict) and "totalCount" in v]
    for connection in counts:
        assert connection["totalCount"] == len(connection["edges"]) <= len(allowed)


def _walk(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _walk(item)
    elif isinstance(value, list):
        for item in value:
            found += _walk(item)
    return found



"""The attack on the running hub (issue 12), finding by finding: each test failed before its fix.

The seeded city (``tests/graphql_helpers.py``) has two counties: 140404 with ch_1 (placed at
sch_1, facts plc_1, plc_2, crt_1, svc_1, svc_2, pln_1, pln_2) and ch_3, and 140406 with ch_2
(plc_3). Scope findings run in process; what the door and the audit do runs over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.clients import Registered
from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject
from schema.endpoint import HubGraphQL
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import execute, seed
from tests.test_audit import events, serve


def subject(department: str, region: str, *roles: str, purpose: str | None = None,
            organisations: tuple[str, ...] = ()) -> Subject:
    return Subject(kind="client", id=f"{department}-{region}", department=department,
                   region=region, roles=frozenset(roles), organisations=organisations,
                   purpose=purpose)


COUNTY = subject("EDU", "140404", "edu-officer")
OTHER_COUNTY = subject("EDU", "140406", "edu-officer")
FINANCE = subject("FIN", "140400", "figures")
HEALTH = subject("HEALTH", "140404", "health-officer")

EXTRA = """
MATCH (x:Child {id: 'ch_1'}), (k:Region {code: '140404'}), (s:School {id: 'sch_1'})
CREATE (x)-[:HAS_FACT]->(:Fact:WelfareStatus {id: 'wel_1', date: date('2023-01-01'),
        category: 'ORPHAN', monthlyAid: 800.0, recordedBy: 'CIVIL', source: 'api',
        sourceKey: 'wel_1', sourceRef: 'api/wel_1'})
CREATE (x)-[:HAS_FACT]->(:Fact:Screening {id: 'scr_1', date: date('2019-01-01'),
        result: 'POSITIVE', diagnosis: 'F84.0', recordedBy: 'HEALTH', source: 'api',
        sourceKey: 'scr_1', sourceRef: 'api/scr_1'})
CREATE (x)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_1', date: date('2024-06-01'),
        status: 'STALLED', fromStage: 'PRESCHOOL', toStage: 'PRIMARY', recordedBy: 'EDU',
        source: 'api', sourceKey: 'trn_1', sourceRef: 'api/trn_1'})-[:RECEIVING]->(s)
CREATE (x)-[:HAS_FACT]->(:Fact:DropoutCase {id: 'drp_1', date: date('2024-10-01'),
        status: 'OPEN', reason: '长期病假', recordedBy: 'EDU', source: 'api',
        sourceKey: 'drp_1', sourceRef: 'api/drp_1'})
"""


@pytest.fixture
async def city(graph: Graph) -> Graph:
    await seed(graph)
    await graph.write(EXTRA)
    return graph


def ids(value: Any, key: str = "id") -> set[str]:
    """Every ``key`` value at any depth of a response."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                found.add(v)
            found |= ids(v, key)
    elif isinstance(value, list):
        for item in value:
            found |= ids(item, key)
    return found


# --- 1. a region filter switched scope off for everything nested --------------------------

NESTED = """{ children(filter: {regionCode: "140404"}, first: 1) { edges { node {
  region { parent { children(first: 100) { totalCount edges { node { id regionCode } } } } }
} } } }"""


async def test_region_filter_keeps_scope_on_nested_connections(
    city: Graph, settings: Settings
) -> None:
    out = await execute(city, settings, NESTED, subject=COUNTY)
    assert out.errors == []
    [edge] = out.data["children"]["edges"]
    inner = edge["node"]["region"]["parent"]["children"]
    assert inner["totalCount"] == 2  # the county's two children, not the city's three
    assert {e["node"]["id"] for e in inner["edges"]} == {"ch_1", "ch_3"}


# --- 2. node(id) returned any fact whatever the scope and visible kinds -------------------

FACT = """query ($id: ID!) { node(id: $id) { id ... on Plan { healthCarePlan goals }
  ... on Screening { diagnosis } ... on WelfareStatus { category }
  ... on Fact { child { id } } } }"""


@pytest.mark.parametrize(("who", "fact"), [
    (FINANCE, "pln_1"),       # figures only: no fact at all
    (OTHER_COUNTY, "plc_2"),  # a placement of a child in another county
    (OTHER_COUNTY, "scr_1"),  # a diagnosis of a child in another county
    (HEALTH, "wel_1"),        # a kind its role may not see
])
async def test_node_judges_a_fact_by_its_kind_and_its_child(
    city: Graph, settings: Settings, who: Subject, fact: str
) -> None:
    out = await execute(city, settings, FACT, {"id": fact}, subject=who)
    assert out.codes == ["NOT_FOUND"] and out.data == {"node": None}


async def test_node_still_answers_facts_in_scope(city: Graph, settings: Settings) -> None:
    out = await execute(city, settings, FACT, {"id": "pln_1"}, subject=COUNTY)
    assert out.errors == [] and out.data["node"]["goals"] == "认识数字"
    assert out.data["node"]["child"] == {"id": "ch_1"}


async def test_a_fact_reached_from_another_fact_is_scoped_by_its_own_child(
    city: Graph, settings: Settings
) -> None:
    # A transition of ch_2 (140406) pointing at ch_1's placement must not hand it over.
    await city.write(
        "MATCH (y:Child {id: 'ch_2'}), (p:Placement {id: 'plc_2'}) "
        "CREATE (y)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_x', date: date('2024-05-01'), "
        "status: 'PLANNED', recordedBy: 'EDU', source: 'api', sourceKey: 'trn_x', "
        "sourceRef: 'api/trn_x'})-[:FROM_PLACEMENT]->(p)")
    query = '{ node(id: "trn_x") { ... on Transition { fromPlacement { id studentNumber } } } }'
    out = await execute(city, settings, query, subject=OTHER_COUNTY)
    assert out.errors == [] and out.data["node"]["fromPlacement"] is None


# --- 3. the audit did not name the child unless a Child field was selected ----------------

WRITE = """mutation { recordServiceSession(input: {childId: "ch_1", kind: ITINERANT_GUIDANCE,
  date: "2024-11-20", hours: 1.5, organisationId: "rc_1", notes: "随班就读指导"}) { id notes } }"""


@pytest.fixture
async def officer(city: Graph) -> Registered:
    return await register(city, "EDU", "140404", ["edu-officer"])


def _settings(settings: Settings, tmp_path: Path, **more: Any) -> Settings:
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True, "audit_enabled": True,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "audit_journal_dir": tmp_path / "audit" / "journal", **more,
    })


@pytest.mark.parametrize(("query", "named"), [
    ('{ childTimeline(childId: "ch_1") { id } }', {"ch_1"}),
    ('{ node(id: "pln_1") { id } }', {"ch_1"}),
    ('{ child(id: "ch_1") { __typename } }', {"ch_1"}),
    ("{ children(first: 5) { edges { cursor } } }", {"ch_1", "ch_3"}),
    ("{ children(first: 1) { pageInfo { endCursor } } }", {"ch_1"}),
    ('{ stalledTransitions(region: "140404") { id } }', {"ch_1"}),
    ('{ openDropoutCases(region: "140404") { id } }', {"ch_1"}),
    ('{ school(id: "sch_1") { children { edges { cursor } } } }', {"ch_1"}),
    ("query { ...Q } fragment Q on Query { childTimeline(childId: \"ch_1\") { __typename } }",
     {"ch_1"}),
    (WRITE, {"ch_1"}),
])
async def test_every_event_names_each_child_disclosed(
    city: Graph, settings: Settings, tmp_path: Path, officer: Registered, query: str,
    named: set[str]
) -> None:
    async with serve(_settings(settings, tmp_path)) as (client, app):
        token = await token_for(client, officer)
        response = await gql(client, token, query)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        [event] = await events(city, app, kind="graphql")
    assert set(event["children"]) == named
    assert event["rootFields"] != []


async def test_indicator_child_lists_are_on_the_record(
    city: Graph, settings: Settings, tmp_path: Path, officer: Registered
) -> None:
    query = ('{ indicators(region: "140404", year: 2024, asOf: "2025-06-30") { indicators '
             "{ childIds items { kind id } } } }")
    figures_only = '{ indicators(region: "140404", year: 2024) { indicators { value } } }'
    async with serve(_settings(settings, tmp_path)) as (client, app):
        token = await token_for(client, officer)
        listed = (await gql(client, token, query)).json()["data"]["indicators"]["indicators"]
        await gql(client, token, figures_only)
        first, second = await events(city, app, kind="graphql")
    shown = {c for i in listed for c in i["childIds"]}
    shown |= {item["id"] for i in listed for item in i["items"] if item["kind"] == "Child"}
    assert shown and set(first["children"]) == shown
    assert second["children"] == []  # figures alone disclose no child


# --- 4. purpose of use was not bound to role -------------------------------------------------

@pytest.mark.parametrize(("roles", "department", "purpose"), [
    (["health-officer"], "HEALTH", "DROPOUT_CONTROL"),
    (["health-officer"], "HEALTH", "GUARDIAN_REQUEST"),
    (["edu-officer"], "EDU", "AUDIT"),
    (["figures"], "FIN", "AUDIT"),
])
async def test_a_purpose_outside_the_roles_duty_is_refused_and_audited(
    city: Graph, settings: Settings, tmp_path: Path, roles: list[str], department: str,
    purpose: str
) -> None:
    registered = await register(city, department, "140404", roles)
    async with serve(_settings(settings, tmp_path)) as (client, app):
        token = await token_for(client, registered)
        response = await gql(client, token, '{ child(id: "ch_1") { idNumber } }',
                             purpose=purpose)
        [event] = await events(city, app, kind="graphql")
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "PURPOSE_NOT_ALLOWED"
    assert "data" not in response.json()
    assert event["outcome"] == "forbidden" and event["errorCodes"] == ["PURPOSE_NOT_ALLOWED"]
    assert event["purpose"] == purpose and event["children"] == []


async def test_a_purpose_within_the_duty_still_reveals(
    city: Graph, settings: Settings, tmp_path: Path
) -> None:
    health = await register(city, "HEALTH", "140404", ["health-officer"])
    async with serve(_settings(settings, tmp_path)) as (client, _):
        token = await token_for(client, health)
        response = await gql(client, token, '{ node(id: "scr_1") { ... on Screening '
                             "{ diagnosis } } }", purpose="PLACEMENT_ASSESSMENT")
    assert response.json()["data"]["node"]["diagnosis"] == "F84.0"


# --- 9. roles with no right to resolve duplicates reached mergeDuplicate's logic --------------

@pytest.mark.parametrize("who", [
    subject("EDU", "140404", "supervisor"), HEALTH, subject("CIVIL", "140404", "civil-officer"),
])
@pytest.mark.parametrize("operation", [
    'mutation { mergeDuplicate(id: "dup_none") }',
    'mutation { unmergeDuplicate(id: "dup_none") }',
    'mutation { rejectDuplicate(id: "dup_none") }',
    "{ possibleDuplicates { items { id } } }",
])
async def test_duplicates_are_forbidden_before_any_lookup(
    city: Graph, settings: Settings, who: Subject, operation: str
) -> None:
    out = await execute(city, settings, operation, subject=who)
    assert out.codes == ["FORBIDDEN"]


# --- 10. the smaller findings -------------------------------------------------------------------

async def test_a_schools_pupils_are_refused_to_roles_that_do_not_see_placements(
    city: Graph, settings: Settings
) -> None:
    rehab = subject("DPF", "140404", "rehab-staff", organisations=("sch_1",))
    await city.write(  # rehab staff serve ch_1, so the child itself is in their scope
        "MATCH (x:Child {id: 'ch_1'}), (s:School {id: 'sch_1'}) CREATE (x)-[:HAS_FACT]->"
        "(:Fact:ServiceSession {id: 'svc_9', date: date(), kind: 'REHABILITATION', hours: 1.0, "
        "recordedBy: 'DPF', source: 'api', sourceKey: 'svc_9', sourceRef: 'api/svc_9'})"
        "-[:BY]->(s)")
    query = '{ school(id: "sch_1") { children { totalCount edges { node { id } } } } }'
    out = await execute(city, settings, query, subject=rehab)
    assert out.codes == ["FORBIDDEN"]
    assert (await execute(city, settings, query, subject=COUNTY)).errors == []


async def test_purpose_would_reveal_names_aliased_fields(
    city: Graph, settings: Settings
) -> None:
    query = '{ child(id: "ch_1") { number: idNumber screenings { dx: diagnosis } } }'
    out = await execute(city, settings, query, subject=COUNTY)
    assert out.errors == []
    assert set(out.extensions["purposeWouldReveal"]) == {"Child.idNumber", "Screening.diagnosis"}


async def test_a_request_without_a_subject_is_refused(
    city: Graph, settings: Settings, tmp_path: Path
) -> None:
    from auth.policy import default_policy

    conf = _settings(settings, tmp_path)
    app = HubGraphQL(city, conf, default_policy())  # mounted without its door, by mistake
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        response = await client.post("/", json={"query": '{ child(id: "ch_1") { name } }'})
    assert response.status_code == 401 and "张小明" not in response.text


@pytest.mark.parametrize(("env", "setting", "allowed"), [
    ("prod", None, False), ("test", None, False), ("dev", None, True), ("prod", True, True),
])
async def test_introspection_only_in_dev_or_when_set(
    city: Graph, settings: Settings, env: str, setting: bool | None, allowed: bool
) -> None:
    conf = settings.model_construct(**{**dict(settings), "env": env,
                                       "graphql_introspection": setting})
    out = await execute(city, conf, "{ __schema { queryType { name } } }")
    assert (out.errors == []) is allowed


async def test_an_auditor_asking_about_one_child_is_on_its_record(
    city: Graph, settings: Settings, tmp_path: Path
) -> None:
    auditor = await register(city, "EDU", "140400", ["auditor"])
    async with serve(_settings(settings, tmp_path)) as (client, app):
        token = await token_for(client, auditor)
        report = await gql(client, token, '{ childAccessReport(childId: "ch_1") { summary } }',
                           purpose="AUDIT")
        listed = await gql(client, token, "{ accessEvents { edges { node { id } } } }",
                           purpose="AUDIT")
        assert report.status_code == listed.status_code == 200
        found = await events(city, app, kind="graphql")
    assert [e["children"] for e in found] == [["ch_1"], []]


async def test_a_credential_whose_standing_cannot_be_read_is_refused_as_unavailable(
    city: Graph, settings: Settings, tmp_path: Path, officer: Registered
) -> None:
    from neo4j.exceptions import ServiceUnavailable

    conf = _settings(settings, tmp_path, token_status_cache_seconds=0)
    async with serve(conf) as (client, app):
        token = await token_for(client, officer)
        real = app.state.graph.run

        async def status_unreadable(cypher: str, *args: Any, **kwargs: Any) -> Any:
            if "credentialGen" in cypher:
                raise ServiceUnavailable("database gone")
            return await real(cypher, *args, **kwargs)

        app.state.graph.run = status_unreadable
        response = await gql(client, token, '{ child(id: "ch_1") { name } }')
        app.state.graph.run = real
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert "张小明" not in response.text

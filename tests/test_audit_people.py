"""The auditor's pages in plain words (issue 15): one identity per person across sign-in and API
events, operations as what they did, a child found by name with what tells namesakes apart,
and an unknown child said to be unknown."""

from __future__ import annotations

import json
import re
from pathlib import Path

from audit import events as audit_events
from audit import wording
from auth import people
from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import seed
from tests.test_audit import audit_settings, events, serve  # noqa: F401 (a fixture)
from tests.test_people import flow, pkce

STATIC = Path(__file__).parent.parent / "console" / "static"
WHO = """query($keys: [String!]!) { auditSubjects(keys: $keys) {
  key kind id username name department organisations } }"""


async def _auditor(client: object, graph: Graph) -> str:
    from tests.test_console import person_token
    return await person_token(client, graph, "audit.zhao", ["auditor"],  # type: ignore[arg-type]
                              region="140400")


def test_the_console_words_are_the_audit_words() -> None:
    text = (STATIC / "wording.js").read_text(encoding="utf-8")
    assert json.loads(text[text.index("{"):text.rindex("}") + 1]) == wording.everything()
    # Every write the schema has is worded as a write.
    for name in ("recordServiceSession", "placeChild", "updatePlan", "mergeDuplicate"):
        assert wording.OPERATIONS[name][2] == "write"
    # Every kind of event the log holds is said in words (a GraphQL one by its field).
    assert set(audit_events.KINDS) - {"graphql"} == set(wording.KINDS)


async def test_a_person_is_one_identity_across_sign_in_and_api_events(
        graph: Graph, audit_settings: Settings) -> None:  # noqa: F811
    await seed(graph)
    await people.add_person(graph, default_policy(), username="wang.li",
                            password="correct-horse-battery", department="EDU", region="140404",
                            roles=["resource-centre-staff"], works_at=["rc_1"],
                            display_name="王丽")
    async with serve(audit_settings) as (client, app):
        _, challenge = pkce()
        refused = await client.post("/oauth/authorize", data={
            **flow(challenge), "username": "wang.li", "password": "wrong-password-0"})
        assert refused.status_code in (200, 401)
        from tests.test_console import person_token
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        await gql(client, staff, '{ children(filter: {text: "xiaoming"}) { totalCount } }',
                  purpose="SERVICE_DELIVERY")
        edu = await register(graph, "EDU", "140404", ["edu-officer"])
        await token_for(client, edu)
        auditor = await _auditor(client, graph)
        logged = await events(graph, app)
        sign_in = next(e for e in logged if e["kind"] == "token" and e["outcome"] != "ok")
        api = next(e for e in logged if e["kind"] == "graphql"
                   and e.get("subjectKind") == "person")
        keys = [sign_in["subjectId"], api["subjectId"], edu.client_id, "cl_nobody"]
        body = (await gql(client, auditor, WHO, {"keys": keys}, purpose="AUDIT")).json()
        found = body["data"]["auditSubjects"]
        assert [w["key"] for w in found] == keys
        first, second, system, nobody = found
        # The refused sign-in (under the typed name) and the API call (under the id): one person.
        assert first["kind"] == second["kind"] == "person"
        assert first["id"] == second["id"] == api["subjectId"]
        assert first["name"] == "王丽" and first["username"] == "wang.li"
        assert first["organisations"] == ["上党区特殊教育资源中心"]
        assert system["kind"] == "client" and system["department"] == "EDU"
        assert nobody["kind"] == "unknown"
        # Filtering on the person finds both kinds of its events.
        query = """query($s: String) { accessEvents(filter: {subject: $s}, first: 50) {
          edges { node { kind subjectId } } } }"""
        mine = (await gql(client, auditor, query, {"s": "wang.li"}, purpose="AUDIT")).json()
        kinds = {e["node"]["kind"] for e in mine["data"]["accessEvents"]["edges"]}
        assert {"token", "graphql"} <= kinds
        # Only auditors may ask who is who.
        denied = (await gql(client, staff, WHO, {"keys": keys},
                            purpose="SERVICE_DELIVERY")).json()
        assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_auditor_finds_a_child_by_name_and_an_unknown_child_is_said_to_be_unknown(
        graph: Graph, audit_settings: Settings) -> None:  # noqa: F811
    await seed(graph)
    async with serve(audit_settings) as (client, app):
        auditor = await _auditor(client, graph)
        query = """query($n: String!) { auditChildren(name: $n) {
          id name birthDate organisation region } }"""
        body = (await gql(client, auditor, query, {"n": "zhangxiao"}, purpose="AUDIT")).json()
        found = {c["id"]: c for c in body["data"]["auditChildren"]}
        assert set(found) == {"ch_1", "ch_3"}
        assert found["ch_1"]["birthDate"] == "2016-03-02"
        assert found["ch_1"]["organisation"] == "上党区实验小学"
        assert found["ch_3"]["organisation"] is None
        none = (await gql(client, auditor, query, {"n": "不存在"}, purpose="AUDIT")).json()
        assert none["data"]["auditChildren"] == []
        report = """query($c: ID!) { childAccessReport(childId: $c) { summary } }"""
        unknown = (await gql(client, auditor, report, {"c": "ch_nobody"}, purpose="AUDIT")).json()
        assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert re.search("没有这个儿童", unknown["errors"][0]["message"])
        known = (await gql(client, auditor, report, {"c": "ch_2"}, purpose="AUDIT")).json()
        assert "errors" not in known
        # The auditor looking children up is on their records.
        looked = [e for e in await events(graph, app, kind="graphql")
                  if "auditChildren" in (e.get("rootFields") or [])]
        assert sorted(looked[0]["children"]) == ["ch_1", "ch_3"]
        staff_token = await token_for(client, await register(graph, "EDU", "140404",
                                                             ["edu-officer"]))
        refused = (await gql(client, staff_token, query, {"n": "张"})).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

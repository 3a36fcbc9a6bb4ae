"""Search that finds (issue 15): any part of a name, its pinyin and initials, the last four
characters of the ID number; never a child outside the subject's scope, never an ID fragment to a
subject not shown ID numbers, and the audit names exactly the children returned."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.linkage import ChildState
from hub import names
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import seed
from tests.test_audit import audit_settings, events, serve  # noqa: F401 (a fixture)
from tests.test_console import person_token

SEARCH = """query($f: ChildFilterInput) { children(filter: $f, first: 20) {
  totalCount edges { node { id name idNumber } } } }"""
OPTIONS = "{ searchOptions { byName byIdNumberEnd byIdNumber idNumberPurposes } }"


async def found(client: httpx.AsyncClient, token: str, purpose: str | None = None,
                **filter: Any) -> tuple[list[str], int]:
    body = (await gql(client, token, SEARCH, {"f": filter}, purpose=purpose)).json()
    assert "errors" not in body, body
    page = body["data"]["children"]
    return sorted(e["node"]["id"] for e in page["edges"]), page["totalCount"]


def test_search_text_holds_the_simplified_name_its_pinyin_and_initials() -> None:
    assert names.search_text("陈妍") == "陈妍|chenyan|cy"
    assert names.search_text("陳妍") == "陈妍|chenyan|cy"  # traditional, as a source may write it
    assert names.search_text("阿依古丽·买买提") == "阿依古丽买买提|ayigulimaimaiti|ayglmmt"
    assert names.search_term(" Chen Yan ") == "chenyan"
    assert names.search_term("陳") == "陈"


def test_the_one_writer_of_a_name_writes_its_search_text_with_it() -> None:
    child = ChildState(id="ch_x", name="陳妍", new=True)
    assert child.changes()["nameSearch"] == "陈妍|chenyan|cy"
    known = ChildState(id="ch_y", name="王芳")
    known.set("name", "王芳芳")
    assert known.changes() == {"name": "王芳芳", "nameKey": "王芳芳",
                               "nameSearch": "王芳芳|wangfangfang|wff"}


async def test_backfill_gives_existing_children_their_search_text(graph: Graph) -> None:
    await graph.write("CREATE (:Child {id: 'ch_old', name: '李小龙'}), (:Child {id: 'ch_none'})")
    await names.backfill(graph)
    rows = await graph.run("MATCH (c:Child) RETURN c.id AS id, c.nameSearch AS s ORDER BY id")
    assert rows == [{"id": "ch_none", "s": None}, {"id": "ch_old", "s": "李小龙|lixiaolong|lxl"}]
    indexes = await graph.run("SHOW INDEXES YIELD name, type WHERE name STARTS WITH 'child_' "
                              "RETURN collect([name, type]) AS found")
    assert ["child_name_search", "TEXT"] in indexes[0]["found"]
    assert ["child_id_masked", "TEXT"] in indexes[0]["found"]


async def test_any_part_of_the_name_pinyin_and_initials_find_a_child_in_scope(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)  # ch_1 张小明 and ch_3 张小红 in 140404; ch_2 阿依古丽·买买提 in 140406
    async with serve(settings) as (client, _):
        officer = await token_for(client, await register(graph, "EDU", "140404",
                                                         ["edu-officer"]))
        assert await found(client, officer, text="小明") == (["ch_1"], 1)
        assert await found(client, officer, text="明") == (["ch_1"], 1)  # the given name alone
        assert await found(client, officer, text="小") == (["ch_1", "ch_3"], 2)
        assert await found(client, officer, text="xiaoHong") == (["ch_3"], 1)
        assert await found(client, officer, text="zhang xiao") == (["ch_1", "ch_3"], 2)
        assert await found(client, officer, text="zxm") == (["ch_1"], 1)
        assert await found(client, officer, text="張小明") == (["ch_1"], 1)  # traditional form
        # Outside the officer's region: the name, its pinyin, its initials all find nothing,
        # and the count says nothing either.
        for term in ("阿依", "ayigul", "aygl", "买买提"):
            assert await found(client, officer, text=term) == ([], 0)
        refused = (await gql(client, officer, SEARCH, {"f": {"text": " · "}})).json()
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_last_four_id_characters_for_those_shown_the_masked_number_only(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)  # ch_1's masked ID ends in 1234
    await graph.write("MATCH (c:Child {id: 'ch_2'}) SET c.idMasked = '140406********1234'")
    async with serve(settings) as (client, _):
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        body = (await gql(client, staff, SEARCH, {"f": {"idNumberEnd": "1234"}},
                          purpose="SERVICE_DELIVERY")).json()
        assert [e["node"]["id"] for e in body["data"]["children"]["edges"]] == ["ch_1"]
        assert body["data"]["children"]["totalCount"] == 1  # ch_2 ends alike, out of scope
        assert body["extensions"]["redacted"] == ["children.edges.0.node.idNumber"]
        assert await found(client, staff, "SERVICE_DELIVERY", idNumberEnd="9999") == ([], 0)
        bad = (await gql(client, staff, SEARCH, {"f": {"idNumberEnd": "12*4"}},
                         purpose="SERVICE_DELIVERY")).json()
        assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        auditor = await person_token(client, graph, "audit.zhao", ["auditor"], region="140400")
        refused = (await gql(client, auditor, SEARCH, {"f": {"idNumberEnd": "1234"}},
                             purpose="AUDIT")).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert refused["errors"][0]["extensions"]["field"] == "idNumberEnd"


async def test_search_options_offer_only_what_the_role_may_use(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    async with serve(settings) as (client, _):
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        auditor = await person_token(client, graph, "audit.zhao", ["auditor"], region="140400")
        officer = await token_for(client, await register(graph, "EDU", "140404",
                                                         ["edu-officer"]))

        async def options(token: str, purpose: str) -> dict[str, Any]:
            body = (await gql(client, token, OPTIONS, purpose=purpose)).json()
            return dict(body["data"]["searchOptions"])

        assert await options(staff, "SERVICE_DELIVERY") == {
            "byName": True, "byIdNumberEnd": True, "byIdNumber": False, "idNumberPurposes": []}
        serving = await options(officer, "SERVICE_DELIVERY")
        assert serving["byIdNumber"] is False
        assert "PLACEMENT_ASSESSMENT" in serving["idNumberPurposes"]
        assert (await options(officer, "PLACEMENT_ASSESSMENT"))["byIdNumber"] is True
        assert await options(auditor, "AUDIT") == {
            "byName": False, "byIdNumberEnd": False, "byIdNumber": False,
            "idNumberPurposes": []}


async def test_a_search_is_audited_naming_exactly_the_children_returned(
        graph: Graph, audit_settings: Settings) -> None:  # noqa: F811
    await seed(graph)
    async with serve(audit_settings) as (client, app):
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        # 张小明 (ch_1) is at a school the centre serves; 张小红 (ch_3) is not.
        assert await found(client, staff, "SERVICE_DELIVERY", text="zhangxiao") == (["ch_1"], 1)
        assert await found(client, staff, "SERVICE_DELIVERY", text="小红") == ([], 0)
        searches = [e for e in await events(graph, app, kind="graphql")
                    if e.get("subjectKind") == "person"]
        assert [e.get("children") or [] for e in searches] == [["ch_1"], []]
        assert all(e["purpose"] == "SERVICE_DELIVERY" for e in searches)


async def test_the_consoles_options_are_the_roles_own(graph: Graph, settings: Settings) -> None:
    """The console offers "record a visit" only to whom may record one, and in its purpose
    menu only what the person's roles may declare (auth/policy.yaml)."""
    await seed(graph)
    async with serve(settings) as (client, _):
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        auditor = await person_token(client, graph, "audit.zhao", ["auditor"], region="140400")

        async def options(token: str, purpose: str) -> tuple[list[str], list[str]]:
            body = (await gql(client, token, "{ recordOptions { kinds } "
                              "purposeOptions { purposes } }", purpose=purpose)).json()
            return (list(body["data"]["recordOptions"]["kinds"]),
                    list(body["data"]["purposeOptions"]["purposes"]))

        kinds, purposes = await options(staff, "SERVICE_DELIVERY")
        assert "ServiceSession" in kinds
        assert purposes == ["SERVICE_DELIVERY", "TRANSITION_HANDOVER"]
        assert await options(auditor, "AUDIT") == ([], ["AUDIT"])

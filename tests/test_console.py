"""The console's server side: pages and assets, its GraphQL fields, and the Excel export
(bearer token, the subject's scope, an audit event)."""

from __future__ import annotations

import enum
import inspect
import io
import json
import re
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from auth import people
from auth.policy import default_policy
from console.routes import PAGE_TABLE, STATIC
from hub import vocabulary
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from tests.auth_helpers import gql, http_client, register, token_for
from tests.graphql_helpers import seed
from tests.test_people import code_for, exchange, pkce

ID_NUMBER = "140421201603021234"
CONSOLE = Path(__file__).parent.parent / "console"


async def person_token(client: httpx.AsyncClient, graph: Graph, username: str, roles: list[str],
                       works_at: list[str] | None = None, region: str = "140404") -> str:
    await people.add_person(graph, default_policy(), username=username,
                            password="correct-horse-battery", department="EDU", region=region,
                            roles=roles, works_at=works_at or [])
    verifier, challenge = pkce()
    code = await code_for(client, challenge, username=username)
    response = await exchange(client, code, verifier)
    return str(response.json()["access_token"])


async def test_every_page_is_served_with_lang_landmarks_and_a_strict_policy(
        graph: Graph, settings: Settings) -> None:
    async with http_client(settings) as client:
        assert (await client.get("/console")).status_code == 308
        for path in PAGE_TABLE:
            page = await client.get(f"/console/{path}")
            assert page.status_code == 200, path
            text = page.text
            assert '<html lang="zh-CN">' in text and 'class="skip-link" href="#main"' in text
            assert '<main id="main"' in text and "<header" in text and "<h1" in text
            policy = page.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "connect-src 'self'" in policy
        script = await client.get("/console/static/app.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert (await client.get("/console/static/console.css")).status_code == 200


def test_no_asset_names_another_host() -> None:
    """No CDN, no font service, no analytics: every address the console uses is its own."""
    files = [*STATIC.glob("*.js"), *STATIC.glob("pages/*.js"), *STATIC.glob("*.css"),
             *(CONSOLE / "pages").glob("*.html")]
    assert len(files) > 10
    for path in files:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", path.read_text()), path


def test_vocabulary_labels_match_the_hub() -> None:
    text = (STATIC / "vocab.js").read_text(encoding="utf-8")
    labels = json.loads(text[text.index("{"):text.rindex("}") + 1])
    for name, cls in inspect.getmembers(vocabulary, inspect.isclass):
        if cls.__module__ == "hub.vocabulary" and issubclass(cls, enum.Enum) and list(cls):
            assert {k: v[0] for k, v in labels[name].items()} == {
                m.name: getattr(m, "label") for m in cls}, name  # noqa: B009


async def test_id_number_search_only_where_the_number_may_be_seen(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    await graph.write("MATCH (c:Child {id: 'ch_1'}) SET c.idHash = $h",
                      {"h": IdProtector(settings).hash(ID_NUMBER)})
    query = "query($n: String!) { childByIdNumber(idNumber: $n) { id name idNumber } }"
    async with http_client(settings) as client:
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        refused = (await gql(client, staff, query, {"n": ID_NUMBER},
                             purpose="SERVICE_DELIVERY")).json()
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        officer = await token_for(client, await register(graph, "EDU", "140404",
                                                         ["edu-officer"]))
        plain = (await gql(client, officer, query, {"n": ID_NUMBER})).json()
        assert plain["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # no purpose declared
        assert "PLACEMENT_ASSESSMENT" in plain["errors"][0]["message"]
        found = (await gql(client, officer, query, {"n": ID_NUMBER},
                           purpose="PLACEMENT_ASSESSMENT")).json()
        assert found["data"]["childByIdNumber"]["id"] == "ch_1"
        bad = (await gql(client, officer, query, {"n": "123"},
                         purpose="PLACEMENT_ASSESSMENT")).json()
        assert bad["errors"][0]["extensions"]["field"] == "idNumber"


async def test_children_by_ids_and_schools_keep_to_scope(graph: Graph,
                                                         settings: Settings) -> None:
    await seed(graph)
    async with http_client(settings) as client:
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        answer = (await gql(client, staff,
                            '{ childrenByIds(ids: ["ch_2", "ch_1", "ch_9"]) { id idNumber } '
                            'schools(region: "140400") { id name } }',
                            purpose="SERVICE_DELIVERY")).json()
    assert [c["id"] for c in answer["data"]["childrenByIds"]] == ["ch_1"]  # ch_2: out of scope
    assert answer["extensions"]["redacted"] == ["childrenByIds.0.idNumber"]  # shown as masked
    assert {s["id"] for s in answer["data"]["schools"]} == {"sch_1", "sch_2"}


async def test_chain_status_for_auditors_only(graph: Graph, settings: Settings) -> None:
    await seed(graph)
    query = "{ auditChainStatus { ok events problem } }"
    async with http_client(settings) as client:
        auditor = await person_token(client, graph, "audit.zhao", ["auditor"], region="140400")
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        status = (await gql(client, auditor, query, purpose="AUDIT")).json()
        refused = (await gql(client, staff, query)).json()
    assert status["data"]["auditChainStatus"]["ok"] is True
    assert status["data"]["auditChainStatus"]["events"] > 0
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_excel_export_takes_the_token_applies_scope_and_is_audited(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    url = "/console/export/indicators.xlsx?region=140400&year=2024"
    async with http_client(settings) as client:
        assert (await client.get(url)).status_code == 401
        bad = await client.get(url, headers={"Authorization": "Bearer nonsense"})
        assert bad.status_code == 401
        staff = await person_token(client, graph, "wang.li", ["resource-centre-staff"], ["rc_1"])
        response = await client.get(url, headers={"Authorization": f"Bearer {staff}"})
        wrong = await client.get(url.replace("140400", "999999"),
                                 headers={"Authorization": f"Bearer {staff}"})
    assert wrong.status_code == 400
    assert response.status_code == 200 and response.content[:2] == b"PK"
    book = load_workbook(io.BytesIO(response.content))
    cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for c in row if c.value is not None}
    assert "ch_2" not in cells  # a child outside the centre's scope is never listed
    events = await graph.run("MATCH (e:AuditEvent {kind: 'export'}) RETURN e {.*} AS e")
    assert len(events) == 1
    event = events[0]["e"]
    assert event["subjectKind"] == "person" and "console indicators.xlsx" in event["detail"]
    assert "ch_2" not in (event.get("children") or [])


@pytest.mark.parametrize("path", ["/console/static/../routes.py", "/console/static/%2e%2e/x"])
async def test_static_files_stay_in_their_folder(graph: Graph, settings: Settings,
                                                 path: str) -> None:
    async with http_client(settings) as client:
        assert (await client.get(path)).status_code == 404

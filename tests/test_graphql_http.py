"""GraphQL over HTTP (schema/http.py, schema/endpoint.py): media types, statuses, bodies, GET;
the same rules whether the direct answer or the executor answers, and GET through the same
door (token, purpose, audit, cost) as POST."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.clients import Registered
from hub.graph import Graph
from hub.settings import Settings
from schema.http import GRAPHQL_RESPONSE, JSON, negotiate
from tests.auth_helpers import http_client, register, token_for
from tests.graphql_helpers import seed
from tests.test_audit import events, serve
from tests.test_cost import EXAMPLE

NEW = {"Accept": GRAPHQL_RESPONSE}
OLD = {"Accept": JSON}
CHILD = '{ child(id: "ch_1") { id name } }'


@pytest.mark.parametrize(("accept", "expected"), [
    (None, JSON), ("", JSON), ("*/*", JSON), ("application/*", JSON), (JSON, JSON),
    (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
    (f"{JSON}, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # equal quality: the newer type
    (f"{JSON}, {GRAPHQL_RESPONSE};q=0.5", JSON),
    (f"{GRAPHQL_RESPONSE};q=0, */*", JSON),
    ("text/html", None), ("text/plain, image/png", None),
])
def test_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


@pytest.fixture
def auth_settings(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    return settings.model_copy(update={"keys_dir": tmp_path / "keys", "auth_enabled": True})


@pytest.fixture
async def edu(graph: Graph) -> Registered:
    await seed(graph)
    return await register(graph, "EDU", "140404", ["edu-officer"])


@pytest.fixture
async def hub(auth_settings: Settings, edu: Registered
              ) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with http_client(auth_settings) as client:
        token = await token_for(client, edu)
        yield client, {"Authorization": f"Bearer {token}"}


def _media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0]


async def test_the_new_media_type_on_request(hub: tuple[httpx.AsyncClient, dict[str, str]]
                                             ) -> None:
    client, auth = hub
    for accept, media in ((NEW, GRAPHQL_RESPONSE), (OLD, JSON), ({"Accept": "*/*"}, JSON)):
        response = await client.post("/graphql", json={"query": CHILD},
                                     headers={**auth, **accept})
        assert response.status_code == 200, response.text
        assert _media(response) == media
        assert response.json()["data"]["child"]["id"] == "ch_1"
    refused = await client.post("/graphql", json={"query": CHILD},
                                headers={**auth, "Accept": "text/plain"})
    assert refused.status_code == 406 and GRAPHQL_RESPONSE in refused.text


@pytest.mark.parametrize(("request_body", "code"), [
    ({"query": "{"}, "BAD_USER_INPUT"),  # does not parse
    ({"query": "{ noSuchField }"}, "BAD_USER_INPUT"),  # does not validate
    # a fragment spread but not defined: graphql's own rule says so (the depth limit had
    # raised KeyError on it, an INTERNAL error)
    ({"query": '{ child(id: "ch_1") { ...Nope } }'}, "BAD_USER_INPUT"),
    ({"query": "query ($id: ID!) { child(id: $id) { id } }", "variables": {"id": None}},
     "BAD_USER_INPUT"),  # variables do not coerce
    ({"query": EXAMPLE}, "COST_LIMIT"),  # over the role's budget: refused before it runs
])
async def test_request_errors_are_4xx_without_data_under_the_new_type(
    hub: tuple[httpx.AsyncClient, dict[str, str]], request_body: dict[str, Any], code: str
) -> None:
    client, auth = hub
    new = await client.post("/graphql", json=request_body, headers={**auth, **NEW})
    assert new.status_code == 400, new.text
    assert _media(new) == GRAPHQL_RESPONSE
    assert "data" not in new.json()
    assert new.json()["errors"][0]["extensions"]["code"] == code
    # The legacy type keeps the legacy answer: 200, "data": null.
    old = await client.post("/graphql", json=request_body, headers={**auth, **OLD})
    assert old.status_code == 200 and _media(old) == JSON
    assert old.json()["data"] is None
    assert old.json()["errors"][0]["extensions"]["code"] == code


async def test_a_field_error_keeps_data_and_200(
    hub: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    client, auth = hub
    response = await client.post("/graphql", json={"query": '{ child(id: "nope") { id } }'},
                                 headers={**auth, **NEW})
    body = response.json()
    assert response.status_code == 200 and "data" in body, body


@pytest.mark.parametrize(("content", "headers", "status"), [
    (b'{ "not a JSON', {"Content-Type": "application/json"}, 400),
    (b"", {"Content-Type": "application/json"}, 400),
    (b'{"query": 1}', {"Content-Type": "application/json"}, 400),
    (b'{"query": "{ __typename }", "variables": "x"}', {"Content-Type": "application/json"}, 400),
    (b'{"query": "{ __typename }", "extensions": []}', {"Content-Type": "application/json"}, 400),
    (b'{"query": "{ __typename }"}', {"Content-Type": "text/plain"}, 415),
    (b'{"query": "query A { __typename } query B { __typename }"}',
     {"Content-Type": "application/json"}, 400),  # no operationName to choose one
])
async def test_malformed_requests(hub: tuple[httpx.AsyncClient, dict[str, str]],
                                  content: bytes, headers: dict[str, str], status: int) -> None:
    client, auth = hub
    for accept in (NEW, OLD):
        response = await client.post("/graphql", content=content,
                                     headers={**auth, **headers, **accept})
        assert response.status_code == status, response.text
        assert _media(response) == accept["Accept"]
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_get_runs_queries_like_post(hub: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, auth = hub
    query = 'query One($id: ID!) { child(id: $id) { id name } }'
    params = {"query": query, "variables": json.dumps({"id": "ch_1"}), "operationName": "One"}
    posted = await client.post("/graphql", headers={**auth, **NEW}, json={
        "query": query, "variables": {"id": "ch_1"}, "operationName": "One"})
    # The first POST ran the executor; the document is now known, so these take the direct
    # answer: same status, media type and body either way.
    for _ in range(2):
        got = await client.get("/graphql", params=params, headers={**auth, **NEW})
        assert got.status_code == posted.status_code == 200
        assert _media(got) == GRAPHQL_RESPONSE
        assert got.json() == posted.json()
    bad = await client.get("/graphql", params={"query": "{ noSuchField }"},
                           headers={**auth, **NEW})
    assert bad.status_code == 400 and "data" not in bad.json()
    costly = await client.get("/graphql", params={"query": EXAMPLE}, headers={**auth, **NEW})
    assert costly.status_code == 400
    assert costly.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT"


async def test_get_never_runs_a_mutation(hub: tuple[httpx.AsyncClient, dict[str, str]]) -> None:
    client, auth = hub
    for accept in (NEW, OLD):
        response = await client.get("/graphql", params={"query": "mutation { __typename }"},
                                    headers={**auth, **accept})
        assert response.status_code == 405, response.text
        assert response.headers["allow"] == "POST"
    # Named among several: the one chosen decides.
    document = "query Q { __typename } mutation M { __typename }"
    chosen = await client.get("/graphql", params={"query": document, "operationName": "M"},
                              headers=auth)
    assert chosen.status_code == 405
    fine = await client.get("/graphql", params={"query": document, "operationName": "Q"},
                            headers=auth)
    assert fine.status_code == 200 and fine.json() == {"data": {"__typename": "Query"}}
    other = await client.put("/graphql", json={"query": "{ __typename }"}, headers=auth)
    assert other.status_code == 405


async def test_get_needs_a_token_and_a_purpose_it_may_declare(
    hub: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    client, auth = hub
    for headers in ({}, {"Accept": "text/html"}, {"Authorization": "Bearer nonsense"}):
        response = await client.get("/graphql", params={"query": CHILD}, headers=headers)
        assert response.status_code == 401, headers
        assert "bearer" in response.headers["www-authenticate"].lower()
    unknown = await client.get("/graphql", params={
        "query": CHILD, "extensions": json.dumps({"purpose": "CURIOSITY"})}, headers=auth)
    assert unknown.status_code == 400
    forbidden = await client.get("/graphql", params={
        "query": CHILD, "extensions": json.dumps({"purpose": "AUDIT"})}, headers=auth)
    assert forbidden.status_code == 403
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "PURPOSE_NOT_ALLOWED"


async def test_a_refusal_at_the_door_comes_in_the_media_type_asked_for(
    hub: tuple[httpx.AsyncClient, dict[str, str]]
) -> None:
    client, _ = hub
    response = await client.post("/graphql", json={"query": CHILD}, headers=NEW)
    assert response.status_code == 401 and _media(response) == GRAPHQL_RESPONSE


async def test_a_get_is_audited_like_a_post(graph: Graph, tmp_path: Path, settings: Settings,
                                            edu: Registered) -> None:
    audited = settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True, "audit_enabled": True,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "audit_journal_dir": tmp_path / "audit" / "journal"})
    async with serve(audited) as (client, app):
        token = await token_for(client, edu)
        auth = {"Authorization": f"Bearer {token}"}
        ok = await client.get("/graphql", params={"query": CHILD}, headers=auth)
        refused = await client.get("/graphql", params={"query": "mutation { __typename }"},
                                   headers=auth)
        # (earlier tests' hubs may still ship their own events: this client's only)
        found = await events(graph, app, kind="graphql", subjectId=edu.client_id)
    assert [e["id"] for e in found] == [ok.headers["x-audit-event"],
                                        refused.headers["x-audit-event"]]
    assert found[0]["rootFields"] == ["child"] and found[0]["outcome"] == "ok"
    assert found[1]["outcome"] != "ok"


def test_an_answer_the_database_could_not_give_is_503_under_both_media_types() -> None:
    from schema import http

    for media in (http.JSON, http.GRAPHQL_RESPONSE):
        assert http.status_for(media, False, ["UNAVAILABLE"], {"child": None}) == 503
        assert http.status_for(media, False, ["UNAVAILABLE", "UNAVAILABLE"], None) == 503
        # A field answered: the partial answer is kept (200), its error beside it.
        assert http.status_for(media, False, ["UNAVAILABLE"], {"child": {"id": "c"},
                                                               "region": None}) == 200
        # Another error beside it: not only the database's doing.
        assert http.status_for(media, False, ["UNAVAILABLE", "FORBIDDEN"], None) == 200

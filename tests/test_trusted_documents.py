"""Trusted documents (auth/trusted.py, schema/trusted.py): a client registered with a list of
operations sends only those, by hash or in full; each was validated and its cost fixed when it
was registered; the list is in the graph, so every hub process applies a change within seconds.
On the real Neo4j, through the real app and tokens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import parse
from typer.testing import CliRunner

from auth import clients, trusted
from auth.clients import Registered
from auth.policy import default_policy
from hub.graph import Graph, counting
from hub.settings import Settings
from hub.subject import Subject
from schema.api import build_schema
from schema.cost import estimate
from schema.http import GRAPHQL_RESPONSE
from schema.trusted import Entry, prepare, read_file, reader
from shell.cli import app as cli
from tests.auth_helpers import http_client, register, token_for
from tests.graphql_helpers import seed
from tests.test_audit import events, serve

OPERATIONS = """
query One($id: ID!) {
  child(id: $id) { ...Named }
}

query Page($n: Int!) {
  children(first: $n) { totalCount edges { node { id } } }
}

mutation Record($input: RecordServiceSessionInput!) {
  recordServiceSession(input: $input) { id serviceKind }
}

fragment Named on Child { id name }
"""
VISIT = {"childId": "ch_1", "kind": "HOME_DELIVERY", "date": "2025-10-14", "hours": 3,
         "content": ["EDUCATION"], "provider": "李老师", "organisationId": "sch_1"}
NOT_LISTED = '{ child(id: "ch_1") { id name idNumber } }'
INTERVAL_S = 0.3
EDU = Subject(kind="client", id="new", department="EDU", region="140404",
              roles=frozenset({"edu-officer"}))


@pytest.fixture
def conf(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True,
        "token_status_cache_seconds": INTERVAL_S})


@pytest.fixture
def operations(tmp_path: Path) -> Path:
    path = tmp_path / "edu.graphql"
    path.write_text(OPERATIONS, encoding="utf-8")
    return path


def _documents(settings: Settings, path: Path) -> list[trusted.TrustedDocument]:
    return reader(settings, default_policy())(path, EDU)


@pytest.fixture
async def listed(graph: Graph, conf: Settings, operations: Path
                 ) -> tuple[Registered, dict[str, trusted.TrustedDocument]]:
    await seed(graph)
    documents = _documents(conf, operations)
    registered = await clients.add_client(
        graph, default_policy(), name="trusted", department="EDU", region="140404",
        roles=["edu-officer"], documents=documents)
    return registered, {d.operation_name or "": d for d in documents}


@pytest.fixture
async def hub(conf: Settings, listed: tuple[Registered, dict[str, trusted.TrustedDocument]]
              ) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    async with http_client(conf) as client:
        token = await token_for(client, listed[0])
        yield client, {"Authorization": f"Bearer {token}"}


def _code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def _sessions(graph: Graph) -> int:
    rows = await graph.run("MATCH (s:ServiceSession) RETURN count(s) AS n")
    return int(rows[0]["n"])


# --- registering --------------------------------------------------------------------------


def test_a_graphql_file_becomes_one_document_per_operation_with_its_fragments(
        settings: Settings, operations: Path) -> None:
    entries = read_file(operations)
    assert [e.label for e in entries] == ["One", "Page", "Record"]
    one = entries[0].text
    assert "fragment Named on Child" in one and "query Page" not in one
    assert "fragment Named" not in entries[1].text  # only what it uses


def test_the_stored_cost_is_the_cost_rules_at_the_largest_page(settings: Settings,
                                                               operations: Path) -> None:
    schema = build_schema(settings)._schema
    documents = {d.operation_name: d for d in _documents(settings, operations)}
    one, page = documents["One"], documents["Page"]
    assert one.hash == trusted.document_hash(one.text)
    # No variable changes One's cost: the rule's own estimate, whatever the id.
    assert one.cost == estimate(parse(one.text), "One", {"id": "ch_1"}, schema)
    # Page's size is a variable: fixed at the largest page the hub serves.
    assert page.cost == estimate(parse(page.text), "Page", {"n": settings.max_page_size},
                                 schema)
    assert page.cost > estimate(parse(page.text), "Page", {"n": 3}, schema)
    assert documents["Record"].operation_type == "mutation"


def test_the_greatest_cost_takes_each_variable_at_its_worst(settings: Settings) -> None:
    from schema.cost import greatest

    schema = build_schema(settings)._schema

    def both(text: str, *variables: dict[str, Any]) -> tuple[int, int]:
        document = parse(text)
        return (greatest(document, schema, settings.max_page_size, 100),
                max(estimate(document, None, v, schema) for v in variables))

    # Left out, `schools` pages by its own default (200), more than the largest page.
    fixed, worst = both("query S($n: Int) { schools(first: $n) { id name } }", {}, {"n": 100})
    assert fixed == worst == estimate(parse("{ schools { id name } }"), None, None, schema)
    # A condition either way: the dearer one counts.
    fixed, worst = both("query C($full: Boolean!, $skip: Boolean!) { children(first: 10) { "
                        "edges { node { id placements @include(if: $full) { id } "
                        "plans @skip(if: $skip) { id } } } } }",
                        *({"full": f, "skip": k} for f in (True, False) for k in (True, False)))
    assert fixed == worst
    fixed, worst = both("query I($ids: [ID!]!) { childrenByIds(ids: $ids) { id } }",
                        {"ids": ["x"] * 100})
    assert fixed == worst


@pytest.mark.parametrize(("text", "says"), [
    ("query Broken { child(id: \"x\") { noSuchField } }", "noSuchField"),
    ("query Deep { children { edges { node { placements { organisation { ... on School "
     "{ classes { id } servedBy { serves { servedBy { serves { id } } } } } } } } } } }",
     "depth"),
    ("query Costly($n: Int) { schools(region: \"140400\", first: $n) { servedBy { serves { "
     "children(first: 100) { edges { node { timeline { id } } } } } } } }", "budget"),
])
def test_registration_refuses_a_bad_document_naming_it(settings: Settings, text: str,
                                                       says: str) -> None:
    schema = build_schema(settings)
    name = text.split()[1]
    with pytest.raises(Exception) as refused:
        prepare(schema, settings, default_policy(), EDU,
                [Entry("Fine", "query Fine { __typename }"), Entry(name, text)])
    assert name in str(refused.value) and says in str(refused.value)


def test_manifests_of_codegen_and_apollo_are_read_and_their_hashes_checked(
        tmp_path: Path, settings: Settings) -> None:
    text = "query Hello { __typename }"
    digest = trusted.document_hash(text)
    codegen = tmp_path / "persisted-documents.json"
    codegen.write_text(json.dumps({digest: text}))
    apollo = tmp_path / "persisted-query-manifest.json"
    apollo.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1,
                                  "operations": [{"id": digest, "name": "Hello",
                                                  "type": "query", "body": text}]}))
    for path in (codegen, apollo):
        [document] = _documents(settings, path)
        assert (document.hash, document.text, document.operation_name) == (digest, text, "Hello")
    codegen.write_text(json.dumps({"0" * 64: text}))
    with pytest.raises(Exception, match=f"{'0' * 64}.*sha256"):
        _documents(settings, codegen)


def test_cli_registers_nothing_when_a_document_is_bad_and_lists_a_good_file(
        graph: Graph, tmp_path: Path, operations: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.graphql"
    bad.write_text("query Good { __typename }\nquery Typo { chidl(id: \"x\") { id } }\n")
    refused = runner.invoke(cli, ["clients", "add", "--department", "EDU", "--region", "140404",
                                  "--roles", "edu-officer", "--documents", str(bad)])
    assert refused.exit_code != 0 and "Typo" in refused.output and "chidl" in refused.output
    listed = runner.invoke(cli, ["clients", "list"])
    assert listed.exit_code == 0 and listed.output.strip() == ""  # nothing was written
    created = runner.invoke(cli, ["clients", "add", "--department", "EDU", "--region", "140404",
                                  "--roles", "edu-officer", "--documents", str(operations)])
    assert created.exit_code == 0, created.output
    client = next(word for word in created.output.split() if word.startswith("cl_"))
    out = tmp_path / "manifest.json"
    shown = runner.invoke(cli, ["clients", "documents", client, "--manifest", str(out)])
    assert shown.exit_code == 0, shown.output
    assert [line.split()[-1] for line in shown.output.splitlines()[:3]] == [
        "One", "Page", "Record"]
    manifest = json.loads(out.read_text())
    assert all(trusted.document_hash(text) == key for key, text in manifest.items())
    # Replaced by a list with one document, then removed.
    one = tmp_path / "one.graphql"
    one.write_text("query Only { __typename }\n")
    assert runner.invoke(cli, ["clients", "documents", client, str(one)]).exit_code == 0
    shown = runner.invoke(cli, ["clients", "documents", client])
    assert len(shown.output.splitlines()) == 1 and "Only" in shown.output
    assert runner.invoke(cli, ["clients", "documents", client, "--clear"]).exit_code == 0
    assert "any query" in runner.invoke(cli, ["clients", "documents", client]).output


# --- sending ------------------------------------------------------------------------------


async def test_allowed_by_hash_and_by_full_text(
    hub: tuple[httpx.AsyncClient, dict[str, str]],
    listed: tuple[Registered, dict[str, trusted.TrustedDocument]],
) -> None:
    client, auth = hub
    one = listed[1]["One"]
    by_id = await client.post("/graphql", headers=auth, json={
        "documentId": f"sha256:{one.hash}", "variables": {"id": "ch_1"}})
    assert by_id.status_code == 200, by_id.text
    assert by_id.json()["data"]["child"] == {"id": "ch_1", "name": "张小明"}
    apollo = await client.post("/graphql", headers=auth, json={
        "variables": {"id": "ch_1"},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": one.hash}}})
    assert apollo.json() == by_id.json()
    by_text = await client.post("/graphql", headers=auth, json={
        "query": one.text, "variables": {"id": "ch_1"}})
    assert by_text.json() == by_id.json()
    # The same document spaced otherwise is the same document.
    spaced = one.text.replace("\n", "\n\n  ")
    again = await client.post("/graphql", headers=auth, json={
        "query": spaced, "variables": {"id": "ch_1"}})
    assert again.json() == by_id.json()
    # Text and hash together must agree.
    mismatch = await client.post("/graphql", headers=auth, json={
        "query": one.text, "documentId": f"sha256:{'0' * 64}", "variables": {"id": "ch_1"}})
    assert mismatch.status_code == 400 and _code(mismatch) == "BAD_USER_INPUT"


async def test_refused_when_not_in_the_list_and_nothing_is_written(
    graph: Graph, hub: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, auth = hub
    text = await client.post("/graphql", headers={**auth, "Accept": GRAPHQL_RESPONSE},
                             json={"query": NOT_LISTED})
    assert text.status_code == 403 and _code(text) == "PERSISTED_DOCUMENT_NOT_ALLOWED"
    assert "data" not in text.json()
    unknown = await client.post("/graphql", headers=auth,
                                json={"documentId": f"sha256:{'ab' * 32}"})
    assert unknown.status_code == 404 and _code(unknown) == "PERSISTED_DOCUMENT_NOT_FOUND"
    malformed = await client.post("/graphql", headers=auth, json={"documentId": "md5:abc"})
    assert malformed.status_code == 400 and _code(malformed) == "BAD_USER_INPUT"
    before = await _sessions(graph)
    write = await client.post("/graphql", headers=auth, json={
        "query": "mutation ($input: RecordServiceSessionInput!) "
                 "{ recordServiceSession(input: $input) { id } }",
        "variables": {"input": VISIT}})
    assert write.status_code == 403 and _code(write) == "PERSISTED_DOCUMENT_NOT_ALLOWED"
    assert await _sessions(graph) == before


async def test_get_by_document_id_for_a_query_and_mutations_by_post_only(
    graph: Graph, hub: tuple[httpx.AsyncClient, dict[str, str]],
    listed: tuple[Registered, dict[str, trusted.TrustedDocument]],
) -> None:
    client, auth = hub
    page, record = listed[1]["Page"], listed[1]["Record"]
    got = await client.get("/graphql", headers=auth, params={
        "documentId": f"sha256:{page.hash}", "variables": json.dumps({"n": 2})})
    assert got.status_code == 200, got.text
    assert len(got.json()["data"]["children"]["edges"]) == 2
    before = await _sessions(graph)
    by_get = await client.get("/graphql", headers=auth, params={
        "documentId": f"sha256:{record.hash}", "variables": json.dumps({"input": VISIT})})
    assert by_get.status_code == 405 and by_get.headers["allow"] == "POST"
    assert await _sessions(graph) == before
    by_post = await client.post("/graphql", headers=auth, json={
        "documentId": f"sha256:{record.hash}", "variables": {"input": VISIT}})
    assert by_post.status_code == 200, by_post.text
    assert by_post.json()["data"]["recordServiceSession"]["serviceKind"] == "HOME_DELIVERY"
    assert await _sessions(graph) == before + 1


async def test_a_client_without_a_list_sends_any_query_but_no_bare_hash(
    graph: Graph, conf: Settings
) -> None:
    await seed(graph)
    free = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as client:
        auth = {"Authorization": f"Bearer {await token_for(client, free)}"}
        text = await client.post("/graphql", headers=auth, json={"query": NOT_LISTED})
        assert text.status_code == 200 and text.json()["data"]["child"]["id"] == "ch_1"
        for body in ({"documentId": f"sha256:{trusted.document_hash(NOT_LISTED)}"},
                     {"extensions": {"persistedQuery": {
                         "version": 1, "sha256Hash": trusted.document_hash(NOT_LISTED)}}}):
            named = await client.post("/graphql", headers=auth, json=body)
            assert named.status_code == 400 and _code(named) == "PERSISTED_QUERY_NOT_SUPPORTED"
        # Apollo's second try, the text beside its hash, runs as text.
        both = await client.post("/graphql", headers=auth, json={
            "query": NOT_LISTED, "extensions": {"persistedQuery": {
                "version": 1, "sha256Hash": trusted.document_hash(NOT_LISTED)}}})
        assert both.status_code == 200 and both.json()["data"]["child"]["id"] == "ch_1"


async def test_a_changed_list_applies_on_every_process_within_the_interval(
    graph: Graph, conf: Settings,
    listed: tuple[Registered, dict[str, trusted.TrustedDocument]],
) -> None:
    registered, documents = listed
    body = {"query": NOT_LISTED}
    async with http_client(conf) as one, http_client(conf) as other:
        token = await token_for(one, registered)
        auth = {"Authorization": f"Bearer {token}"}
        for hub in (one, other):  # both hold the list now
            assert (await hub.post("/graphql", headers=auth, json=body)).status_code == 403
        await trusted.replace_documents(graph, registered.client_id, [
            *documents.values(),
            *prepare(build_schema(conf), conf, default_policy(), EDU,
                     [Entry("listed", NOT_LISTED)])])
        await asyncio.sleep(INTERVAL_S + 0.05)
        for hub in (one, other):
            response = await hub.post("/graphql", headers=auth, json=body)
            assert response.status_code == 200, response.text
        await trusted.clear_documents(graph, registered.client_id)
        await asyncio.sleep(INTERVAL_S + 0.05)
        anything = {"query": "{ __typename }"}
        for hub in (one, other):
            assert (await hub.post("/graphql", headers=auth, json=anything)).status_code == 200


async def test_the_list_is_read_once_per_interval_not_per_request(
    conf: Settings, listed: tuple[Registered, dict[str, trusted.TrustedDocument]],
) -> None:
    registered, documents = listed
    slow = conf.model_copy(update={"token_status_cache_seconds": 10.0})
    body = {"documentId": f"sha256:{documents['Page'].hash}", "variables": {"n": 1}}
    async with http_client(slow) as client:
        auth = {"Authorization": f"Bearer {await token_for(client, registered)}"}
        async with counting() as trips:
            # requests that arrive together share one read
            answers = await asyncio.gather(*(client.post("/graphql", headers=auth, json=body)
                                             for _ in range(5)))
            for _ in range(3):
                answers.append(await client.post("/graphql", headers=auth, json=body))
        assert {a.status_code for a in answers} == {200}
    reads = [p["id"] for c, p in trips.queries if c == trusted.LIST_QUERY]
    assert reads == [registered.client_id]


async def test_a_refusal_is_audited_with_its_code_and_the_documents_hash(
    graph: Graph, tmp_path: Path, conf: Settings,
    listed: tuple[Registered, dict[str, trusted.TrustedDocument]],
) -> None:
    registered, documents = listed
    audited = conf.model_copy(update={
        "audit_enabled": True, "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "audit_journal_dir": tmp_path / "audit" / "journal"})
    async with serve(audited) as (client, app):
        auth = {"Authorization": f"Bearer {await token_for(client, registered)}"}
        refused = await client.post("/graphql", headers=auth, json={"query": NOT_LISTED})
        ok = await client.post("/graphql", headers=auth, json={
            "documentId": f"sha256:{documents['One'].hash}", "variables": {"id": "ch_1"}})
        found = await events(graph, app, kind="graphql", subjectId=registered.client_id)
    by_id: dict[str, Any] = {e["id"]: e for e in found}
    no = by_id[refused.headers["x-audit-event"]]
    assert (no["outcome"], no["errorCodes"], no["status"]) == (
        "forbidden", ["PERSISTED_DOCUMENT_NOT_ALLOWED"], 403)
    assert no["documentHash"] == trusted.document_hash(NOT_LISTED)
    yes = by_id[ok.headers["x-audit-event"]]
    assert yes["outcome"] == "ok" and yes["documentHash"] == documents["One"].hash

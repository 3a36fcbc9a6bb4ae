"""The access audit log over HTTP: one event per access, fail closed, no gaps under load."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from neo4j.exceptions import ServiceUnavailable
from typer.testing import CliRunner

from audit import reports
from audit.journal import Journal, read_segment
from audit.service import AuditService
from auth.clients import Registered
from hub.graph import Graph
from hub.settings import Settings
from shell.app import create_app
from shell.cli import app as cli
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import seed
from tests.processes import free_port, serve_env, wait_ready
from tests.test_ingest import csv_file, edu_row


@pytest.fixture
def audit_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True, "audit_enabled": True,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "audit_journal_dir": tmp_path / "audit" / "journal",
    })


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, app


@pytest.fixture
async def edu(graph: Graph) -> Registered:
    """The seeded test city and an education officer's client in its county."""
    await seed(graph)
    return await register(graph, "EDU", "140404", ["edu-officer"])


def refusing(settings: Settings, method: str) -> Graph:
    """A real connection whose ``method`` (write, autocommit) fails as if the database left."""
    broken = Graph.connect(settings)

    async def refuse(*_: Any, **__: Any) -> Any:
        raise ServiceUnavailable("audit database gone")

    setattr(broken, method, refuse)
    return broken


async def events(graph: Graph, app: Any = None, **where: Any) -> list[dict[str, Any]]:
    """The events in the graph; with ``app``, once that hub has shipped its journal."""
    if app is not None:
        await app.state.audit.drain()
    rows = await graph.run("MATCH (e:AuditEvent) RETURN e {.*} AS e ORDER BY e.seq")
    found = [r["e"] for r in rows]
    return [e for e in found if all(e.get(k) == v for k, v in where.items())]


async def test_each_kind_of_access_has_exactly_one_event(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    async with serve(audit_settings) as (client, app):
        token = await token_for(client, edu)
        issued = await events(graph, app, kind="token", outcome="ok")
        assert len(issued) == 1 and issued[0]["subjectId"] == edu.client_id
        assert issued[0]["department"] == "EDU" and issued[0]["roles"] == ["edu-officer"]

        refused = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                    auth=(edu.client_id, "wrong"))
        assert refused.status_code == 401
        assert len(await events(graph, app, kind="token", outcome="unauthenticated",
                                subjectId=edu.client_id)) == 1

        ok = await gql(client, token, 'query One($id: ID!) { child(id: $id) { name } }',
                       {"id": "ch_1"}, purpose="SERVICE_DELIVERY")
        assert ok.status_code == 200 and ok.json()["data"]["child"]["name"]
        [read] = await events(graph, app, kind="graphql", outcome="ok")
        assert read["id"] == ok.headers["x-audit-event"]
        assert read["children"] == ["ch_1"] and read["childCount"] == 1
        assert read["fields"] == ["child.name"] and read["redacted"] == []
        assert read["operationName"] == "One" and read["operationType"] == "query"
        assert read["purpose"] == "SERVICE_DELIVERY" and read["subjectKind"] == "client"
        assert read["clientAddress"] == "127.0.0.1" and read["latencyMs"] > 0
        assert read["policyVersion"] == app.state.policy.version  # the policy that decided it
        assert len(read["documentHash"]) == 64 and len(read["variablesDigest"]) == 64
        assert "ch_1" not in json.dumps({k: v for k, v in read.items() if k != "children"})
        assert "张小明" not in json.dumps(read, ensure_ascii=False)  # no name on the record

        masked = await gql(client, token, '{ child(id: "ch_1") { idNumber } }')
        assert masked.json()["extensions"]["redacted"] == ["child.idNumber"]
        [partly] = await events(graph, app, id=masked.headers["x-audit-event"])
        assert partly["outcome"] == "ok" and partly["redacted"] == ["child.idNumber"]
        assert partly["children"] == ["ch_1"]

        hidden = await gql(client, token, '{ child(id: "ch_2") { id } }')
        assert hidden.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        [denied] = await events(graph, app, outcome="not_found")
        assert denied["children"] == [] and denied["errorCodes"] == ["NOT_FOUND"]

        forbidden = await gql(client, token, "{ accessEvents { edges { node { seq } } } }")
        assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert len(await events(graph, app, outcome="forbidden", subjectId=edu.client_id)) == 1

        anonymous = await client.post("/graphql", json={"query": "{ apiVersion }"})
        assert anonymous.status_code == 401
        [unauth] = await events(graph, app, kind="graphql", outcome="unauthenticated")
        assert unauth["subjectKind"] == "anonymous" and unauth["status"] == 401

        page = await gql(client, token, "{ children(first: 5) { edges { node { sex } } } }")
        assert page.status_code == 200
        [listed] = await events(graph, app, id=page.headers["x-audit-event"])
        assert listed["children"] == ["ch_1", "ch_3"]  # found though `id` was not selected

    all_events = await events(graph)
    assert [e["seq"] for e in all_events] == list(range(1, len(all_events) + 1))
    assert [e["kind"] for e in all_events].count("policy") == 1  # first use: policy recorded


def test_ingest_and_export_have_one_event_each(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit.pem"))
    runner = CliRunner()
    path = csv_file(tmp_path, "edu-status", [edu_row()])
    loaded = runner.invoke(cli, ["ingest", "edu-status", "--as-of", "2024-09-01", str(path)])
    assert loaded.exit_code == 0
    result = runner.invoke(cli, ["export", "children"])
    assert result.exit_code == 0
    child = json.loads(result.stdout.splitlines()[0])["id"]

    async def check() -> None:
        from hub.settings import load_settings

        local = Graph.connect(load_settings())
        try:
            [ingest] = await events(local, kind="ingest")
            detail = json.loads(ingest["detail"])
            assert detail["loaded"] == 1 and detail["source"] == "edu-status"
            assert ingest["subjectId"].startswith("cli:") and "张" not in ingest["detail"]
            # An operator's command is not decided by the access policy, so names none.
            assert ingest.get("policyVersion") is None
            assert not await events(local, kind="policy")
            [export] = await events(local, kind="export")
            assert export["children"] == [child] and export["action"] == "R"
        finally:
            await local.close()

    asyncio.run(check())


async def test_request_refused_when_the_audit_cannot_be_written(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    async with serve(audit_settings) as (client, app):
        token = await token_for(client, edu)
        broken = refusing(audit_settings, "write")
        await app.state.audit.close()
        # Committing straight to a graph that cannot take it (no journal in between).
        app.state.audit = AuditService(broken, audit_settings)
        response = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert response.status_code == 503
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
        assert "data" not in body and "张小明" not in response.text
        refused = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                    auth=(edu.client_id, edu.secret))
        assert refused.status_code == 503 and "access_token" not in refused.text
        await broken.close()


async def test_request_refused_when_the_journal_cannot_be_written(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    async with serve(audit_settings) as (client, app):
        token = await token_for(client, edu)
        journal = app.state.audit.shipper.journal
        # The disk is full: /dev/full refuses every write with ENOSPC.
        segment = journal._current
        os.close(segment.fd)
        segment.fd = os.open("/dev/full", os.O_WRONLY)
        response = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
        assert "张小明" not in response.text
        # The failed segment is given up; the next event opens a fresh one and is answered.
        again = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert again.status_code == 200
        assert len(await events(graph, app, id=again.headers["x-audit-event"])) == 1


async def test_graph_behind_the_journal_refuses_then_catches_up(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    settings = audit_settings.model_copy(update={"audit_max_lag_seconds": 0.3})
    async with serve(settings) as (client, app):
        token = await token_for(client, edu)
        log = app.state.audit.log
        working = log.graph
        broken = refusing(settings, "autocommit")
        log.graph = broken
        accepted = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert accepted.status_code == 200  # synced to the journal: durable, answered
        await asyncio.sleep(0.4)
        behind = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert behind.status_code == 503 and "张小明" not in behind.text
        assert behind.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and "audit" in ready.json()["reason"]

        log.graph = working  # the graph is back: the journal is shipped, nothing lost
        await app.state.audit.drain()
        [shipped] = await events(graph, id=accepted.headers["x-audit-event"])
        assert shipped["outcome"] == "ok" and shipped["children"] == ["ch_1"]
        assert (await gql(client, token, '{ child(id: "ch_1") { id } }')).status_code == 200
        await broken.close()
    found = await events(graph)
    assert [e["seq"] for e in found] == list(range(1, len(found) + 1))


async def test_segment_left_by_a_dead_hub_is_shipped_once(
    graph: Graph, audit_settings: Settings
) -> None:
    """A hub killed after syncing events but before shipping them (or after shipping some)."""
    directory = audit_settings.audit_journal_dir
    directory.mkdir(parents=True)
    base = {"kind": "graphql", "action": "R", "subtype": "query", "outcome": "ok",
            "subjectId": "cl_gone", "subjectKind": "client", "time": "2026-11-25T08:00:00Z"}
    first, second = {**base, "id": "ev_first"}, {**base, "id": "ev_second"}
    service = AuditService(graph, audit_settings)  # the dead hub had shipped the first
    await service.log.ship([first])
    lines = [json.dumps(e) for e in (first, second)]
    (directory / "dead.jsonl").write_text("\n".join(lines) + '\n{"id": "ev_torn", "ki')

    async with serve(audit_settings) as (client, app):
        await client.post("/oauth/token", data={"grant_type": "client_credentials"})
        await app.state.audit.drain()
    found = await events(graph, subjectId="cl_gone")
    assert [e["id"] for e in found] == ["ev_first", "ev_second"]  # once each; torn line left
    assert not (directory / "dead.jsonl").exists()
    everything = await events(graph)
    assert [e["seq"] for e in everything] == list(range(1, len(everything) + 1))


def _segment_ids(path: Path) -> list[str]:
    fd = os.open(path, os.O_RDONLY)
    try:
        return [e["id"] for e in read_segment(fd)]
    finally:
        os.close(fd)


def test_journal_segments_rotate_and_go_once_shipped(tmp_path: Path) -> None:
    journal = Journal(tmp_path, segment_bytes=4096, rotate_bytes=1000)
    ids = [f"ev_{n:02d}" for n in range(12)]
    for event_id in ids:  # lines of ~340 bytes: a new segment after every third
        journal.append({"id": event_id, "kind": "graphql", "detail": "x" * 300})
    contents = sorted(_segment_ids(path) for path in tmp_path.glob("*.jsonl"))
    assert contents == [ids[0:3], ids[3:6], ids[6:9], ids[9:12]]  # full, not shipped: kept
    assert journal.orphans() == []  # this process holds them: nobody else ships them
    journal.shipped(4)  # the first segment and one event of the second are in the graph
    assert sorted(_segment_ids(p) for p in tmp_path.glob("*.jsonl")) == contents[1:]
    journal.shipped(8)
    assert list(tmp_path.glob("*.jsonl")) == []
    journal.append({"id": "ev_12", "kind": "graphql"})
    journal.close()  # not shipped: the segment stays for the next hub, and is free to take
    [(path, fd)] = Journal(tmp_path).orphans()
    os.close(fd)
    assert _segment_ids(path) == ["ev_12"]


async def test_journal_group_commit_syncs_every_event_once_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Events recorded together share syncs, each returns only once a sync begun after its
    line was written has finished, across segment rotations, and none is lost or waits
    forever."""
    syncs: list[int] = []
    real = os.fdatasync

    def counted(fd: int) -> None:
        syncs.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", counted)
    journal = Journal(tmp_path, segment_bytes=8192, rotate_bytes=3000)
    ids = [f"ev_{n:03d}" for n in range(60)]
    await asyncio.wait_for(asyncio.gather(*(
        journal.record({"id": event_id, "kind": "graphql", "detail": "x" * 100})
        for event_id in ids)), timeout=30)
    assert [item.event["id"] for item in journal.unshipped] == ids
    assert journal._durable == journal._written == 60
    on_disk = sorted(i for path in tmp_path.glob("*.jsonl") for i in _segment_ids(path))
    assert on_disk == ids
    assert 0 < len(syncs) < 60  # shared: fewer syncs than events
    journal.close()


async def test_quiet_hub_signs_its_last_events(graph: Graph, audit_settings: Settings) -> None:
    settings = audit_settings.model_copy(update={"audit_checkpoint_seconds": 1})
    async with serve(settings) as (client, app):
        await client.post("/oauth/token", data={"grant_type": "client_credentials"})
        await app.state.audit.drain()
        await asyncio.sleep(1.5)  # nothing happens meanwhile
        rows = await graph.run("MATCH (h:AuditHead), (c:AuditCheckpoint) "
                               "RETURN h.seq AS seq, max(c.size) AS signed")
    assert rows[0]["seq"] >= 2 and rows[0]["signed"] == rows[0]["seq"]


async def test_killed_server_loses_no_answered_event(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    """SIGKILL of a real ``hub serve`` right after its answers, before it shipped a thing: the
    next hub on the same journal puts every answered access in the chain, once."""
    work = audit_settings.audit_journal_dir.parent
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = serve_env(port, audit_settings.keys_dir, audit_settings.audit_journal_dir.parent,
                    HUB_AUDIT_SHIP_LINGER_MS="10000", HUB_FORWARDED_ALLOW_IPS="10.9.9.9")
    log = work / "hub.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "shell", "serve"], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log)
            answered = []
            async with httpx.AsyncClient(base_url=base) as client:
                token = await token_for(client, edu)
                for _ in range(4):
                    response = await gql(client, token, '{ child(id: "ch_1") { name } }')
                    assert response.status_code == 200
                    answered.append(response.headers["x-audit-event"])
                # From a peer that is not a listed proxy, X-Forwarded-For is not believed: a
                # client cannot put another address on the record.
                proxied = await client.post(
                    "/graphql", json={"query": '{ child(id: "ch_1") { id } }'},
                    headers={"Authorization": f"Bearer {token}",
                             "X-Forwarded-For": "203.0.113.7"})
                answered.append(proxied.headers["x-audit-event"])
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(10)
    assert await events(graph, kind="graphql") == []  # nothing had reached the graph
    assert list(audit_settings.audit_journal_dir.glob("*.jsonl"))

    async with serve(audit_settings) as (_, app):
        await app.state.audit.drain()
    found = await events(graph)
    assert [e["id"] for e in found if e["kind"] == "graphql"] == answered
    addresses = [e["clientAddress"] for e in found if e["kind"] == "graphql"]
    assert addresses == ["127.0.0.1"] * 5
    assert len([e for e in found if e["kind"] == "token"]) == 1
    assert [e["seq"] for e in found] == list(range(1, len(found) + 1))
    assert list(audit_settings.audit_journal_dir.glob("*.jsonl")) == []


async def test_fifty_concurrent_clients_leave_no_gap(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    async with serve(audit_settings) as (client, app):
        token = await token_for(client, edu)
        before = len(await events(graph, app))
        responses = await asyncio.gather(*[
            gql(client, token, '{ child(id: "ch_1") { id } }') for _ in range(50)])
        assert all(r.status_code == 200 for r in responses)
    found = await events(graph)
    assert len(found) - before == 50
    assert len(await events(graph, kind="graphql")) == 50
    assert [e["seq"] for e in found] == list(range(1, len(found) + 1))
    ids = {r.headers["x-audit-event"] for r in responses}
    assert ids == {e["id"] for e in found if e["kind"] == "graphql"}


async def test_auditors_api(graph: Graph, audit_settings: Settings) -> None:
    await seed(graph)
    conf = audit_settings.model_copy(update={
        "audit_bulk_children": 1, "audit_work_hours": "00:00-00:00", "audit_denial_burst": 3,
        "graphql_introspection": True})
    edu = await register(graph, "EDU", "140404", ["edu-officer"])
    school = await register(graph, "EDU", "140404", ["school-staff"], organisations=["sch_2"])
    auditor = await register(graph, "EDU", "140400", ["auditor"])
    async with serve(conf) as (client, _):
        edu_token = await token_for(client, edu)
        await gql(client, edu_token, "{ children(first: 5) { edges { node { id } } } }",
                  purpose="SUPERVISION")
        school_token = await token_for(client, school)
        assert (await gql(client, school_token, '{ child(id: "ch_2") { id } }')).json()[
            "data"] == {"child": {"id": "ch_2"}}
        for _ in range(3):
            await client.post("/graphql", json={"query": "{ apiVersion }"})
        token = await token_for(client, auditor)
        assert (await gql(client, token, '{ child(id: "ch_1") { id } }')).json()["errors"][0][
            "extensions"]["code"] == "NOT_FOUND"  # an auditor sees no child data

        page = await gql(client, token, """query ($child: ID) {
          accessEvents(filter: {childId: $child}, first: 1) {
            edges { cursor node { seq subjectId department purpose children outcome } }
            hasNextPage endCursor } }""", {"child": "ch_1"})
        body = page.json()["data"]["accessEvents"]
        assert body["hasNextPage"] is False
        [edge] = body["edges"]
        assert edge["node"]["subjectId"] == edu.client_id
        assert edge["node"]["purpose"] == "SUPERVISION"
        paged = await gql(client, token, "query ($after: String) { accessEvents(first: 2, "
                          "after: $after) { edges { node { seq } } } }",
                          {"after": edge["cursor"]})
        seqs = [e["node"]["seq"] for e in paged.json()["data"]["accessEvents"]["edges"]]
        assert seqs == [edge["node"]["seq"] - 1, edge["node"]["seq"] - 2]

        window = {"from": "2000-01-01T00:00:00+08:00", "to": "2100-01-01T00:00:00+08:00"}
        volumes = (await gql(client, token, """query ($from: DateTime!, $to: DateTime!) {
          accessVolumes(from: $from, to: $to) {
            bySubject { key requests distinctChildren denials }
            byDepartment { key requests } } }""", window)).json()["data"]["accessVolumes"]
        by_subject = {v["key"]: v for v in volumes["bySubject"]}
        assert by_subject[edu.client_id]["distinctChildren"] == 2
        assert any(v["key"] == "EDU" for v in volumes["byDepartment"])

        flags = (await gql(client, token, """query ($from: DateTime!, $to: DateTime!) {
          unusualAccess(from: $from, to: $to) { kind subjectId count children description }
        }""", window)).json()["data"]["unusualAccess"]
        kinds = {(f["kind"], f["subjectId"]) for f in flags}
        assert ("BULK_READ", edu.client_id) in kinds
        assert ("OFF_HOURS", edu.client_id) in kinds
        assert ("OUT_OF_REGION", school.client_id) in kinds
        assert ("DENIAL_BURST", "anonymous@127.0.0.1") in kinds
        assert ("OUT_OF_REGION", edu.client_id) not in kinds

        report = (await gql(client, token, """{ childAccessReport(childId: "ch_1") {
          childId summary entries { department purpose text } } }""")).json()["data"][
            "childAccessReport"]
        # The auditor's own query about ch_1 (accessEvents by childId) is on the child's record.
        [entry] = [e for e in report["entries"] if e["purpose"] == "SUPERVISION"]
        assert all("access log" in e["text"] for e in report["entries"] if e is not entry)
        assert entry["department"] == "EDU" and entry["purpose"] == "SUPERVISION"
        assert "教育局" in entry["text"] and "viewed this child's record" in entry["text"]
        assert "督导" in entry["text"] and "张小明" not in json.dumps(report, ensure_ascii=False)

        schema = (await gql(client, token, '{ __type(name: "AccessEvent") { description '
                            "fields { name description } } }")).json()["data"]["__type"]
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in f["description"])
                   for f in schema["fields"])


# Lucene's query syntax among ordinary id characters, and any other printable character.
ID_TEXT = st.text(st.sampled_from('ab_0"\\ *?~:()[]{}^!+-&|/中') | st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=8)


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(ID_TEXT, min_size=2, max_size=4, unique=True), data=st.data())
async def test_child_filter_finds_exactly_the_events_naming_the_child(
    graph: Graph, ids: list[str], data: st.DataObject
) -> None:
    """Whatever an id holds (quotes, spaces, Lucene syntax), the index finds it whole."""
    await graph.empty()
    named = [data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
             for _ in range(5)]
    await graph.write(
        "UNWIND range(0, size($named) - 1) AS i "
        "CREATE (:AuditEvent {seq: i + 1, id: 'ev_' + toString(i), outcome: 'ok', "
        "kind: 'graphql', time: '2026-11-25T08:00:00Z', children: $named[i]})",
        {"named": named})
    for child in ids:
        expected = sorted(f"ev_{i}" for i, kids in enumerate(named) if child in kids)
        found, _ = await reports.events(graph, reports.EventFilter(child_id=child), 50, None)
        assert sorted(e["id"] for e in found) == expected


async def test_a_batch_committed_whose_answer_was_lost_is_not_shipped_twice(
    graph: Graph, audit_settings: Settings, edu: Registered
) -> None:
    """The database takes a batch and dies before saying so: the journal still holds the
    events. Shipped again as they are, they would break the unique id on every attempt and
    the hub would refuse every request from then on; the retry leaves out what the graph has."""
    lingering = audit_settings.model_copy(update={"audit_ship_linger_ms": 10_000})
    async with serve(lingering) as (client, app):
        token = await token_for(client, edu)
        answered = []
        for _ in range(3):
            response = await gql(client, token, '{ child(id: "ch_1") { name } }')
            answered.append(response.headers["x-audit-event"])
        journal = app.state.audit.shipper.journal
        waiting = [item.event for item in journal.unshipped]
        assert {e["id"] for e in waiting} >= set(answered)
        await app.state.audit.log.ship(waiting)  # committed; the journal never heard back
        await app.state.audit.drain()  # the shipper's own attempt, then its retry
        after = await gql(client, token, '{ child(id: "ch_1") { name } }')
        assert after.status_code == 200
        answered.append(after.headers["x-audit-event"])
        await app.state.audit.drain()
    found = [e["id"] for e in await events(graph)]
    assert all(found.count(event) == 1 for event in answered)
    assert len(found) == len(set(found))

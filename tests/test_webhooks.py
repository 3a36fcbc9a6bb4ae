"""Change notifications by signed webhooks (issue 16 item 4), on the real Neo4j and real HTTP.

A receiver started here refuses each message's first attempt and accepts the next; the hub's
deliveries are checked with the Standard Webhooks library, against each subscriber's scope,
in the audit log, and across a ``hub serve`` killed between the commit and the delivery.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from typer.testing import CliRunner

from audit.service import AuditService
from auth.policy import default_policy
from connectors.linkage import LinkWrites, write_links
from hub.errors import Conflict
from hub.graph import Graph
from hub.identity import IdProtector
from hub.outbox import EventKind
from hub.services.common import today
from hub.services.dropout import OpenDropoutCase, open_dropout_case
from hub.services.placements import EndPlacement, end_placement
from hub.services.transitions import (
    StartTransition,
    TransitionStep,
    hand_over_transition,
    start_transition,
)
from hub.settings import Settings
from hub.subject import Subject
from hub.vocabulary import PlacementType, SchoolStatus, Stage
from hub.workflows import check_transitions
from notify.delivery import Deliverer, backlog, delivery_log, redeliver
from notify.subscriptions import add_subscription
from shell.cli import app as cli
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import seed
from tests.processes import free_port, serve_env, wait_ready

ALL = [kind.value for kind in EventKind]
SCENARIO = ["TRANSITION_STARTED", "TRANSITION_HANDED_OVER", "PLACEMENT_ENDED",
            "TRANSITION_STALLED", "DROPOUT_CASE_OPENED"]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    code: int

    @property
    def message(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class Receiver:
    """A department's webhook endpoint: answers 503 to each message's first attempt (per path
    and ``webhook-id``) when ``fail_first``, 200 after; keeps every request."""

    def __init__(self) -> None:
        self.fail_first = True
        self.always_fail = False
        self.requests: list[Received] = []
        self._tried: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                key = (self.path, self.headers.get("webhook-id", ""))
                with receiver._lock:
                    first = key not in receiver._tried
                    receiver._tried.add(key)
                    code = 503 if receiver.always_fail or (first and receiver.fail_first) \
                        else 200
                    receiver.requests.append(Received(self.path, dict(self.headers.items()),
                                                      body, code))
                self.send_response(code)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == "/" + path]

    def accepted(self, path: str) -> list[Received]:
        return [r for r in self.to(path) if r.code == 200]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def hook_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Back-off shortened to fractions of a second; the audit commits to the graph."""
    return settings.model_copy(update={
        "audit_enabled": True, "audit_journal": False,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "webhook_retry_base_seconds": 0.2, "webhook_retry_cap_seconds": 0.4,
        "webhook_retry_window_seconds": 60.0, "webhook_timeout_seconds": 5.0,
    })


def deliverer(graph: Graph, settings: Settings) -> Deliverer:
    audit = AuditService(graph, settings, default_policy())
    return Deliverer(graph, settings, default_policy(), audit.webhook_event)


async def deliver_until(graph: Graph, settings: Settings, done: Any, seconds: float = 30,
                        settle: float = 1.5) -> None:
    """Rounds until ``done()``, then ``settle`` seconds more (a duplicate would show there)."""
    worker = deliverer(graph, settings)
    try:
        deadline = time.monotonic() + seconds
        while not done():
            assert time.monotonic() < deadline, "not delivered in time"
            await worker.round()
            await asyncio.sleep(0.1)
        settled = time.monotonic() + settle
        while time.monotonic() < settled:
            await worker.round()
            await asyncio.sleep(0.1)
    finally:
        await worker.close()


async def audit_events(graph: Graph) -> list[dict[str, Any]]:
    rows = await graph.run(
        "MATCH (e:AuditEvent {kind: 'webhook'}) RETURN e {.*} AS e ORDER BY e.seq")
    return [row["e"] for row in rows]


def verified(secret: str, request: Received) -> dict[str, Any]:
    """The message as a receiver using the Standard Webhooks library reads it (raises if the
    signature or timestamp is wrong)."""
    found: dict[str, Any] = Webhook(secret).verify(request.body, request.headers)
    return found


async def scenario(graph: Graph, officer: Subject) -> str:
    """ch_1 (上党区 140404) planned towards 潞城区特殊教育学校 (sch_2, 140406), handed over,
    its placement ended 60 days ago, the transition found stalled, a dropout case opened."""
    async with graph.transaction() as tx:
        transition = await start_transition(tx, officer, StartTransition(
            child_id="ch_1", to_stage=Stage.JUNIOR, to_type=PlacementType.SPECIAL_SCHOOL,
            receiving_organisation_id="sch_2", planned_date=today()))
    async with graph.transaction() as tx:
        await hand_over_transition(tx, officer, TransitionStep(
            id=transition, date=today() - dt.timedelta(days=61)))
    async with graph.transaction() as tx:
        await end_placement(tx, officer, EndPlacement(
            id="plc_2", date=today() - dt.timedelta(days=60), reason=SchoolStatus.TRANSFERRED))
    stalled = await check_transitions(graph, today(), 30)
    assert stalled.marked == 1
    async with graph.transaction() as tx:
        await open_dropout_case(tx, officer, OpenDropoutCase(
            child_id="ch_1", date=today(), reason="转衔停滞后未入学 not enrolled after the move"))
    return transition


async def test_scenario_reaches_each_subscriber_in_scope_once_signed_and_audited(
    graph: Graph, hook_settings: Settings, receiver: Receiver
) -> None:
    await seed(graph)
    clients = {
        "county": await register(graph, "EDU", "140404", ["edu-officer"]),  # ch_1's county
        "school": await register(graph, "EDU", "140406", ["school-staff"], ["sch_2"]),
        "elsewhere": await register(graph, "EDU", "140406", ["edu-officer"]),  # not ch_1's
        "health": await register(graph, "HEALTH", "140404", ["health-officer"]),
    }
    secrets = {}
    for name, client in clients.items():
        created = await add_subscription(graph, hook_settings, client_id=client.client_id,
                                         url=receiver.url(name), events=ALL)
        assert created.secret.startswith("whsec_")
        secrets[name] = created.secret
    officer = Subject(kind="client", id=clients["county"].client_id, department="EDU",
                      region="140404", roles=frozenset({"edu-officer"}))
    transition = await scenario(graph, officer)

    outbox = await graph.run("MATCH (e:OutboxEvent) RETURN e {.*} AS e ORDER BY e.occurredAt")
    assert [row["e"]["kind"] for row in outbox] == SCENARIO
    for row in outbox:  # ids only: nothing else about the child is in the outbox
        assert set(row["e"]) == {"id", "kind", "occurredAt", "childId", "childIds", "about",
                                 "organisations", "regions", "pending"}
        assert row["e"]["childId"] == "ch_1"

    assert await backlog(graph) == {"events": 5, "pending": 0, "failed": 0}

    def done() -> bool:
        return (len(receiver.accepted("county")) == 5 and len(receiver.accepted("school")) == 5
                and len(receiver.accepted("health")) == 1)

    await deliver_until(graph, hook_settings, done)

    # Every event of the scenario reached the county bureau exactly once, after a refused try.
    for name, kinds in (("county", SCENARIO), ("school", SCENARIO),
                        ("health", ["PLACEMENT_ENDED"])):
        accepted = [verified(secrets[name], r) for r in receiver.accepted(name)]
        assert sorted(m["data"]["kind"] for m in accepted) == sorted(kinds), name
        assert len({m["id"] for m in accepted}) == len(kinds)  # once each
        assert len(receiver.to(name)) == 2 * len(kinds)  # the first attempt of each was refused
        for request in receiver.to(name):
            verified(secrets[name], request)  # every attempt is signed
            assert request.headers["webhook-id"] == request.message["id"]
    # Outside the child's scope: not a single request, so not even an event id.
    assert receiver.to("elsewhere") == []
    # A key of one subscriber does not verify another's messages.
    with pytest.raises(Exception, match="signature"):
        verified(secrets["elsewhere"], receiver.accepted("county")[0])

    started = next(verified(secrets["school"], r) for r in receiver.accepted("school")
                   if r.message["type"] == "transition.started")
    assert set(started) == {"id", "type", "timestamp", "data"}
    assert started["data"] == {"childId": "ch_1", "kind": "TRANSITION_STARTED",
                               "transitionId": transition, "organisationIds": ["sch_2"]}
    for request in receiver.requests:
        assert "张小明" not in request.body.decode()  # the child's name never leaves

    assert await backlog(graph) == {"events": 0, "pending": 0, "failed": 0}
    log = await delivery_log(graph, limit=100)
    by_client = {name: [d for d in log if d["client"] == c.client_id]
                 for name, c in clients.items()}
    assert {d["status"] for d in by_client["county"]} == {"DELIVERED"}
    assert all(d["attempts"] == 2 and d["codes"] == [503, 200] for d in by_client["county"])
    assert {(d["status"], d["skipReason"]) for d in by_client["elsewhere"]} == {
        ("SKIPPED", "OUT_OF_SCOPE")}
    assert sorted(d["status"] for d in by_client["health"]) == ["DELIVERED"] + ["SKIPPED"] * 4

    # Each attempt is in the audit log as a disclosure about ch_1 to the subscriber's client.
    audited = await audit_events(graph)
    assert len(audited) == len(receiver.requests) == 22
    for event in audited:
        assert event["action"] == "R" and event["children"] == ["ch_1"]
        assert event["subjectKind"] == "client"
        assert event["subjectId"] != clients["elsewhere"].client_id
    county = [e for e in audited if e["subjectId"] == clients["county"].client_id]
    assert sorted(e["operationName"] for e in county) == sorted(SCENARIO * 2)
    assert {json.loads(e["detail"])["eventId"] for e in county} == {r["e"]["id"] for r in outbox}


async def test_a_change_rolled_back_leaves_no_event(graph: Graph) -> None:
    await seed(graph)
    officer = Subject(kind="client", id="edu", department="EDU", region="140404",
                      roles=frozenset({"edu-officer"}))
    start = StartTransition(child_id="ch_1", to_stage=Stage.JUNIOR,
                            to_type=PlacementType.SPECIAL_SCHOOL,
                            receiving_organisation_id="sch_2", planned_date=today())
    with pytest.raises(RuntimeError):
        async with graph.transaction() as tx:
            await start_transition(tx, officer, start)
            raise RuntimeError("the rest of the mutation failed")
    assert await graph.run("MATCH (e:OutboxEvent) RETURN e.id") == []
    async with graph.transaction() as tx:
        await start_transition(tx, officer, start)
    with pytest.raises(Conflict):  # a second open transition is refused: no second event
        async with graph.transaction() as tx:
            await start_transition(tx, officer, start)
    rows = await graph.run("MATCH (e:OutboxEvent) RETURN e.kind AS kind")
    assert rows == [{"kind": "TRANSITION_STARTED"}]


async def test_review_item_reaches_only_reviewers_of_its_region(
    graph: Graph, hook_settings: Settings, receiver: Receiver
) -> None:
    await seed(graph)
    await graph.write("CREATE (:Child {id: 'ch_4', regionCode: '140404'})")
    reviewer = await register(graph, "EDU", "140404", ["edu-officer"])  # link: reviews
    health = await register(graph, "HEALTH", "140404", ["health-officer"])  # no link
    keys = {}
    for name, client in (("reviewer", reviewer), ("health", health)):
        keys[name] = (await add_subscription(
            graph, hook_settings, client_id=client.client_id, url=receiver.url(name),
            events=["DUPLICATE_CANDIDATE_OPENED"])).secret
    items = [{"pair": "ch_3|ch_4", "id": "dup_1", "reason": "NEAR_MATCH", "first": "ch_3",
              "second": "ch_4"}]
    for _ in range(2):  # the second load finds the item open: no new event
        async with graph.transaction() as tx:
            await write_links(tx, LinkWrites([], [], [], items), dt.datetime.now(dt.UTC))
    await deliver_until(graph, hook_settings, lambda: len(receiver.accepted("reviewer")) == 1)
    message = verified(keys["reviewer"], receiver.accepted("reviewer")[0])
    assert message["type"] == "duplicate_candidate.opened"
    assert message["data"]["duplicateCandidateId"] == "dup_1"
    assert message["data"]["childIds"] == ["ch_3", "ch_4"]
    assert receiver.to("health") == []


async def test_retries_end_failed_after_the_window_and_redeliver_starts_again(
    graph: Graph, hook_settings: Settings, receiver: Receiver
) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    await add_subscription(graph, hook_settings, client_id=county.client_id,
                           url=receiver.url("county"), events=["DROPOUT_CASE_OPENED"])
    officer = Subject(kind="client", id=county.client_id, department="EDU", region="140404",
                      roles=frozenset({"edu-officer"}))
    async with graph.transaction() as tx:
        await open_dropout_case(tx, officer, OpenDropoutCase(child_id="ch_1", date=today(),
                                                             reason="未返校"))
    receiver.always_fail = True
    short = hook_settings.model_copy(update={"webhook_retry_window_seconds": 1.0})

    async def status() -> str | None:
        log = await delivery_log(graph)  # empty until the event is fanned out
        return str(log[0]["status"]) if log else None

    worker = deliverer(graph, short)
    try:
        deadline = time.monotonic() + 20
        while await status() != "FAILED":
            assert time.monotonic() < deadline
            await worker.round()
            await asyncio.sleep(0.1)
        [entry] = await delivery_log(graph)
        assert entry["attempts"] >= 3 and set(entry["codes"]) == {503}
        assert (await backlog(graph))["failed"] == 1
        times = [dt.datetime.fromisoformat(t) for t in entry["times"]]
        assert (times[-1] - times[0]).total_seconds() >= 1.0  # retried for the whole window
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert gaps[0] >= 0.1  # back-off, not a busy loop
        receiver.always_fail = False
        assert await redeliver(graph, entry["event"]) == 1
        await worker.round()
    finally:
        await worker.close()
    assert await status() == "DELIVERED"
    assert len(receiver.accepted("county")) == 1


def test_cli_adds_lists_and_removes_a_subscription(graph: Graph) -> None:
    runner = CliRunner()
    # The graph fixture has emptied the database; a client to subscribe.
    created = runner.invoke(cli, ["clients", "add", "--department", "EDU", "--region", "140404",
                                  "--roles", "edu-officer"])
    assert created.exit_code == 0, created.output
    client = next(word for word in created.output.split() if word.startswith("cl_"))
    added = runner.invoke(cli, ["webhooks", "add", "--client", client, "--url",
                                "https://edu.example/hooks", "--events",
                                "TRANSITION_STARTED,DROPOUT_CASE_OPENED"])
    assert added.exit_code == 0, added.output
    secret = added.output.split()[-1]
    assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32
    listed = runner.invoke(cli, ["webhooks", "list"])
    assert client in listed.output and "whsec_" not in listed.output
    wrong = runner.invoke(cli, ["webhooks", "add", "--client", client, "--url",
                                "https://edu.example/hooks", "--events", "CHILD_READ"])
    assert wrong.exit_code == 1 and "events" in wrong.output
    subscription = next(word for word in added.output.split() if word.startswith("whk_"))
    removed = runner.invoke(cli, ["webhooks", "remove", subscription])
    assert removed.exit_code == 0, removed.output
    assert "REMOVED" in runner.invoke(cli, ["webhooks", "list"]).output


async def test_event_committed_before_a_kill_is_delivered_after_restart(
    graph: Graph, hook_settings: Settings, receiver: Receiver, tmp_path: Path
) -> None:
    """``hub serve`` killed (SIGKILL) after a mutation committed and before its worker ran:
    the next hub delivers the event from the outbox."""
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    secret = (await add_subscription(graph, hook_settings, client_id=county.client_id,
                                     url=receiver.url("county"),
                                     events=["TRANSITION_STARTED"])).secret
    receiver.fail_first = False
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = serve_env(port, tmp_path / "keys", tmp_path / "audit", HUB_WEBHOOK_POLL_SECONDS="0.2")
    log = tmp_path / "hub.log"
    start = """mutation ($input: StartTransitionInput!) {
      startTransition(input: $input) { id status } }"""
    planned = {"childId": "ch_1", "toStage": "JUNIOR", "toType": "SPECIAL_SCHOOL",
               "receivingOrganisationId": "sch_2", "plannedDate": today().isoformat()}
    # The first hub's worker would start in an hour: it is killed with the event committed.
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "shell", "serve"],
            env={**env, "HUB_WEBHOOK_START_DELAY_SECONDS": "3600"},
            stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log)
            async with httpx.AsyncClient(base_url=base) as client:
                token = await token_for(client, county)
                response = await gql(client, token, start, {"input": planned},
                                     purpose="TRANSITION_HANDOVER")
            assert response.status_code == 200 and "errors" not in response.json()
            transition = response.json()["data"]["startTransition"]["id"]
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(10)
    assert server.returncode == -signal.SIGKILL
    pending = await graph.run("MATCH (e:OutboxEvent) RETURN e.id AS id, e.pending AS pending")
    assert [row["pending"] for row in pending] == [True]
    assert receiver.requests == []

    with log.open("a") as out:
        server = subprocess.Popen([sys.executable, "-m", "shell", "serve"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log)
            deadline = time.monotonic() + 30
            while not receiver.accepted("county"):
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.0)  # a second delivery would arrive here
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
    [request] = receiver.to("county")
    message = verified(secret, request)
    assert message["id"] == pending[0]["id"] == request.headers["webhook-id"]
    assert message["data"]["transitionId"] == transition
    # The restarted hub audited the delivery (its journal shipped at shutdown).
    [audited] = await audit_events(graph)
    assert (audited["subjectId"], audited["children"]) == (county.client_id, ["ch_1"])


async def test_school_status_snapshots_tell_of_placements_they_end(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    """An edu-status snapshot that ends a placement the hub knew open (转出), and a complete
    one that no longer lists a pupil (left the roll), each write one PLACEMENT_ENDED."""
    from tests.test_ingest import b_row, edu_row
    from tests.test_snapshots import JUNE, SEPTEMBER, snapshot

    protector = IdProtector(settings)

    async def ended() -> list[dict[str, Any]]:
        return await graph.run(
            "MATCH (e:OutboxEvent {kind: 'PLACEMENT_ENDED'}) MATCH (c:Child {id: e.childId}) "
            "MATCH (p:Placement {id: e.about}) RETURN c.name AS child, p.endedBy AS endedBy, "
            "p.endReason AS reason ORDER BY e.occurredAt")

    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row(**{"学籍状态": "毕业"})])
    assert await ended() == []  # a first listing, already ended, was never known open
    await snapshot(graph, protector, tmp_path, SEPTEMBER,
                   [edu_row(**{"学籍状态": "转出"}), b_row(**{"学籍状态": "毕业"})])
    await snapshot(graph, protector, tmp_path, SEPTEMBER,
                   [edu_row(**{"学籍状态": "转出"}), b_row(**{"学籍状态": "毕业"})])  # again
    assert await ended() == [
        {"child": "阿依古丽·买买提", "endedBy": "SNAPSHOT", "reason": "TRANSFERRED"}]

    await graph.empty()  # a pupil on a school's roll in June and missing in October
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    october = dt.date(2025, 10, 15)
    report = await snapshot(graph, protector, tmp_path, october, [b_row()])
    assert report.left_roll == 1
    assert await ended() == [
        {"child": "阿依古丽·买买提", "endedBy": "SNAPSHOT", "reason": "LEFT_ROLL"}]


async def test_the_hubs_own_checks_write_their_events_once(graph: Graph) -> None:
    """``hub transitions check`` and ``hub dropout check`` write one event per transition
    they record stalled and per case they open, in the same statement; a rerun writes none."""
    from hub.workflows import check_dropout
    from tests.test_indicators_graph import AS_OF, load

    await load(graph)
    for _ in range(2):
        await check_transitions(graph, AS_OF, 30)
        await check_dropout(graph, "2025-09", today=dt.date(2026, 6, 30))
    rows = await graph.run(
        "MATCH (e:OutboxEvent) OPTIONAL MATCH (c:Child)-[:HAS_FACT]->(f {id: e.about}) "
        "RETURN e.kind AS kind, e.childId AS child, c.id AS owner, labels(f) AS labels "
        "ORDER BY kind, child")
    assert [(r["kind"], r["child"]) for r in rows] == [
        ("DROPOUT_CASE_OPENED", "ch_s"), ("TRANSITION_STALLED", "ch_f"),
        ("TRANSITION_STALLED", "ch_s")]
    assert all(r["owner"] == r["child"] for r in rows)  # each names the fact of its child


async def test_metrics_show_the_webhook_queue(
    graph: Graph, hook_settings: Settings, receiver: Receiver, tmp_path: Path
) -> None:
    """``/metrics`` holds ``hub_webhook_queue`` by state; the app's own worker empties it."""
    from prometheus_client.parser import text_string_to_metric_families

    from tests.auth_helpers import http_client

    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    await add_subscription(graph, hook_settings, client_id=county.client_id,
                           url=receiver.url("county"), events=["DROPOUT_CASE_OPENED"])
    officer = Subject(kind="client", id=county.client_id, department="EDU", region="140404",
                      roles=frozenset({"edu-officer"}))
    async with graph.transaction() as tx:
        await open_dropout_case(tx, officer, OpenDropoutCase(child_id="ch_1", date=today(),
                                                             reason="未返校"))

    def queue(text: str) -> dict[str, float]:
        return {s.labels["state"]: s.value for family in text_string_to_metric_families(text)
                for s in family.samples if s.name == "hub_webhook_queue"}

    idle = hook_settings.model_copy(update={"keys_dir": tmp_path / "keys",
                                            "webhook_worker": False})
    async with http_client(idle) as client:
        assert queue((await client.get("/metrics")).text) == {
            "events": 1.0, "pending": 0.0, "failed": 0.0}
    working = idle.model_copy(update={"webhook_worker": True, "webhook_poll_seconds": 0.1})
    async with http_client(working) as client:
        deadline = time.monotonic() + 20
        while not receiver.accepted("county"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        assert queue((await client.get("/metrics")).text) == {
            "events": 0.0, "pending": 0.0, "failed": 0.0}

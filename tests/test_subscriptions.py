"""GraphQL subscriptions over graphql-transport-ws (issue 16 item 4), on the real Neo4j.

The hub is served by uvicorn on a real socket (the app ``hub serve`` runs, in this process so
its settings can be shortened); a department's client speaks the protocol with the
``websockets`` library. Changes are written through the recording services, as the API writes
them; what each subscriber receives is checked against its scope and the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from strawberry.types import ExecutionResult
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from auth import clients
from auth.policy import default_policy
from auth.tokens import TokenService
from auth.trusted import document_hash
from hub.graph import Graph
from hub.services.common import today
from hub.services.dropout import OpenDropoutCase, open_dropout_case
from hub.services.transitions import StartTransition, start_transition
from hub.settings import Settings
from hub.subject import Subject
from hub.vocabulary import PlacementType, Stage
from notify.stream import Behind, EventStream, Listener
from schema import cost
from schema.api import build_schema
from schema.subscriptions import SubscriptionContext
from schema.trusted import Entry, prepare
from shell.app import create_app
from tests.auth_helpers import register, token_for
from tests.graphql_helpers import seed
from tests.processes import free_port

PROTOCOL = "graphql-transport-ws"
EVENTS = """subscription Events($kinds: [EventKind!], $after: ID) {
  hubEvents(kinds: $kinds, after: $after) {
    id kind occurredAt childId childIds transitionId dropoutCaseId placementId
    duplicateCandidateId organisationIds
  }
}"""


@dataclass
class Hub:
    app: Starlette
    base: str

    @property
    def ws(self) -> str:
        return self.base.replace("http://", "ws://") + "/graphql"


@pytest.fixture
def conf(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    """Intervals shortened to fractions of a second; the audit commits to the graph."""
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True,
        "audit_enabled": True, "audit_journal": False,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "webhook_worker": False, "token_status_cache_seconds": 0.3,
        "subscription_poll_seconds": 0.1, "subscription_recheck_seconds": 0.3,
    })


@asynccontextmanager
async def serving(conf: Settings) -> AsyncIterator[Hub]:
    app = create_app(conf)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the hub did not start"
            await asyncio.sleep(0.05)
        yield Hub(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)


async def scraped(hub: Hub) -> dict[str, float]:
    """``/metrics`` as series → value, labels written as Prometheus writes them."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(base_url=hub.base) as client:
        text = (await client.get("/metrics")).text
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            found[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return found


async def token(hub: Hub, registered: clients.Registered) -> str:
    async with httpx.AsyncClient(base_url=hub.base) as client:
        return await token_for(client, registered)


@asynccontextmanager
async def subscriber(hub: Hub, payload: dict[str, Any], variables: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None
                     ) -> AsyncIterator[ClientConnection]:
    """A connection acknowledged and subscribed to hubEvents (id "1"), once the hub listens."""
    before = hub.app.state.events.listeners
    async with connect(hub.ws, subprotocols=[PROTOCOL],  # type: ignore[list-item]
                       additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": EVENTS, "variables": variables or {}}}))
        await until(lambda: bool(hub.app.state.events.listeners - before))
        yield ws


async def until(done: Any, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not done():
        assert asyncio.get_running_loop().time() < deadline, "not in time"
        await asyncio.sleep(0.05)


async def next_event(ws: ClientConnection, seconds: float = 10) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), seconds))
    assert message["type"] == "next" and message["id"] == "1", message
    assert "errors" not in message["payload"], message
    event: dict[str, Any] = message["payload"]["data"]["hubEvents"]
    return event


async def nothing_more(ws: ClientConnection, seconds: float = 1.0) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ws.recv(), seconds)


async def close_code(ws: ClientConnection, seconds: float = 10) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), seconds)
    return closed.value.rcvd.code if closed.value.rcvd else None


async def slots_free(graph: Graph) -> None:
    for _ in range(100):
        if await graph.run("MATCH (s:SubscriptionSlots) RETURN s.ids AS ids") == [{"ids": []}]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("a connection kept its slot")


def officer(client_id: str, region: str) -> Subject:
    return Subject(kind="client", id=client_id, department="EDU", region=region,
                   roles=frozenset({"edu-officer"}))


async def start(graph: Graph, who: Subject) -> str:
    """ch_1 (上党区 140404) planned towards 潞城区特殊教育学校 (sch_2, 140406)."""
    async with graph.transaction() as tx:
        return await start_transition(tx, who, StartTransition(
            child_id="ch_1", to_stage=Stage.JUNIOR, to_type=PlacementType.SPECIAL_SCHOOL,
            receiving_organisation_id="sch_2", planned_date=today()))


async def open_case(graph: Graph, who: Subject, child: str) -> str:
    async with graph.transaction() as tx:
        return await open_dropout_case(tx, who, OpenDropoutCase(
            child_id=child, date=today(), reason="未返校 did not return"))


async def audited(graph: Graph) -> list[dict[str, Any]]:
    rows = await graph.run(
        "MATCH (e:AuditEvent {kind: 'webhook', operationType: 'subscription'}) "
        "RETURN e {.*} AS e ORDER BY e.seq")
    return [row["e"] for row in rows]


async def test_each_subscriber_receives_the_events_in_its_scope_audited(
    graph: Graph, conf: Settings
) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])  # ch_1's county
    elsewhere = await register(graph, "EDU", "140406", ["edu-officer"])  # ch_2's, not ch_1's
    async with serving(conf) as hub:
        county_token, elsewhere_token = await token(hub, county), await token(hub, elsewhere)
        # Both ways of giving the token and the purpose: the payload, the upgrade's headers.
        async with subscriber(hub, {"Authorization": f"Bearer {county_token}",
                                    "purpose": "TRANSITION_HANDOVER"}) as county_ws, \
                subscriber(hub, {}, headers={"Authorization": f"Bearer {elsewhere_token}",
                                             "X-Purpose-Of-Use": "DROPOUT_CONTROL"}
                           ) as elsewhere_ws:
            assert hub.app.state.events.listening == 2
            polls = hub.app.state.events.polls
            before = await scraped(hub)
            assert before["hub_subscriptions"] == 2
            transition = await start(graph, officer(county.client_id, "140404"))
            event = await next_event(county_ws)
            assert event == {
                "id": event["id"], "kind": "TRANSITION_STARTED", "occurredAt": event["occurredAt"],
                "childId": "ch_1", "childIds": ["ch_1"], "transitionId": transition,
                "dropoutCaseId": None, "placementId": None, "duplicateCandidateId": None,
                "organisationIds": ["sch_2"]}
            occurred = dt.datetime.fromisoformat(event["occurredAt"])  # ISO 8601, UTC
            assert event["occurredAt"].endswith("Z") and "T" in event["occurredAt"]
            assert abs((dt.datetime.now(dt.UTC) - occurred).total_seconds()) < 30
            # ch_2's case is the other county's: only its subscriber is told, and, the stream
            # being in order, the first thing it hears — it was never told of ch_1.
            case = await open_case(graph, officer(elsewhere.client_id, "140406"), "ch_2")
            theirs = await next_event(elsewhere_ws)
            assert (theirs["kind"], theirs["childId"], theirs["dropoutCaseId"]) == (
                "DROPOUT_CASE_OPENED", "ch_2", case)
            await nothing_more(county_ws)
            await nothing_more(elsewhere_ws, 0.2)
            # One poller for both connections: a few rounds a second, not one per connection.
            assert hub.app.state.events.polls - polls < 60
            after = await scraped(hub)
            for outcome in ("sent", "out_of_scope"):  # each event: once told, once not
                key = f'hub_subscription_events_total{{outcome="{outcome}"}}'
                assert after[key] - before.get(key, 0) == 2
        await until(lambda: hub.app.state.events.listening == 0)

    records = await audited(graph)
    assert [(r["subjectId"], r["children"], r["operationName"], r["purpose"]) for r in records] == [
        (county.client_id, ["ch_1"], "TRANSITION_STARTED", "TRANSITION_HANDOVER"),
        (elsewhere.client_id, ["ch_2"], "DROPOUT_CASE_OPENED", "DROPOUT_CONTROL")]
    for record in records:
        assert record["action"] == "R" and record["subtype"] == "disclose"
        assert record["subjectKind"] == "client"
    assert json.loads(records[0]["detail"])["eventId"] == event["id"]


async def refused_at_init(hub: Hub, payload: dict[str, Any],
                          headers: dict[str, str] | None = None) -> tuple[int | None, str]:
    async with connect(hub.ws, subprotocols=[PROTOCOL],  # type: ignore[list-item]
                       additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        code = await close_code(ws)
        assert ws.close_reason is not None
        return code, ws.close_reason


async def test_a_bad_token_is_closed_4403_and_audited_like_the_doors_refusals(
    graph: Graph, conf: Settings
) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    async with serving(conf) as hub:
        good = await token(hub, county)
        forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        for payload, headers in (({}, None), ({"token": "not-a-token"}, None),
                                 ({"Authorization": f"Bearer {forged}"}, None),
                                 ({}, {"Authorization": "Bearer not-a-token"})):
            assert await refused_at_init(hub, payload, headers) == (
                4403, "Forbidden: a valid access token is required")
        # A purpose as the door checks it: unknown 4400; not one the roles may declare 4403.
        assert (await refused_at_init(hub, {"token": good, "purpose": "CURIOSITY"}))[0] == 4400
        assert await refused_at_init(hub, {"token": good, "purpose": "AUDIT"}) == (
            4403, "PURPOSE_NOT_ALLOWED: your roles may not declare it")
        # The legacy subprotocol is not spoken.
        async with connect(hub.ws, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
            assert await close_code(ws) == 4406
        # A subscription is not served over HTTP.
        async with httpx.AsyncClient(base_url=hub.base) as client:
            response = await client.post("/graphql", json={"query": EVENTS}, headers={
                "Authorization": f"Bearer {good}",
                "Accept": "application/graphql-response+json"})
        assert response.status_code >= 400 and "data" not in response.json()
        assert hub.app.state.events.listening == 0
    rows = await graph.run(
        "MATCH (e:AuditEvent {kind: 'graphql', operationType: 'subscription'}) "
        "RETURN e.outcome AS outcome, e.subjectId AS subject, e.errorCodes AS codes "
        "ORDER BY e.seq")
    assert [r["outcome"] for r in rows] == ["unauthenticated"] * 4 + ["error", "forbidden"]
    assert rows[-1]["subject"] == county.client_id
    assert rows[-1]["codes"] == ["PURPOSE_NOT_ALLOWED"]


async def test_a_revoked_client_is_disconnected_within_seconds(
    graph: Graph, conf: Settings
) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    async with serving(conf) as hub:
        async with subscriber(hub, {"token": await token(hub, county)}) as ws:
            await clients.revoke(graph, county.client_id)  # `hub clients revoke`
            started = asyncio.get_running_loop().time()
            assert await close_code(ws) == 4403
            assert ws.close_reason == "Forbidden: token expired or revoked"
            # The status interval (0.3 s) and the check's (0.3 s), with room to spare.
            assert asyncio.get_running_loop().time() - started < 3
        await until(lambda: hub.app.state.events.listening == 0)
        await slots_free(graph)  # the connection gave its slot back


async def test_resuming_after_an_event_replays_only_what_is_in_scope(
    graph: Graph, conf: Settings
) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    edu = officer(county.client_id, "140404")
    transition = await start(graph, edu)  # before anyone subscribed
    await open_case(graph, officer("other", "140406"), "ch_2")  # another county's child
    case = await open_case(graph, edu, "ch_1")
    first = (await graph.run("MATCH (e:OutboxEvent {about: $t}) RETURN e.id AS id",
                             {"t": transition}))[0]["id"]
    async with serving(conf) as hub:
        county_token = await token(hub, county)
        # Without `after`: nothing of what happened before the subscription.
        async with subscriber(hub, {"token": county_token}) as ws:
            await nothing_more(ws, 0.5)
        # After the first event: the next one in scope; ch_2's case is not told, not even its id.
        async with subscriber(hub, {"token": county_token}, {"after": first}) as ws:
            replayed = await next_event(ws)
            assert (replayed["kind"], replayed["dropoutCaseId"]) == ("DROPOUT_CASE_OPENED", case)
            await nothing_more(ws, 0.5)
            live = await open_case(graph, edu, "ch_3")
            told = await next_event(ws)
            assert (told["childId"], told["dropoutCaseId"]) == ("ch_3", live)
        # Only the kinds asked for.
        async with subscriber(hub, {"token": county_token},
                              {"after": first, "kinds": ["TRANSITION_STALLED"]}) as ws:
            await nothing_more(ws, 0.5)
        # An id that is no event's: an error naming the argument, and the operation ends.
        async with connect(hub.ws, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"token": county_token}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": EVENTS, "variables": {"after": "evt_nonesuch"}}}))
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            errors = message["payload"]["errors"] if message["type"] == "next" \
                else message["payload"]
            assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}
    records = await audited(graph)
    assert [(r["children"], json.loads(r["detail"])["replayed"]) for r in records] == [
        (["ch_1"], True), (["ch_3"], False)]


async def test_connections_per_client_are_capped(graph: Graph, conf: Settings) -> None:
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    capped = conf.model_copy(update={"subscription_max_connections": 2})
    async with serving(capped) as hub:
        county_token = await token(hub, county)
        async with subscriber(hub, {"token": county_token}), \
                subscriber(hub, {"token": county_token}):
            assert await refused_at_init(hub, {"token": county_token}) == (
                4429, "TOO_MANY_CONNECTIONS: at most 2 per client")
        await slots_free(graph)  # both closed: their slots are given back
        await until(lambda: hub.app.state.events.listening == 0)
        async with subscriber(hub, {"token": county_token}):
            pass


async def test_a_connection_ends_4403_when_its_token_expires(
    graph: Graph, conf: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens live at least a minute: here the hub is told this one expires in a second."""
    await seed(graph)
    county = await register(graph, "EDU", "140404", ["edu-officer"])
    async with serving(conf) as hub:
        county_token = await token(hub, county)
        soon = time.time() + 1.0
        monkeypatch.setattr(TokenService, "expiry", lambda self, given: soon)
        async with connect(hub.ws, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"token": county_token}}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack"
            # The client is told when to come back with a new token.
            assert dt.datetime.fromisoformat(ack["payload"]["expiresAt"]).timestamp() == \
                pytest.approx(soon)
            assert await close_code(ws) == 4403
            assert time.time() >= soon


async def test_a_subscription_over_its_cost_budget_is_refused(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost check stops a subscription as it stops a query (schema/cost.py), coded."""
    monkeypatch.setattr(cost, "budget_of", lambda context: 3)
    schema = build_schema(settings)
    stream = await schema.subscribe("subscription { hubEvents { id kind childId childIds } }",
                                    context_value=SubscriptionContext(graph=None,  # type: ignore[arg-type]
                                                                      settings=settings))
    assert not isinstance(stream, ExecutionResult)
    first = await anext(stream)
    assert [e.extensions for e in first.errors or []] == [
        {"code": "COST_LIMIT", "cost": 5, "budget": 3}]


async def test_the_webhook_scenario_reaches_subscribers_as_it_reaches_webhooks(
    graph: Graph, conf: Settings
) -> None:
    """tests/test_webhooks.py's scenario (transition started, handed over, placement ended,
    stalled; dropout case opened): each subscriber is told what its webhook is told, with the
    webhook's ids."""
    from tests.test_webhooks import SCENARIO, scenario

    await seed(graph)
    registered = {
        "county": await register(graph, "EDU", "140404", ["edu-officer"]),
        "school": await register(graph, "EDU", "140406", ["school-staff"], ["sch_2"]),
        "health": await register(graph, "HEALTH", "140404", ["health-officer"]),
    }
    expected = {"county": SCENARIO, "school": SCENARIO, "health": ["PLACEMENT_ENDED"]}
    async with serving(conf) as hub, contextlib.AsyncExitStack() as stack:
        sockets = {name: await stack.enter_async_context(
                       subscriber(hub, {"token": await token(hub, client)}))
                   for name, client in registered.items()}
        await scenario(graph, officer(registered["county"].client_id, "140404"))
        told = {name: [await next_event(ws) for _ in expected[name]]
                for name, ws in sockets.items()}
        for ws in sockets.values():
            await nothing_more(ws, 0.5)
    outbox = {row["id"]: row["kind"] for row in await graph.run(
        "MATCH (e:OutboxEvent) RETURN e.id AS id, e.kind AS kind")}
    for name, events in told.items():
        assert sorted(e["kind"] for e in events) == sorted(expected[name]), name
        assert all(outbox[e["id"]] == e["kind"] for e in events)  # the webhook-id
    assert [e["kind"] for e in told["county"]] == SCENARIO  # in the order they happened
    records = await audited(graph)
    assert len(records) == 11 and all(r["children"] == ["ch_1"] for r in records)


async def test_the_stream_tells_an_event_that_commits_late_once_and_nothing_older(
    graph: Graph, conf: Settings
) -> None:
    """An event's time is taken when its statement runs; it may commit later, behind the
    poller's cursor: looked back for, told once. What occurred before the look-back is not."""
    # The stream's own rounds a minute apart: the rounds below are the test's.
    stream = EventStream(graph, conf.model_copy(update={"subscription_poll_seconds": 60}))

    async def event(seconds_ago: int) -> str:
        rows = await graph.write(
            "CREATE (e:OutboxEvent {id: 'evt_' + replace(randomUUID(), '-', ''), "
            "kind: 'DROPOUT_CASE_OPENED', occurredAt: datetime() - duration({seconds: $ago}), "
            "childId: 'ch_1', childIds: ['ch_1'], about: 'dpc_1', organisations: [], "
            "regions: [], pending: true}) RETURN e.id AS id", {"ago": seconds_ago})
        return str(rows[0]["id"])

    before = await event(0)  # committed before anyone listened
    async with stream.listen() as listener:
        await asyncio.sleep(0.3)  # its first round, right after it started, is over
        late = await event(10)  # within the 30 s look-back
        await event(120)  # long before it
        for _ in range(3):
            await stream.poll()
        told = []
        while not listener.queue.empty():
            told.append((await listener.get())["id"])
    assert told == [late]
    assert before not in told
    assert stream.listening == 0  # the poller stopped with its last listener


def test_a_listener_too_far_behind_ends_its_subscription() -> None:
    listener = Listener(limit=2)
    for n in range(3):
        listener.put({"id": f"evt_{n}"})
    with pytest.raises(Behind):
        asyncio.run(listener.get())


async def test_a_client_with_registered_documents_subscribes_with_those_only(
    graph: Graph, conf: Settings
) -> None:
    """Trusted documents (schema/trusted.py) hold over WebSocket as over HTTP: by its hash or
    in full, a registered subscription runs; any other is refused, coded and audited."""
    await seed(graph)
    edu = Subject(kind="client", id="new", department="EDU", region="140404",
                  roles=frozenset({"edu-officer"}))
    [document] = prepare(build_schema(conf), conf, default_policy(), edu, [Entry("Events", EVENTS)])
    listed = await clients.add_client(graph, default_policy(), name="trusted", department="EDU",
                                      region="140404", roles=["edu-officer"],
                                      documents=[document])
    async with serving(conf) as hub:
        listed_token = await token(hub, listed)
        async with connect(hub.ws, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"token": listed_token}}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            other = "subscription { hubEvents { id } }"
            await ws.send(json.dumps({"id": "x", "type": "subscribe",
                                      "payload": {"query": other}}))
            refused = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert refused["type"] == "error" and refused["id"] == "x"
            assert refused["payload"][0]["extensions"] == {
                "code": "PERSISTED_DOCUMENT_NOT_ALLOWED"}
            before = hub.app.state.events.listeners
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "documentId": f"sha256:{document.hash}", "variables": {}}}))
            await until(lambda: bool(hub.app.state.events.listeners - before))
            case = await open_case(graph, officer(listed.client_id, "140404"), "ch_1")
            assert (await next_event(ws))["dropoutCaseId"] == case
    [audited_refusal] = await graph.run(
        "MATCH (e:AuditEvent {kind: 'graphql', operationType: 'subscription'}) "
        "RETURN e.errorCodes AS codes, e.documentHash AS hash, e.subjectId AS subject")
    assert audited_refusal == {"codes": ["PERSISTED_DOCUMENT_NOT_ALLOWED"],
                               "hash": document_hash(other), "subject": listed.client_id}


async def test_with_auth_switched_off_a_dev_hub_tells_every_event(
    graph: Graph, conf: Settings
) -> None:
    """`HUB_AUTH_ENABLED=false` (dev, benchmarks' baseline; refused in production): no token
    is asked for and no scope applies, as over HTTP."""
    await seed(graph)
    async with serving(conf.model_copy(update={"auth_enabled": False})) as hub, \
            subscriber(hub, {}) as ws:
        case = await open_case(graph, officer("dev", "140406"), "ch_2")
        assert (await next_event(ws))["dropoutCaseId"] == case

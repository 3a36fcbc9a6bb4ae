"""``/metrics`` and traces (issue 16): the named series after real requests, bounded labels,
who may scrape, and spans from a real ``hub serve`` asked for them by ``OTEL_*``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from auth.clients import Registered
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, http_client, register, token_for
from tests.graphql_helpers import seed
from tests.processes import free_port, serve_env, wait_ready

TIMELINE = '{ childTimeline(childId: "ch_1") { id } }'


@pytest.fixture
def hub_settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True, "audit_enabled": True,
        "audit_signing_key_file": tmp_path / "audit" / "ed25519.pem",
        "audit_journal_dir": tmp_path / "audit" / "journal",
    })


@pytest.fixture
async def edu(graph: Graph) -> Registered:
    await seed(graph)
    return await register(graph, "EDU", "140404", ["edu-officer"])


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels (parsed by prometheus_client's parser)."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return sum(v for (n, ls), v in found.items()
               if n == name and set(labels.items()) <= set(ls))


async def test_a_scrape_holds_the_named_series_after_real_requests(
    hub_settings: Settings, edu: Registered
) -> None:
    async with http_client(hub_settings) as client:
        before = samples((await client.get("/metrics")).text)
        token = await token_for(client, edu)
        for _ in range(3):
            answer = await gql(client, token, TIMELINE, purpose="SERVICE_DELIVERY")
            assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
        refused = await gql(client, "not-a-token", TIMELINE)
        assert refused.status_code == 401
        scrape = await client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    after = samples(scrape.text)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("hub_http_requests_total", route="/graphql", method="POST", status="200") == 3
    assert grew("hub_http_requests_total", route="/graphql", status="401") == 1
    assert grew("hub_http_request_duration_seconds_count", route="/graphql") == 4
    # The operation is named by its type and root fields, and counted by its audit outcome.
    assert grew("hub_graphql_operations_total", operation="query childTimeline",
                outcome="ok") == 3
    assert grew("hub_graphql_operation_duration_seconds_count",
                operation="query childTimeline") == 3
    assert grew("hub_neo4j_queries_total", access="read") >= 3
    assert grew("hub_neo4j_query_duration_seconds_count", access="read") >= 3
    assert value(after, "hub_neo4j_pool_max_size") == 64
    # The shipper may hold one for the audit events at the moment of the scrape.
    assert 0 <= value(after, "hub_neo4j_sessions_in_use") <= 2
    # The journal's lag is read at scrape time; everything answered was journalled.
    assert ("hub_audit_journal_lag_seconds", frozenset()) in after
    assert ("hub_audit_journal_unshipped_events", frozenset()) in after
    # No personal data in any series: the child's id and name appear nowhere.
    assert "ch_1" not in scrape.text and "张小明" not in scrape.text


async def test_labels_are_bounded_by_the_code_not_by_the_client(
    hub_settings: Settings, edu: Registered
) -> None:
    """A client cannot mint series: unknown paths are one route, operation names unused."""
    async with http_client(hub_settings) as client:
        token = await token_for(client, edu)
        for n in range(5):
            await client.get(f"/no-such-page-{n}")
        named = await client.post(
            "/graphql", json={"query": "query Evil_42 { childTimeline(childId: \"ch_1\") "
                                       "{ id } }"},
            headers={"Authorization": f"Bearer {token}",
                     "X-Purpose-Of-Use": "SERVICE_DELIVERY"})
        assert named.status_code == 200
        text = (await client.get("/metrics")).text
    assert "no-such-page" not in text and "Evil_42" not in text
    assert value(samples(text), "hub_http_requests_total", route="other", status="404") >= 5


async def test_who_may_scrape(settings: Settings, hub_settings: Settings, graph: Graph) -> None:
    guarded = hub_settings.model_copy(update={"metrics_token": SecretStr("s3cret-scrape-token")})
    async with http_client(guarded) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/metrics",
                                 headers={"Authorization": "Bearer s3cret-scrape-token"})
        assert right.status_code == 200 and "hub_http_requests_total" in right.text
    # Production without a token: not served at all, with a code saying how to enable it.
    closed = hub_settings.model_copy(update={"env": "prod"})
    async with http_client(closed) as client:
        refused = await client.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "METRICS_DISABLED"


async def test_traces_are_exported_when_otel_variables_ask(
    hub_settings: Settings, edu: Registered, tmp_path: Path
) -> None:
    """``OTEL_TRACES_EXPORTER=console``: a real server writes a span per request, per Neo4j
    round trip, without the child's id or any Cypher parameter."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = serve_env(port, hub_settings.keys_dir, hub_settings.audit_journal_dir.parent,
                    OTEL_TRACES_EXPORTER="console", OTEL_SERVICE_NAME="hub-under-test")
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "shell", "serve"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log)
            async with httpx.AsyncClient(base_url=base) as client:
                token = await token_for(client, edu)
                answer = await gql(client, token, TIMELINE, purpose="SERVICE_DELIVERY")
                assert answer.status_code == 200
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(20)
    spans = []
    for line in log.read_text().splitlines():
        try:
            found = json.loads(line)
        except ValueError:
            continue
        if isinstance(found, dict) and "context" in found and "name" in found:
            spans.append(found)
    names = [s["name"] for s in spans]
    assert "POST /graphql" in names and "neo4j read" in names
    request = next(s for s in spans if s["name"] == "POST /graphql"
                   and s["attributes"].get("graphql.operation") == "query childTimeline")
    assert request["resource"]["attributes"]["service.name"] == "hub-under-test"
    # The round trips of that request are its children, in the same trace.
    reads = [s for s in spans if s["name"] == "neo4j read"
             and s["context"]["trace_id"] == request["context"]["trace_id"]]
    assert reads and all(s["parent_id"] for s in reads)
    assert "ch_1" not in json.dumps(spans) and "张小明" not in json.dumps(spans)

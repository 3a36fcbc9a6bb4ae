"""Revocation within seconds: a revoked or rotated client's tokens stop on every hub process.

Each app below is a hub process of its own (its own TokenService and caches) on the one graph;
the status interval is shortened through the settings, as an operator would set it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from auth import clients
from auth.policy import default_policy
from auth.standing import STATUS_QUERIES
from hub.graph import Graph, counting
from hub.settings import Settings
from tests.auth_helpers import gql, http_client, register, token_for

QUERY = "{ children(first: 1) { totalCount } }"
INTERVAL_S = 0.3


@pytest.fixture
def conf(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    return settings.model_copy(update={
        "keys_dir": tmp_path / "keys", "auth_enabled": True,
        "token_status_cache_seconds": INTERVAL_S})


async def _refused_like_any_bad_token(client: httpx.AsyncClient, token: str) -> None:
    bad = await gql(client, "not-a-token", QUERY)
    response = await gql(client, token, QUERY)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="hub", error="invalid_token"'
    assert response.text == bad.text  # nothing tells a revoked client from a forged token


async def test_a_revoked_clients_tokens_stop_on_every_process_within_the_interval(
    graph: Graph, conf: Settings
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as one, http_client(conf) as other:
        token = await token_for(one, registered)
        # Both processes have verified the token and hold the client's status.
        assert (await gql(one, token, QUERY)).status_code == 200
        assert (await gql(other, token, QUERY)).status_code == 200
        await clients.revoke(graph, registered.client_id)  # `hub clients revoke`, elsewhere
        await asyncio.sleep(INTERVAL_S + 0.05)
        await _refused_like_any_bad_token(one, token)
        await _refused_like_any_bad_token(other, token)


async def test_rotation_refuses_tokens_of_the_old_secret_at_once_and_accepts_new_ones(
    graph: Graph, conf: Settings
) -> None:
    # The longest interval allowed: what follows must not depend on it running out.
    slow = conf.model_copy(update={"token_status_cache_seconds": 10.0})
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(slow) as one, http_client(slow) as other:
        old = await token_for(one, registered)
        assert (await gql(one, old, QUERY)).status_code == 200
        assert (await gql(other, old, QUERY)).status_code == 200
        secret = await clients.rotate_secret(graph, registered.client_id)
        new = await token_for(one, clients.Registered(registered.client_id, secret))
        # A token newer than what a process holds makes it read again: the new one works at
        # once, and from then on that process refuses the old one.
        assert (await gql(one, new, QUERY)).status_code == 200
        await _refused_like_any_bad_token(one, old)
        assert (await gql(other, new, QUERY)).status_code == 200
        await _refused_like_any_bad_token(other, old)


async def test_a_rotated_clients_old_token_stops_within_the_interval_without_a_new_one(
    graph: Graph, conf: Settings
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as client:
        old = await token_for(client, registered)
        assert (await gql(client, old, QUERY)).status_code == 200
        await clients.rotate_secret(graph, registered.client_id)
        await asyncio.sleep(INTERVAL_S + 0.05)
        await _refused_like_any_bad_token(client, old)


async def test_registering_a_revoked_client_again_does_not_revive_its_old_tokens(
    graph: Graph, conf: Settings
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as client:
        old = await token_for(client, registered)
        await clients.revoke(graph, registered.client_id)
        await clients.add_client(graph, default_policy(), name="again", department="EDU",
                                 region="140404", roles=["edu-officer"],
                                 client_id=registered.client_id, secret=registered.secret)
        await _refused_like_any_bad_token(client, old)
        fresh = await token_for(client, registered)
        assert (await gql(client, fresh, QUERY)).status_code == 200


async def test_the_status_is_read_once_per_subject_per_interval_not_per_request(
    graph: Graph, conf: Settings
) -> None:
    slow = conf.model_copy(update={"token_status_cache_seconds": 10.0})
    first = await register(graph, "EDU", "140404", ["edu-officer"])
    second = await register(graph, "EDU", "140406", ["edu-officer"])
    async with http_client(slow) as client:
        tokens = [await token_for(client, first), await token_for(client, first),
                  await token_for(client, second)]
        async with counting() as trips:
            for _ in range(3):
                for token in tokens:
                    assert (await gql(client, token, QUERY)).status_code == 200
            # requests that arrive together share one read
            third = await register(graph, "EDU", "140404", ["edu-officer"])
            token = await token_for(client, third)
            answers = await asyncio.gather(*(gql(client, token, QUERY) for _ in range(5)))
            assert {a.status_code for a in answers} == {200}
        reads = [params["id"] for cypher, params in trips.queries
                 if cypher in STATUS_QUERIES.values()]
        assert sorted(reads) == sorted([first.client_id, second.client_id, third.client_id])

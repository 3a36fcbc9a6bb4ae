"""Sign-in abuse (issue 12, findings 7 and 10): secret checks off the event loop and bounded;
attempts limited per address and per (address, name) with 429 and Retry-After; a wait that
neither tells which names exist nor locks out the person whose name an attacker tries.
(Proxy headers: tests/test_proxies.py; the sign-in redirect: tests/test_signin_redirect.py.)"""

from __future__ import annotations

import asyncio
import secrets
import statistics
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest

from auth import people
from auth.attempts import AttemptLimiter, Refusal, Ticket
from auth.passwords import HashGate, HashingBusy, hash_secret, verify_secret
from hub.graph import Graph
from hub.settings import Settings
from shell.app import create_app
from tests.auth_helpers import register
from tests.graphql_helpers import seed
from tests.test_people import PASSWORD, flow, pkce, staff

At = Callable[[str], httpx.AsyncClient]


@pytest.fixture
def hub_settings(settings: Settings) -> Settings:
    # A first wait long enough that it cannot run out during this machine's argon2 checks.
    return settings.model_copy(update={"signin_first_wait_s": 60})


@asynccontextmanager
async def hub(settings: Settings) -> AsyncIterator[tuple[At, Any]]:
    """One hub process (one limiter), and clients calling it from any address."""
    app = create_app(settings)
    async with app.router.lifespan_context(app), AsyncExitStack() as stack:
        def at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            client = httpx.AsyncClient(transport=transport, base_url="http://hub")
            stack.push_async_callback(client.aclose)
            return client

        yield at, app


async def token_events(graph: Graph, app: Any, subjects: list[str]) -> list[dict[str, Any]]:
    await app.state.audit.drain()
    rows = await graph.run("MATCH (e:AuditEvent {kind: 'token'}) WHERE e.subjectId IN $ids "
                           "RETURN e {.*} AS e ORDER BY e.seq", {"ids": subjects})
    return [r["e"] for r in rows]


def limiter(clock: list[float], **changes: Any) -> AttemptLimiter:
    values: dict[str, Any] = {"per_minute": 600, "burst": 100, "free_per_name": 3,
                              "free_per_address": 10, "first_wait_s": 1, "max_wait_s": 900,
                              "memory_s": 900,
                              **changes}
    return AttemptLimiter(**values, clock=lambda: clock[0])


# --- the limiter ---------------------------------------------------------------------------------


def test_the_wait_doubles_per_address_and_name_and_spares_other_addresses() -> None:
    clock = [1000.0]
    limits = limiter(clock)
    # A ticket counts as a failure until the secret proves right: the third failure earns the
    # first wait.
    for _ in range(3):
        assert isinstance(limits.admit("10.0.0.1", "wang.li"), Ticket)
    waits = []
    for _ in range(4):
        refused = limits.admit("10.0.0.1", "wang.li")
        assert isinstance(refused, Refusal) and refused.scope == "name"
        waits.append(refused.wait_s)
        clock[0] += refused.wait_s
        assert isinstance(limits.admit("10.0.0.1", "wang.li"), Ticket)
    assert waits == [1, 2, 4, 8]
    # The person trying from their own desk is not made to wait for the attacker's guesses,
    # and the attacker's address may still try another name.
    assert isinstance(limits.admit("10.0.0.2", "wang.li"), Ticket)
    assert isinstance(limits.admit("10.0.0.1", "chen.sup"), Ticket)


def test_the_wait_is_capped_and_forgotten_after_a_quiet_spell() -> None:
    clock = [0.0]
    limits = limiter(clock, free_per_name=1, max_wait_s=60, memory_s=300)
    for _ in range(21):  # failures and waits, alternating, ending on a failure
        ticket = limits.admit("10.0.0.1", "wang.li")
        if isinstance(ticket, Refusal):
            assert ticket.wait_s <= 60
            clock[0] += ticket.wait_s
    refused = limits.admit("10.0.0.1", "wang.li")
    assert isinstance(refused, Refusal) and refused.wait_s == 60
    clock[0] += 60 + 301
    assert isinstance(limits.admit("10.0.0.1", "wang.li"), Ticket)
    # The count starts over: one failure earns the first wait again, not the longest.
    refused = limits.admit("10.0.0.1", "wang.li")
    assert isinstance(refused, Refusal) and refused.wait_s == 1


def test_an_address_guessing_many_names_waits_for_all_of_them() -> None:
    clock = [0.0]
    limits = limiter(clock)
    for n in range(10):
        assert isinstance(limits.admit("10.0.0.1", f"user{n}"), Ticket)
    refused = limits.admit("10.0.0.1", "someone.new")
    assert isinstance(refused, Refusal) and refused.scope == "address"
    assert isinstance(limits.admit("10.0.0.2", "someone.new"), Ticket)
    # A refused attempt adds nothing to remember (made-up names cannot fill memory).
    assert ("10.0.0.1", "someone.new") not in limits.names.records


def test_a_right_secret_clears_the_name_but_not_the_address() -> None:
    clock = [0.0]
    limits = limiter(clock, free_per_address=4)
    for name in ("a", "b", "mine"):
        limits.admit("10.0.0.1", name)
    ticket = limits.admit("10.0.0.1", "mine")
    assert isinstance(ticket, Ticket)
    limits.succeeded(ticket)  # the attacker's own account: the address keeps its 3 failures
    assert ("10.0.0.1", "mine") not in limits.names.records
    assert limits.addresses.records["10.0.0.1"].failures == 3
    assert isinstance(limits.admit("10.0.0.1", "d"), Ticket)  # the fourth: a wait from now on
    assert isinstance(limits.admit("10.0.0.1", "e"), Refusal)


def test_attempts_per_minute_per_address() -> None:
    clock = [0.0]
    limits = limiter(clock, per_minute=60, burst=2)
    for _ in range(2):
        ticket = limits.admit("10.0.0.1", "app")
        assert isinstance(ticket, Ticket)
        limits.succeeded(ticket)
    refused = limits.admit("10.0.0.1", "app")
    assert isinstance(refused, Refusal) and refused.retry_after == "1"
    clock[0] += 1
    assert isinstance(limits.admit("10.0.0.1", "app"), Ticket)


# --- argon2 off the event loop, bounded -------------------------------------------------------


async def test_the_hashing_line_is_bounded() -> None:
    gate = HashGate(concurrent=1, waiting=1)
    release = threading.Event()

    def slow(_: str) -> bool:
        return release.wait(10)

    running = [asyncio.create_task(gate.run(slow, "x")) for _ in range(2)]
    while gate.admitted < 2:
        await asyncio.sleep(0.01)
    with pytest.raises(HashingBusy):  # a third is refused at once, not queued
        await gate.run(slow, "x")
    release.set()
    assert await asyncio.gather(*running) == [True, True]
    assert gate.admitted == 0


async def test_unknown_names_cost_one_argon2_check_like_known_ones(graph: Graph) -> None:
    await seed(graph)
    await staff(graph)
    checked: list[str | None] = []

    class Counting(HashGate):
        async def verify(self, stored: str | None, secret: str) -> bool:
            checked.append(stored and stored[:9])
            return await super().verify(stored, secret)

    gate = Counting(1, 0)
    assert await people.authenticate(graph, "wang.li", "wrong-one", gate) is None
    assert await people.authenticate(graph, "no.such.person", "wrong-one", gate) is None
    assert checked == ["$argon2id", None]  # None: checked against the dummy hash


async def test_a_flood_of_bad_secrets_does_not_stall_healthz(
        graph: Graph, hub_settings: Settings) -> None:
    """Finding 7: two bad-secret requests in flight took /healthz from 7 ms to 1.5 s."""
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    stored = hash_secret("the-right-secret")
    started = time.perf_counter()
    verify_secret(stored, "wrong")
    one_check = time.perf_counter() - started
    async with hub(hub_settings) as (at, _):
        flood = [asyncio.create_task(at(f"10.1.0.{n}").post(
            "/oauth/token", data={"grant_type": "client_credentials"},
            auth=(registered.client_id, "wrong"))) for n in range(4)]
        probe = at("10.2.0.1")
        latencies = []  # from when a probe was due to its answer: a blocked loop delays both
        while not all(task.done() for task in flood):
            due = time.perf_counter() + 0.02
            await asyncio.sleep(0.02)
            assert (await probe.get("/healthz")).status_code == 200
            latencies.append(time.perf_counter() - due)
        assert [task.result().status_code for task in flood] == [401] * 4
    print(f"one argon2 check {one_check * 1000:.0f} ms; /healthz during the flood: "
          f"{len(latencies)} probes, slowest {max(latencies) * 1000:.0f} ms")
    # A loop that hashed would make nearly every probe wait a whole check; one that does not
    # answers most at once. The median, not the slowest: on two shared cores the operating
    # system may still pause the loop's thread now and then while the hashing threads run.
    assert len(latencies) >= 3 and statistics.median(latencies) < one_check / 4


# --- the token endpoint ----------------------------------------------------------------------


async def test_token_endpoint_slows_down_one_address_not_another(
        graph: Graph, hub_settings: Settings) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    settings = hub_settings.model_copy(update={"signin_free_failures": 2})
    async with hub(settings) as (at, app):
        attacker, client = at("10.9.0.1"), at("10.9.0.2")

        async def token(who: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
            return await who.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(client_id, secret))

        tried = [registered.client_id, "cl_" + secrets.token_hex(8)]  # known, unknown
        for client_id in tried:
            statuses = [(await token(attacker, client_id, "wrong")).status_code
                        for _ in range(2)]
            assert statuses == [401, 401]
            slowed = await token(attacker, client_id, "wrong")
            wait = slowed.headers["retry-after"]
            assert slowed.status_code == 429 and 50 <= int(wait) <= 60
            assert slowed.json()["error"] == "slow_down"
            assert f"retry after {wait} s" in slowed.json()["error_description"]
            assert slowed.headers["cache-control"] == "no-store"
        # Even the right secret waits from the attacker's address; the client's own works.
        assert (await token(attacker, registered.client_id, registered.secret)).status_code \
            == 429
        assert (await token(client, registered.client_id, registered.secret)).status_code == 200
        found = await token_events(graph, app, tried)
    assert [e["outcome"] for e in found].count("rate_limited") == 3
    assert {e["clientAddress"] for e in found if e["outcome"] == "rate_limited"} == {"10.9.0.1"}


# --- the sign-in form ------------------------------------------------------------------------


async def sign_in(client: httpx.AsyncClient, username: str, password: str,
                  challenge: str) -> httpx.Response:
    return await client.post("/oauth/authorize", data={
        **flow(challenge), "username": username, "password": password})


async def test_the_form_makes_the_address_wait_not_the_account(
        graph: Graph, hub_settings: Settings) -> None:
    """Finding 10: five wrong passwords from anywhere locked the account for 15 minutes (423),
    and only for names that exist."""
    await seed(graph)
    await staff(graph)
    _, challenge = pkce()
    async with hub(hub_settings) as (at, _):
        attacker, other, desk = at("10.9.0.1"), at("10.9.0.3"), at("10.9.0.2")
        known = [(await sign_in(attacker, "wang.li", "wrong-one", challenge)).status_code
                 for _ in range(hub_settings.signin_free_failures)]
        unknown = [(await sign_in(other, "no.such.person", "wrong-one", challenge)).status_code
                   for _ in range(hub_settings.signin_free_failures)]
        assert known == unknown == [401] * hub_settings.signin_free_failures
        slowed = await sign_in(attacker, "wang.li", PASSWORD, challenge)
        slowed_unknown = await sign_in(other, "no.such.person", PASSWORD, challenge)
        for page in (slowed, slowed_unknown):
            assert page.status_code == 429 and 50 <= int(page.headers["retry-after"]) <= 60
            assert "尝试次数过多" in page.text and "location" not in page.headers
        assert "锁定" not in slowed.text
        # wang.li at their own desk signs in at once.
        assert (await sign_in(desk, "wang.li", PASSWORD, challenge)).status_code == 303


async def test_hub_users_unlock_ends_the_wait(graph: Graph, hub_settings: Settings) -> None:
    await seed(graph)
    await staff(graph)
    settings = hub_settings.model_copy(update={"signin_free_failures": 1})
    _, challenge = pkce()
    async with hub(settings) as (at, _):
        desk = at("10.9.0.2")
        first = await sign_in(desk, "wang.li", "wrong-one", challenge)
        second = await sign_in(desk, "wang.li", "wrong-one", challenge)
        assert (first.status_code, second.status_code) == (401, 429)
        await asyncio.sleep(0.01)  # the mark is later than every failure counted
        await people.unlock(graph, "wang.li")
        assert (await sign_in(desk, "wang.li", PASSWORD, challenge)).status_code == 303

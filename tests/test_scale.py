"""Several hub processes as one service (issue 17): a client's rate limit is the configured one
across them, a revoked client is refused by all within 10 s, and every answered request has its
one event in a chain that verifies — also when a process is killed and another ships its
journal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth import clients
from auth.keys import KeyStore
from auth.ratelimit import RateLimiter
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, http_client, register, token_for
from tests.processes import free_port, wait_ready

HUB = [sys.executable, "-m", "shell"]
QUERY = "{ children(first: 1) { totalCount } }"
PER_MINUTE = 60  # a burst of 10 (auth/ratelimit.py), then one a second
REVOCATION_BOUND_S = 10.0


@pytest.fixture
def shared(tmp_path: Path, neo4j_server: object) -> dict[str, str]:
    """What the processes of one deployment share: keys, the audit key, the journal folder."""
    return {**os.environ, "HUB_HOST": "127.0.0.1",
            "HUB_KEYS_DIR": str(tmp_path / "keys"),
            "HUB_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit" / "ed25519.pem"),
            "HUB_AUDIT_JOURNAL_DIR": str(tmp_path / "audit" / "journal"),
            "HUB_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE),
            "HUB_TOKEN_STATUS_CACHE_SECONDS": "5",  # the default, said out loud
            "HUB_LOG_LEVEL": "WARNING"}


@contextmanager
def hub_process(env: dict[str, str], log: Path, *args: str
                ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``hub serve`` as one process (``--workers 1``) unless ``args`` say otherwise."""
    args = args or ("--workers", "1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen([*HUB, "serve", *args], env={**env, "HUB_PORT": str(port)},
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log, seconds=90)
            yield base, server
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)  # ships what its journal holds
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


class Calls:
    """Every request sent, by its X-Request-ID, with the status it got."""

    def __init__(self) -> None:
        self.answered: dict[str, int] = {}

    def post(self, base: str, path: str, **kwargs: Any) -> httpx.Response:
        rid = uuid.uuid4().hex
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": rid}
        # A fresh connection each time: with --workers the kernel picks the process per
        # connection, so keep-alive would pin every call to one of them.
        response = httpx.post(f"{base}{path}", headers=headers, timeout=30, **kwargs)
        assert response.headers["x-request-id"] == rid
        self.answered[rid] = response.status_code
        return response

    def token(self, base: str, registered: clients.Registered) -> str:
        response = self.post(base, "/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(registered.client_id, registered.secret))
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def query(self, base: str, token: str) -> int:
        return self.post(base, "/graphql", json={"query": QUERY},
                         headers={"Authorization": f"Bearer {token}"}).status_code


def within_limit(statuses: list[int], elapsed: float) -> None:
    """As many answers as one bucket allows: its burst, and one a second since."""
    assert set(statuses) <= {200, 429}, statuses
    granted = statuses.count(200)
    burst = PER_MINUTE // 6
    assert burst <= granted <= burst + int(elapsed * PER_MINUTE / 60) + 1, (granted, elapsed)


async def assert_every_answer_audited(graph: Graph, calls: Calls, env: dict[str, str]) -> None:
    # The policy-change event a process records once, beside its first request, is not that
    # request's access event (audit/service.py).
    rows = await graph.run("UNWIND $ids AS id OPTIONAL MATCH (e:AuditEvent {requestId: id}) "
                           "WHERE e.kind <> 'policy' "
                           "RETURN id, count(e) AS events", {"ids": list(calls.answered)})
    missing = {row["id"]: row["events"] for row in rows if row["events"] != 1}
    assert not missing, f"answered requests without exactly one event: {missing}"
    verified = subprocess.run([*HUB, "audit", "verify"], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr


async def test_three_processes_share_limits_revocation_and_one_chain(
    graph: Graph, shared: dict[str, str], tmp_path: Path
) -> None:
    limited = await register(graph, "EDU", "140404", ["edu-officer"])
    revoked = await register(graph, "EDU", "140404", ["edu-officer"])
    calls = Calls()
    with (hub_process(shared, tmp_path / "a.log") as (a, _),
          hub_process(shared, tmp_path / "b.log") as (b, _),
          hub_process(shared, tmp_path / "c.log") as (c, _)):
        bases = [a, b, c]
        # A token from one process is good at the others (one key folder).
        token = calls.token(a, limited)
        started = time.monotonic()
        statuses = [calls.query(bases[i % 3], token) for i in range(36)]  # round robin
        within_limit(statuses, time.monotonic() - started)
        assert all(statuses[i] == 200 for i in range(3))  # each process answered

        other = calls.token(b, revoked)
        assert [calls.query(base, other) for base in bases] == [200, 200, 200]
        await clients.revoke(graph, revoked.client_id)  # `hub clients revoke`, anywhere
        revoked_at = time.monotonic()
        refused_after: dict[str, float] = {}
        while len(refused_after) < 3 and time.monotonic() - revoked_at < REVOCATION_BOUND_S + 2:
            for base in bases:
                # 429 meanwhile is the shared bucket of this client: it is not yet refused.
                if base not in refused_after and calls.query(base, other) == 401:
                    refused_after[base] = time.monotonic() - revoked_at
            await asyncio.sleep(0.25)
        print(f"revocation seen by each process after (s): {sorted(refused_after.values())}")
        assert len(refused_after) == 3 and max(refused_after.values()) <= REVOCATION_BOUND_S

    await assert_every_answer_audited(graph, calls, shared)


async def test_a_killed_process_journal_is_shipped_by_the_next_start(
    graph: Graph, shared: dict[str, str], tmp_path: Path
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    calls = Calls()
    # This one ships late: its answered events are still only in its journal when it dies.
    slow = {**shared, "HUB_AUDIT_SHIP_LINGER_MS": "10000"}
    with hub_process(shared, tmp_path / "a.log") as (a, _):
        with hub_process(slow, tmp_path / "b.log") as (b, doomed):
            token = calls.token(a, registered)
            assert [calls.query(base, token) for base in (a, b, a, b)] == [200] * 4
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
        assert calls.query(a, token) == 200  # the others go on
        with hub_process(shared, tmp_path / "c.log"):
            pass  # its start ships what the dead one left
    await assert_every_answer_audited(graph, calls, shared)


async def test_workers_share_one_rate_limit_and_die_with_their_supervisor(
    graph: Graph, shared: dict[str, str], tmp_path: Path
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    calls = Calls()
    with hub_process(shared, tmp_path / "w.log", "--workers", "3") as (base, server):
        assert len(_workers(server.pid)) == 3  # the supervisor's three workers
        token = calls.token(base, registered)
        started = time.monotonic()
        statuses = [calls.query(base, token) for _ in range(36)]
        within_limit(statuses, time.monotonic() - started)
        # The supervisor killed: its workers go with it (nothing serves unsupervised or keeps
        # its journal locked), and the next start ships what they had not.
        workers = _workers(server.pid)
        server.send_signal(signal.SIGKILL)
        server.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and b"spawn_main" in
                  _command(Path(f"/proc/{pid}")) for pid in workers):
            assert time.monotonic() < deadline, "workers outlived their supervisor"
            await asyncio.sleep(0.1)
    with hub_process(shared, tmp_path / "next.log"):
        pass
    await assert_every_answer_audited(graph, calls, shared)


async def test_a_killed_worker_is_replaced_and_its_journal_shipped(
    graph: Graph, shared: dict[str, str], tmp_path: Path
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    calls = Calls()
    slow = {**shared, "HUB_AUDIT_SHIP_LINGER_MS": "10000"}  # events wait in the journals
    with hub_process(slow, tmp_path / "w.log", "--workers", "2") as (base, server):
        token = calls.token(base, registered)
        assert [calls.query(base, token) for _ in range(6)] == [200] * 6
        before = _workers(server.pid)
        assert len(before) == 2
        os.kill(before[0], signal.SIGKILL)  # whichever it is, it answered or holds nothing
        deadline = time.monotonic() + 30
        while set(_workers(server.pid)) in ({before[1]}, set(before)):
            assert time.monotonic() < deadline, "the supervisor did not replace the worker"
            await asyncio.sleep(0.2)
        assert calls.query(base, token) in (200, 429)  # served on
        wait_ready(base, server, tmp_path / "w.log")
    await assert_every_answer_audited(graph, calls, shared)


def _workers(supervisor: int) -> list[int]:
    return sorted(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                  and _parent(p) == supervisor and b"spawn_main" in _command(p))


def _command(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _parent(proc: Path) -> int | None:
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


async def test_rate_bucket_cost_per_request(graph: Graph, settings: Settings) -> None:
    """What the shared bucket adds to a request: one small write, measured and printed."""
    limiter = RateLimiter(graph, 1_000_000)
    await limiter.acquire("warm-up")
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        assert await limiter.acquire("measured") == 0.0
    sequential = (time.perf_counter() - started) / rounds * 1000
    started = time.perf_counter()
    await asyncio.gather(*(limiter.acquire(f"client-{i % 20}") for i in range(rounds)))
    concurrent = (time.perf_counter() - started) / rounds * 1000
    print(f"rate bucket: {sequential:.2f} ms per request alone, "
          f"{concurrent:.2f} ms per request with 20 clients at once")
    assert sequential < 50


async def test_a_key_retired_through_one_process_is_refused_by_the_others_within_10_s(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    conf = settings.model_copy(update={"keys_dir": tmp_path / "keys", "auth_enabled": True})
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as one, http_client(conf) as other:
        old = await token_for(one, registered)
        assert (await gql(other, old, QUERY)).status_code == 200
        # `hub keys rotate` then `hub keys retire OLD`, run beside the servers
        operator = KeyStore(conf.keys_dir)
        retired = operator.kids[0]
        added = operator.rotate()
        assert operator.retire(retired)
        started = time.monotonic()
        while (await gql(other, old, QUERY)).status_code != 401:
            assert time.monotonic() - started < REVOCATION_BOUND_S, "old key still accepted"
            await asyncio.sleep(0.25)
        print(f"retired key refused after {time.monotonic() - started:.1f} s")
        published = (await other.get("/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in published] == [added]
        fresh = await token_for(one, registered)  # signed with the new key everywhere
        assert (await gql(other, fresh, QUERY)).status_code == 200


async def test_sign_in_failures_count_across_processes(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    conf = settings.model_copy(update={"keys_dir": tmp_path / "keys", "auth_enabled": True,
                                       "signin_free_failures": 2, "signin_first_wait_s": 30})
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    wrong = {"grant_type": "client_credentials"}
    async with http_client(conf) as one, http_client(conf) as other:
        first = await one.post("/oauth/token", data=wrong, auth=(registered.client_id, "x"))
        second = await other.post("/oauth/token", data=wrong, auth=(registered.client_id, "y"))
        assert (first.status_code, second.status_code) == (401, 401)
        # Two failures in all: the wait has begun for this name from this address, at both.
        for client in (one, other):
            refused = await client.post("/oauth/token", data=wrong,
                                        auth=(registered.client_id, registered.secret))
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["retry-after"]) > 1


async def test_forgotten_sign_in_records_are_swept(graph: Graph, settings: Settings) -> None:
    from auth.attempt_store import SharedAttempts
    from auth.attempts import AttemptLimiter, Ticket

    await graph.write("UNWIND range(1, 5) AS i CREATE (:SignInAttempts {key: 'n|x|' + i, "
                      "tokens: 1.0, refilled: 0.0, failures: 3, lastFailure: 0.0, expires: 1.0})")
    shared = SharedAttempts(graph, lambda: AttemptLimiter.from_settings(settings))
    ticket = await shared.admit("10.0.0.9", "someone")
    assert isinstance(ticket, Ticket)
    rows = await graph.run("MATCH (r:SignInAttempts) RETURN r.key AS key ORDER BY key")
    assert [row["key"] for row in rows] == ["a|10.0.0.9", "n|10.0.0.9|someone"]
    await shared.succeeded(ticket)  # the name starts afresh: its record is gone
    rows = await graph.run("MATCH (r:SignInAttempts) RETURN r.key AS key, r.failures AS f")
    assert rows == [{"key": "a|10.0.0.9", "f": 0}]

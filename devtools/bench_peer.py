"""``hub bench peer``: the hub against the Neo4j GraphQL Library on the same graph.

The peer (``bench/peer/``: @neo4j/graphql 7 on Apollo Server 5) serves typeDefs over the hub's
own graph, from the same Neo4j and the same data. Both run as real HTTP servers in their own
processes: the hub as one ``hub serve`` process with auth and the audit on (what a department
system calls), the peer as one Node process (no auth: the library has none of the hub's). Before
anything is timed every sampled request is sent to both and their answers compared — the same
children in the same order and the same ``totalCount`` for a page, the same facts in the same
order for a timeline — and a difference stops the run. Then ``childTimeline`` and a filtered
``children`` page are measured at concurrency 1 and 8, the two servers in turn in blocks, as
``hub bench api`` does, from one aiohttp load generator. It prints one JSON object.

The load generator shares the two cores with both servers and Neo4j, so its own cost per request
is taken from both: httpx spent ≈ 3 ms of CPU a request here, aiohttp ≈ 1 ms (measured with
each process's CPU time over the same requests), so the timed requests go through aiohttp and
httpx only does the setup (readiness, the token, the checks).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson

from devtools.bench_api import (
    CHILDREN,
    TIMELINE,
    _ensure_data,
    _percentile,
    bench_client_and_children,
    client_token,
)
from devtools.demo.city import COUNTY_WEIGHTS
from hub.graph import Graph
from hub.predicates import region_prefix
from hub.settings import Settings

PEER_DIR = Path(__file__).resolve().parents[1] / "bench" / "peer"
CONCURRENCY = (1, 8)
BLOCK = 10  # requests per concurrent worker in one block of one server
STARTUP_SECONDS = 90

# The peer's documents: the same questions as the hub's TIMELINE and CHILDREN (bench_api), in
# the library's generated API. Aliases give the hub's field names where the graph's property is
# named otherwise (a placement's `type`, a session's `kind`); the fact's kind is its __typename.
PEER_TIMELINE = """query ($id: ID!) { children(where: {id: {eq: $id}}) {
  facts(sort: [{date: ASC}, {id: ASC}]) {
  __typename id date recordedBy source
  ... on Placement { placementType: type stage status organisation { id name } }
  ... on ServiceSession { serviceKind: kind hours content organisation { id name } }
  ... on Assessment { recommendation }
  ... on DisabilityCertificate { category grade } } } }"""

PEER_CHILDREN = """query ($prefix: String!, $type: String!) {
  childrenConnection(first: 20, sort: [{id: ASC}],
    where: {regionCode: {startsWith: $prefix}, currentPlacement: {type: {eq: $type}}}) {
  totalCount edges { cursor node { id name birthDate
    currentPlacement { placementType: type stage organisation { name } } } }
  pageInfo { hasNextPage endCursor } } }"""

Say = Callable[[str], None]


class PeerBenchError(RuntimeError):
    """The run cannot go on: a server would not start, or the two answered differently."""


@dataclass(frozen=True)
class Question:
    """One question put to both servers: each one's document and variables per request, and
    what of each answer must be equal."""

    name: str
    hub_query: str
    peer_query: str
    hub_variables: list[dict[str, Any]]
    peer_variables: list[dict[str, Any]]
    hub_answer: Callable[[dict[str, Any]], Any]
    peer_answer: Callable[[dict[str, Any]], Any]


@dataclass
class Server:
    """A server process under test and the client that calls it."""

    name: str
    client: httpx.AsyncClient  # setup and the checks of the answers
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None  # the timed requests


# --- what must be equal ------------------------------------------------------------------------


def _timeline_of_hub(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["__typename"], f["id"]) for f in data["childTimeline"]]


def _timeline_of_peer(data: dict[str, Any]) -> list[tuple[str, str]]:
    [child] = data["children"]
    return [(f["__typename"], f["id"]) for f in child["facts"]]


def _page_of(connection: dict[str, Any]) -> dict[str, Any]:
    # Cursors differ by design (the hub's are keyset cursors on the id, the library's offsets).
    return {"totalCount": connection["totalCount"],
            "ids": [edge["node"]["id"] for edge in connection["edges"]],
            "nodes": [edge["node"] for edge in connection["edges"]],
            "hasNextPage": connection["pageInfo"]["hasNextPage"]}


def _questions(ids: list[str], requests: int, seed: int) -> list[Question]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    sample = [rng.choice(ids) for _ in range(requests)]
    counties = [rng.choice(list(COUNTY_WEIGHTS)) for _ in range(requests)]
    return [
        Question("timeline", TIMELINE, PEER_TIMELINE,
                 [{"id": i} for i in sample], [{"id": i} for i in sample],
                 _timeline_of_hub, _timeline_of_peer),
        Question("children_page", CHILDREN, PEER_CHILDREN,
                 [{"f": {"regionCode": c, "placementType": "REGULAR_CLASS"}} for c in counties],
                 # the hub's region filter is the county's subtree: its code as a prefix
                 [{"prefix": region_prefix(c), "type": "REGULAR_CLASS"} for c in counties],
                 lambda data: _page_of(data["children"]),
                 lambda data: _page_of(data["childrenConnection"])),
    ]


# --- the two server processes ------------------------------------------------------------------


def _free_ports() -> tuple[int, int]:
    """Two ports free now, one for each server (both probes held open, so they differ)."""
    with socket.socket() as one, socket.socket() as two:
        one.bind(("127.0.0.1", 0))
        two.bind(("127.0.0.1", 0))
        return int(one.getsockname()[1]), int(two.getsockname()[1])


PEER_PACKAGES = ("@neo4j/graphql", "@apollo/server", "neo4j-driver", "graphql")


def _locked_versions() -> dict[str, str]:
    """The versions package-lock.json pins."""
    packages = json.loads((PEER_DIR / "package-lock.json").read_text())["packages"]
    return {name: packages[f"node_modules/{name}"]["version"] for name in PEER_PACKAGES}


def _installed_versions() -> dict[str, str | None]:
    installed: dict[str, str | None] = {}
    for name in PEER_PACKAGES:
        manifest = PEER_DIR / "node_modules" / name / "package.json"
        installed[name] = json.loads(manifest.read_text())["version"] if manifest.is_file() \
            else None
    return installed


def ensure_peer_installed(say: Say) -> dict[str, str]:
    """``npm ci`` in bench/peer when its packages are missing or not the ones the lock pins
    (a checkout that moved the lock on); returns the versions that will run."""
    locked = _locked_versions()
    if _installed_versions() == locked:
        return locked
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise PeerBenchError("需要 Node 与 npm the peer needs Node 20 and npm (not found)")
    say("安装对照服务依赖 npm ci in bench/peer ...")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],  # noqa: S603
                          cwd=PEER_DIR, capture_output=True, text=True, check=False)
    if done.returncode != 0 or _installed_versions() != locked:
        raise PeerBenchError(f"npm ci failed in {PEER_DIR}: {done.stderr.strip()[-2000:]}")
    return locked


def _database_env(settings: Settings) -> dict[str, str]:
    """The database both servers read, from the run's settings (the password travels in the
    environment, never on a command line that `ps` shows)."""
    return {"HUB_NEO4J_URI": settings.neo4j_uri, "HUB_NEO4J_USER": settings.neo4j_user,
            "HUB_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
            "HUB_NEO4J_DATABASE": settings.neo4j_database}


def _hub_env(settings: Settings, port: int) -> dict[str, str]:
    return {**os.environ, **_database_env(settings),
            "HUB_ENV": settings.env, "HUB_HOST": "127.0.0.1", "HUB_PORT": str(port),
            # as a department system meets it: every request authenticated and audited
            "HUB_AUTH_ENABLED": "true", "HUB_AUDIT_ENABLED": "true",
            "HUB_KEYS_DIR": str(settings.keys_dir),
            "HUB_AUDIT_JOURNAL_DIR": str(settings.audit_journal_dir),
            "HUB_AUDIT_SIGNING_KEY_FILE": str(settings.audit_signing_key_file),
            # the load generator is one client: the per-client limit would throttle it, and one
            # token must outlive the longest run
            "HUB_RATE_LIMIT_PER_MINUTE": "1000000", "HUB_TOKEN_TTL_S": "86400",
            # logs on, as deployed: one line per request (into the run's log file)
            "HUB_LOG_LEVEL": "INFO"}


def _peer_env(settings: Settings, port: int) -> dict[str, str]:
    return {**os.environ, **_database_env(settings), "PEER_HOST": "127.0.0.1",
            "PEER_PORT": str(port), "NODE_ENV": "production"}


@contextmanager
def _process(name: str, command: list[str], env: dict[str, str], cwd: Path | None,
             logs: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A server process, stopped on the way out however the run ends (SIGTERM, then kill)."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd,  # noqa: S603 - our own servers
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _wait_ready(name: str, probe: Callable[[], Any], process: subprocess.Popen[bytes],
                      log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            response = await probe()
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            raise PeerBenchError(f"{name} 未能启动 did not start: {tail}")
        await asyncio.sleep(0.3)


# --- the run -----------------------------------------------------------------------------------


def _answered(server: Server, status: int, body: bytes) -> bytes:
    if status != 200:
        raise PeerBenchError(f"{server.name}: HTTP {status} {body[:500].decode(errors='replace')}")
    return body


async def _post(server: Server, query: str, variables: dict[str, Any]) -> bytes:
    response = await server.client.post(server.path, json={"query": query, "variables": variables},
                                        headers=server.headers)
    return _answered(server, response.status_code, response.content)


async def _timed_post(server: Server, query: str, variables: dict[str, Any]
                      ) -> tuple[float, bytes]:
    assert server.session is not None
    started = time.perf_counter()
    async with server.session.post(
            server.path, data=orjson.dumps({"query": query, "variables": variables}),
            headers={**server.headers, "Content-Type": "application/json"}) as response:
        body = await response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, _answered(server, response.status, body)


def _data(server: Server, body: bytes) -> dict[str, Any]:
    answer = json.loads(body)
    if answer.get("errors"):
        raise PeerBenchError(f"{server.name}: {json.dumps(answer['errors'], ensure_ascii=False)}")
    data: dict[str, Any] = answer["data"]
    return data


async def _check_hub_guarded(hub: Server, question: Question) -> None:
    """The hub under test is the guarded one: a request without a token is refused, and an
    answered one carries the id of its audit event."""
    refused = await hub.client.post(hub.path, json={"query": question.hub_query,
                                                    "variables": question.hub_variables[0]})
    if refused.status_code != 401:
        raise PeerBenchError(f"hub: auth is not on (HTTP {refused.status_code} without a token)")
    answered = await hub.client.post(hub.path, headers=hub.headers, json={
        "query": question.hub_query, "variables": question.hub_variables[0]})
    if answered.status_code != 200 or "x-audit-event" not in answered.headers:
        raise PeerBenchError(f"hub: the audit is not on (HTTP {answered.status_code}, "
                             "no x-audit-event)")


async def _check_same(question: Question, hub: Server, peer: Server) -> int:
    """Every sampled request to both, once (this is also the warm-up): the answers must agree."""
    for hub_vars, peer_vars in zip(question.hub_variables, question.peer_variables, strict=True):
        hub_body = await _post(hub, question.hub_query, hub_vars)
        peer_body = await _post(peer, question.peer_query, peer_vars)
        try:
            ours = question.hub_answer(_data(hub, hub_body))
        except (KeyError, TypeError, ValueError) as exc:
            raise PeerBenchError(f"hub: unexpected answer to {question.name}: {exc!r}") from None
        try:
            theirs = question.peer_answer(_data(peer, peer_body))
        except (KeyError, TypeError, ValueError) as exc:
            raise PeerBenchError(f"peer: unexpected answer to {question.name}: {exc!r}") from None
        if ours != theirs:
            raise PeerBenchError(
                f"答案不同 the hub and the peer answer {question.name} differently for "
                f"{json.dumps(hub_vars, ensure_ascii=False)}: hub "
                f"{json.dumps(ours, ensure_ascii=False)[:1500]} / peer "
                f"{json.dumps(theirs, ensure_ascii=False)[:1500]}")
    return len(question.hub_variables)


async def _block(server: Server, query: str, variables: list[dict[str, Any]],
                 concurrency: int, latencies: list[float]) -> float:
    """One block of requests, ``concurrency`` at a time; returns its wall time in seconds."""
    queue = list(reversed(variables))

    async def worker() -> None:
        while queue:
            elapsed, body = await _timed_post(server, query, queue.pop())
            if b'"errors"' in body:
                _data(server, body)  # raises with the server's errors
            latencies.append(elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def _figures(latencies: list[float], seconds: float) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(latencies), 2),
            "p95_ms": round(_percentile(latencies, 0.95), 2),
            "rps": round(len(latencies) / seconds, 1)}


async def _measure(question: Question, hub: Server, peer: Server,
                   concurrency: int) -> dict[str, Any]:
    """The two servers in turn, one block each, the order turning from block to block, so the
    machine's noise (another job, Neo4j's own work) falls on both alike."""
    servers = {"hub": (hub, question.hub_query, question.hub_variables),
               "peer": (peer, question.peer_query, question.peer_variables)}
    latencies: dict[str, list[float]] = {name: [] for name in servers}
    seconds = dict.fromkeys(servers, 0.0)
    size = BLOCK * concurrency
    order = list(servers)
    for index, first in enumerate(range(0, len(question.hub_variables), size)):
        turn = index % len(order)
        for name in order[turn:] + order[:turn]:
            server, query, variables = servers[name]
            seconds[name] += await _block(server, query, variables[first:first + size],
                                          concurrency, latencies[name])
    ours, theirs = (_figures(latencies[n], seconds[n]) for n in ("hub", "peer"))
    return {"hub": ours, "peer": theirs,
            "rps_ratio": round(ours["rps"] / theirs["rps"], 2),
            "p50_ratio": round(ours["p50_ms"] / theirs["p50_ms"], 2)}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def run(settings: Settings, children: int, requests: int, seed: int = 1,
              say: Say | None = None) -> dict[str, Any]:
    say = say or (lambda _text: None)
    load_at_start = _load()
    versions = ensure_peer_installed(say)
    graph = Graph.connect(settings)
    try:
        say("准备数据 ensuring data ...")
        have = await _ensure_data(graph, settings, children, seed)
        ids = await bench_client_and_children(graph)
    finally:
        await graph.close()
    questions = _questions(ids, requests, seed)
    result: dict[str, Any] = {"children": have, "requests": requests,
                              "concurrency": list(CONCURRENCY), "peer": versions}
    hub_port, peer_port = _free_ports()
    node = shutil.which("node") or "node"
    # The hub as one process (--workers 1), as the peer (Node) is one: like with like.
    with tempfile.TemporaryDirectory(prefix="hub-bench-peer-") as logs, \
            _process("hub", [sys.executable, "-m", "shell", "serve", "--workers", "1"],
                     _hub_env(settings, hub_port), None, Path(logs)) as (hub_proc, hub_log), \
            _process("peer", [node, "server.mjs"], _peer_env(settings, peer_port), PEER_DIR,
                     Path(logs)) as (peer_proc, peer_log):
        limits = httpx.Limits(max_connections=max(CONCURRENCY) * 2,
                              max_keepalive_connections=max(CONCURRENCY) * 2)
        timeout = httpx.Timeout(60.0)
        def session(port: int) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(
                f"http://127.0.0.1:{port}", timeout=aiohttp.ClientTimeout(total=60),
                connector=aiohttp.TCPConnector(limit=max(CONCURRENCY) * 2))

        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{hub_port}", limits=limits,
                                     timeout=timeout) as hub_client, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{peer_port}", limits=limits,
                                  timeout=timeout) as peer_client, \
                session(hub_port) as hub_session, session(peer_port) as peer_session:
            say("启动服务 starting the hub and the peer ...")
            await _wait_ready("hub", lambda: hub_client.get("/readyz"), hub_proc, hub_log)
            await _wait_ready("peer", lambda: peer_client.post("/", json={
                "query": "{ __typename }"}), peer_proc, peer_log)
            hub = Server("hub", hub_client, "/graphql",
                         {"Authorization": f"Bearer {await client_token(hub_client)}"},
                         hub_session)
            peer = Server("peer", peer_client, "/", session=peer_session)
            await _check_hub_guarded(hub, questions[0])
            say("核对答案 checking both answer the same ...")
            result["same_answers"] = {q.name: await _check_same(q, hub, peer)
                                      for q in questions}
            for question in questions:
                result[question.name] = {}
                for concurrency in CONCURRENCY:
                    say(f"测量 measuring {question.name} at concurrency {concurrency} ...")
                    result[question.name][f"c{concurrency}"] = await _measure(
                        question, hub, peer, concurrency)
    result["load_average"] = {"start": load_at_start, "end": _load()}
    return result


def describe(result: dict[str, Any]) -> list[str]:
    """The figures as lines for people (the command's output without --json)."""
    lines = [f"{result['children']:,} 名儿童 children, {result['requests']} 次请求 requests "
             f"each; 答案一致 same answers: {result['same_answers']}",
             f"对照 peer: {', '.join(f'{k} {v}' for k, v in result['peer'].items())}"]
    for name in ("timeline", "children_page"):
        for key, figures in result[name].items():
            ours, theirs = figures["hub"], figures["peer"]
            lines.append(
                f"{name} {key}: 枢纽 hub p50 {ours['p50_ms']} ms p95 {ours['p95_ms']} ms "
                f"{ours['rps']} rps | 对照 peer p50 {theirs['p50_ms']} ms p95 "
                f"{theirs['p95_ms']} ms {theirs['rps']} rps | rps ÷ {figures['rps_ratio']}, "
                f"p50 ÷ {figures['p50_ratio']}")
    load = result["load_average"]
    lines.append(f"负载 load average: start {load['start']}, end {load['end']}")
    return lines

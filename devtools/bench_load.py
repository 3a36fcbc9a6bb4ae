"""``hub bench load`` 负载与故障: department workloads against several hub processes while
faults are injected, then the invariant that matters is checked.

Several ``hub serve`` processes on loopback ports share one Neo4j, one key directory and one
policy; each has its own audit journal (the third on a small tmpfs when the machine lets us
mount one). Virtual clients — each a department system with credentials of its own — send a mix
of reads (a child, a timeline, a filtered page), writes (a service session, with an idempotency
key, retried with the same key when unanswered) and token refreshes, round-robin over the live
processes as a load balancer would. Meanwhile :class:`Faults` kills Neo4j (-9) and restarts it,
kills one hub process (-9) and restarts it on the same journal, fills the third process's journal
disk, and holds a lock on the children the writes touch while a heavy read hogs the database.

After the run every hub is stopped (shipping its journal), the audit chain is verified, and:
every answer that named an audit event has exactly one in the chain; every acknowledged write
is in the graph; no idempotency key wrote twice. One JSON object is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from audit import archive as audit_archive
from audit import signing
from auth import clients
from auth.policy import default_policy
from devtools.demo.city import CITY_CODE, COUNTY_WEIGHTS
from devtools.demo.load import load_demo
from hub import localdb
from hub.errors import QueryTimeout
from hub.graph import Graph
from hub.predicates import current_placement
from hub.settings import Settings

TIMELINE = "query ($id: ID!) { childTimeline(childId: $id) { id date kind } }"
CHILD = "query ($id: ID!) { child(id: $id) { id name birthDate currentPlacement { stage } } }"
PAGE = """query ($f: ChildFilterInput) { children(filter: $f, first: 20) {
  totalCount edges { node { id name } } pageInfo { hasNextPage endCursor } } }"""
WRITE = """mutation ($input: RecordServiceSessionInput!, $key: String) {
  recordServiceSession(input: $input, idempotencyKey: $key) { id } }"""
# Operation → weight in the mix (a department system mostly reads).
MIX = {"timeline": 30, "child": 20, "page": 25, "write": 20, "token": 5}
PURPOSE = "SERVICE_DELIVERY"
CLIENT_TIMEOUT_S = 30.0
WRITE_ATTEMPTS = 4


class LoadError(Exception):
    """The bench cannot run here (a hub that does not start, a database that does not)."""


@dataclass
class Answer:
    op: str
    process: int | None
    status: int  # 0: no answer (connection refused or reset, client timeout)
    code: str | None
    ms: float
    at: float  # seconds since the start
    audit_event: str | None = None


@dataclass
class Ledger:
    """Everything that happened, for the report and the invariant check."""

    answers: list[Answer] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key → session id
    attempted_keys: set[str] = field(default_factory=set)
    faults: list[dict[str, Any]] = field(default_factory=list)


class HubProcess:
    """One ``hub serve`` on a loopback port."""

    def __init__(self, index: int, env: dict[str, str], work: Path, journal: Path) -> None:
        self.index = index
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.journal = journal
        self.log = work / f"hub-{index}.log"
        self.env = {**env, "HUB_PORT": str(self.port), "HUB_HOST": "127.0.0.1",
                    "HUB_AUDIT_JOURNAL_DIR": str(journal)}
        self.process: subprocess.Popen[bytes] | None = None
        self.up = False

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shell", "serve", "--workers", "1"], env=self.env,
                stdout=out, stderr=subprocess.STDOUT)

    async def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    break
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.base}/readyz")).status_code == 200:
                        self.up = True
                        return
                await asyncio.sleep(0.3)
        raise LoadError(f"hub process {self.index} did not become ready: "
                        + self.log.read_text(errors="replace")[-2000:])

    def kill(self) -> None:
        self.up = False
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM: the server ships what its journal holds before it exits."""
        self.up = False
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Balancer:
    """Round robin over the processes, skipping one that refuses connections (as a load
    balancer's health check would), so a dead process costs a retry, not an answer."""

    def __init__(self, processes: list[HubProcess]) -> None:
        self.processes = processes
        self._next = 0

    def order(self) -> list[HubProcess]:
        start = self._next
        self._next = (self._next + 1) % len(self.processes)
        return self.processes[start:] + self.processes[:start]


@dataclass
class Workload:
    ids: list[str]
    visits: list[tuple[str, str]]  # (child id, organisation id) a session may be recorded for
    counties: list[str]
    tag: str  # written as the sessions' provider: this run's writes are found by it


class VirtualClient:
    """A department system: its own credentials, tokens refreshed now and then."""

    def __init__(self, number: int, registered: clients.Registered, balancer: Balancer,
                 ledger: Ledger, workload: Workload, started: float, seed: int) -> None:
        self.number = number
        self.registered = registered
        self.balancer = balancer
        self.ledger = ledger
        self.workload = workload
        self.started = started
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not a secret
        self.token: str | None = None

    async def run(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        ops, weights = zip(*MIX.items(), strict=True)
        while not stop.is_set():
            op = self.rng.choices(ops, weights)[0]
            if self.token is None or op == "token":
                await self.refresh(http)
                if op == "token":
                    continue
            if self.token is None:
                await asyncio.sleep(0.2)
                continue
            if op == "write":
                await self.write(http)
            else:
                await self.read(http, op)

    def _record(self, op: str, process: int | None, status: int, code: str | None,
                began: float, event: str | None = None) -> None:
        self.ledger.answers.append(Answer(op, process, status, code,
                                          round((time.monotonic() - began) * 1000, 2),
                                          round(began - self.started, 3), event))

    async def _send(self, http: httpx.AsyncClient, op: str, method: str, path: str,
                    **kwargs: Any) -> httpx.Response | None:
        """One request, through the first live process; None when none answered."""
        for process in self.balancer.order():
            began = time.monotonic()
            try:
                response = await http.request(method, process.base + path, **kwargs)
            except httpx.ConnectError:
                continue  # that process is down: the balancer tries the next
            except httpx.HTTPError:
                self._record(op, process.index, 0, "NO_ANSWER", began)
                return None
            code = _error_code(response)
            self._record(op, process.index, response.status_code, code, began,
                         response.headers.get("x-audit-event"))
            if response.status_code == 401 and path == "/graphql":
                self.token = None  # expired or refused: a new one next time
            return response
        self._record(op, None, 0, "NO_PROCESS", time.monotonic())
        await asyncio.sleep(0.2)
        return None

    async def refresh(self, http: httpx.AsyncClient) -> None:
        response = await self._send(
            http, "token", "POST", "/oauth/token", data={"grant_type": "client_credentials"},
            auth=(self.registered.client_id, self.registered.secret))
        if response is not None and response.status_code == 200:
            self.token = str(response.json()["access_token"])

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Purpose-Of-Use": PURPOSE}

    async def read(self, http: httpx.AsyncClient, op: str) -> None:
        rng, w = self.rng, self.workload
        if op == "page":
            body: dict[str, Any] = {"query": PAGE, "variables": {"f": {
                "regionCode": rng.choice(w.counties), "placementType": "REGULAR_CLASS"}}}
        else:
            body = {"query": TIMELINE if op == "timeline" else CHILD,
                    "variables": {"id": rng.choice(w.ids)}}
        await self._send(http, op, "POST", "/graphql", json=body, headers=self._headers())

    async def write(self, http: httpx.AsyncClient) -> None:
        """A service session with an idempotency key; unanswered, sent again with the same key
        (to whichever process is next), as a careful client does."""
        child, organisation = self.rng.choice(self.workload.visits)
        key = f"{self.workload.tag}-{self.number}-{uuid.uuid4().hex[:12]}"
        self.ledger.attempted_keys.add(key)
        variables = {"key": key, "input": {
            "childId": child, "kind": "ITINERANT_GUIDANCE", "hours": 1.5,
            "date": time.strftime("%Y-%m-%d"), "organisationId": organisation,
            "provider": self.workload.tag, "content": ["巡回指导 load test"]}}
        for attempt in range(WRITE_ATTEMPTS):
            response = await self._send(http, "write", "POST", "/graphql",
                                        json={"query": WRITE, "variables": variables},
                                        headers=self._headers())
            if response is not None and response.status_code == 200:
                body = response.json()
                written = (body.get("data") or {}).get("recordServiceSession")
                if written and not body.get("errors"):
                    self.ledger.acknowledged[key] = written["id"]
                    return
            if response is not None and response.status_code < 500 \
                    and response.status_code != 429 and response.status_code != 401:
                return  # refused for what it is: sending it again would not help
            await asyncio.sleep(0.5 * (attempt + 1))


class Faults:
    """The four faults, one after another, each timed: when it began, when service was back."""

    def __init__(self, settings: Settings, processes: list[HubProcess], ledger: Ledger,
                 started: float, say: Callable[[str], None], tmpfs: Path | None,
                 hog_children: list[str]) -> None:
        self.settings = settings
        self.processes = processes
        self.ledger = ledger
        self.started = started
        self.say = say
        self.tmpfs = tmpfs
        self.hog_children = hog_children

    def _now(self) -> float:
        return round(time.monotonic() - self.started, 3)

    async def _until_answering(self, processes: list[HubProcess], since: float) -> float:
        """Seconds from ``since`` until every given process answers /readyz with 200."""
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                ready = 0
                for process in processes:
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get(f"{process.base}/readyz")).status_code == 200:
                            ready += 1
                if ready == len(processes):
                    return round(time.monotonic() - since, 2)
                if time.monotonic() - since > 120:
                    return -1.0
                await asyncio.sleep(0.25)

    async def kill_neo4j(self) -> None:
        self.say("故障 fault: kill -9 Neo4j")
        began = time.monotonic()
        at = self._now()
        status = localdb.status(self.settings)
        if status.pid is not None:
            os.kill(status.pid, signal.SIGKILL)
        await asyncio.sleep(1.0)
        # /readyz while it is down: each process says so (503), it does not hang.
        async with httpx.AsyncClient(timeout=5) as http:
            down = []
            for process in self.processes:
                with contextlib.suppress(httpx.HTTPError):
                    down.append((await http.get(f"{process.base}/readyz")).status_code)
        await asyncio.sleep(3.0)
        restarted = time.monotonic()
        await asyncio.to_thread(localdb.start, self.settings)
        neo4j_back = round(time.monotonic() - restarted, 2)
        service = await self._until_answering(self.processes, time.monotonic())
        self.ledger.faults.append({"fault": "neo4j-kill", "at": at, "readyzWhileDown": down,
                                   "neo4jRestartSeconds": neo4j_back,
                                   "serviceBackSecondsAfterNeo4jStart": service,
                                   "outageSeconds": round(time.monotonic() - began, 2)})

    async def kill_hub(self, process: HubProcess) -> None:
        self.say(f"故障 fault: kill -9 hub process {process.index}")
        at = self._now()
        process.kill()
        await asyncio.sleep(2.0)
        began = time.monotonic()
        process.start()
        await process.wait_ready()
        self.ledger.faults.append({"fault": "hub-kill", "at": at, "process": process.index,
                                   "restartSeconds": round(time.monotonic() - began, 2)})

    async def fill_journal_disk(self, process: HubProcess, hold: float) -> None:
        if self.tmpfs is None:
            self.ledger.faults.append({"fault": "journal-disk-full", "skipped":
                                       "no tmpfs (mounting needs root): not injected"})
            return
        self.say(f"故障 fault: journal disk full (hub process {process.index})")
        at = self._now()
        filler = self.tmpfs / "filler"
        with filler.open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * (1 << 20))
                out.flush()
                os.fsync(out.fileno())
        # Held at least ``hold``, and until the process has used the room its segment kept and
        # refused (fail closed), for at most 30 s more.
        await asyncio.sleep(hold)
        refused = self._first_refusal(process, at)
        for _ in range(60):
            if refused is not None:
                break
            await asyncio.sleep(0.5)
            refused = self._first_refusal(process, at)
        held = self._now() - at
        filler.unlink()
        began = time.monotonic()
        back = await self._until_answering([process], began)
        during = [a for a in self.ledger.answers
                  if a.process == process.index and at <= a.at <= at + held]
        self.ledger.faults.append({
            "fault": "journal-disk-full", "at": at, "process": process.index,
            "heldSeconds": round(held, 1),
            "firstRefusalSeconds": None if refused is None else round(refused - at, 1),
            "answersDuring": dict(Counter(
                f"{a.status} {a.code}" if a.code else str(a.status) for a in during)),
            "readySecondsAfterFreed": back})

    def _first_refusal(self, process: HubProcess, since: float) -> float | None:
        return next((a.at for a in self.ledger.answers if a.process == process.index
                     and a.at >= since and a.code == "AUDIT_UNAVAILABLE"), None)

    async def slow_neo4j(self, hold: float) -> None:
        """A transaction holding the write lock of the children the writes target, and a heavy
        read beside it: reads must end with a code (QUERY_TIMEOUT) or an answer, never hang."""
        self.say("故障 fault: Neo4j slowed (a held lock and a heavy read)")
        at = self._now()
        # The heavy read is stopped by the database itself when the fault ends.
        graph = Graph.connect(self.settings.model_copy(update={"query_timeout_seconds": hold}))
        try:
            async with graph.transaction() as tx:
                await tx.run("MATCH (c:Child) WHERE c.id IN $ids SET c.loadTestLock = true",
                             {"ids": self.hog_children})
                with contextlib.suppress(QueryTimeout):
                    await graph.run("MATCH (a:Fact), (b:Fact) WHERE a.date < b.date "
                                    "RETURN count(*) AS n")
                raise _Rollback  # nothing of the lock's transaction is kept
        except _Rollback:
            pass
        finally:
            await graph.close()
        during = [a for a in self.ledger.answers if at <= a.at <= at + hold]
        self.ledger.faults.append({
            "fault": "neo4j-slowed", "at": at, "heldSeconds": hold,
            "answersDuring": dict(Counter(f"{a.op}:{a.status}:{a.code or ''}" for a in during)),
            "slowestMs": max((a.ms for a in during), default=None)})


class _Rollback(Exception):
    pass


async def _progress(ledger: Ledger, started: float, seconds: float, stop: asyncio.Event,
                    say: Callable[[str], None]) -> None:
    """A line every ten seconds: how far, how many answered, how many failed."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 10.0)
        answers = ledger.answers
        failed = sum(1 for a in answers if a.status == 0 or a.status >= 400)
        say(f"  {time.monotonic() - started:5.0f}/{seconds:.0f} s · "
            f"{len(answers)} 请求 requests · {failed} 失败 failed")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _error_code(response: httpx.Response) -> str | None:
    if response.status_code == 200 and response.headers.get("content-type", "").startswith(
            "text/"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None if response.status_code < 400 else "NOT_JSON"
    if isinstance(body, dict):
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            return str((errors[0].get("extensions") or {}).get("code") or "UNCODED")
        if "error" in body:  # OAuth2's shape
            return str(body["error"])
    return None


def _mount_tmpfs(path: Path, megabytes: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        return False
    done = subprocess.run(  # noqa: S603 - fixed argv
        [mount, "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
        capture_output=True, check=False)
    return done.returncode == 0


def _unmount(path: Path) -> None:
    umount = shutil.which("umount")
    if umount is not None:
        subprocess.run([umount, str(path)], capture_output=True, check=False)  # noqa: S603


async def _workload(graph: Graph, tag: str) -> Workload:
    ids = [r["id"] for r in await graph.run("MATCH (c:Child) RETURN c.id AS id")]
    visits = [(r["c"], r["o"]) for r in await graph.run(
        "MATCH " + current_placement("c", "p") + "-[:AT]->(o:Organisation) "
        "RETURN c.id AS c, o.id AS o LIMIT 2000")]
    if not ids or not visits:
        raise LoadError("no child with a current placement to read or write")
    return Workload(ids, visits, list(COUNTY_WEIGHTS), tag)


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    ordered = sorted(values)

    def q(x: float) -> float:
        return ordered[min(len(ordered) - 1, round(x * (len(ordered) - 1)))]

    return {"p50": round(statistics.median(ordered), 2), "p95": round(q(0.95), 2),
            "p99": round(q(0.99), 2)}


async def check(graph: Graph, settings: Settings, ledger: Ledger, tag: str) -> dict[str, Any]:
    """The invariant after the run (every hub stopped and its journal shipped)."""
    public = signing.load_or_create(settings.audit_signing_key_file).public_key()
    report = await audit_archive.verify_online(graph, public)
    named = [a.audit_event for a in ledger.answers if a.audit_event]
    rows = await graph.run("UNWIND $ids AS id OPTIONAL MATCH (e:AuditEvent {id: id}) "
                           "RETURN id, count(e) AS n", {"ids": named})
    missing = [r["id"] for r in rows if r["n"] == 0]
    doubled = [r["id"] for r in rows if r["n"] > 1]
    unnamed = [a for a in ledger.answers if a.op != "token" and a.status == 200
               and not a.audit_event]
    acknowledged = list(ledger.acknowledged.values())
    found = await graph.run("UNWIND $ids AS id MATCH (s:Fact:ServiceSession {id: id}) "
                            "RETURN count(s) AS n", {"ids": acknowledged})
    written = await graph.run("MATCH (s:ServiceSession {provider: $tag}) "
                              "RETURN count(s) AS n", {"tag": tag})
    keys = await graph.run(
        "MATCH (k:IdempotencyKey) WHERE any(t IN $keys WHERE k.key ENDS WITH ':' + t) "
        "RETURN count(k) AS n", {"keys": sorted(ledger.attempted_keys)})
    return {
        "auditChainVerified": report.problem is None,
        "auditProblem": None if report.problem is None else str(report.problem),
        "auditEvents": report.events,
        "answersNamingAnEvent": len(named),
        "answersMissingFromChain": len(missing),
        "answersInChainTwice": len(doubled),
        "answered200WithoutEvent": len(unnamed),
        "acknowledgedWrites": len(acknowledged),
        "acknowledgedWritesLost": len(acknowledged) - int(found[0]["n"]),
        # A write committed whose answer was lost is kept (its retry found it by its key):
        # sessions written = keys that committed, never more.
        "sessionsWritten": int(written[0]["n"]),
        "idempotencyKeysCommitted": int(keys[0]["n"]),
        "duplicateWrites": int(written[0]["n"]) - int(keys[0]["n"]),
    }


def summarise(ledger: Ledger, seconds: float) -> dict[str, Any]:
    answered = [a for a in ledger.answers if a.status]
    codes = Counter(f"{a.status} {a.code}" if a.code else str(a.status) for a in ledger.answers)
    by_op = {op: _percentiles([a.ms for a in answered if a.op == op and a.status == 200])
             for op in MIX}
    uncoded = [a for a in answered if a.status >= 400 and a.code in (None, "UNCODED", "NOT_JSON")]
    return {
        "requests": len(ledger.answers),
        "answered": len(answered),
        "requestsPerSecond": round(len(answered) / seconds, 1) if seconds else None,
        "answersByCode": dict(sorted(codes.items())),
        "failuresByOperation": {op: dict(sorted(Counter(
            f"{a.status} {a.code}" for a in ledger.answers
            if a.op == op and (a.status != 200 or a.code)).items())) for op in MIX},
        "uncodedFailures": len(uncoded),
        "latencyMsOk": _percentiles([a.ms for a in answered if a.status == 200]),
        "latencyMsByOperation": by_op,
    }


async def run(settings: Settings, *, clients_count: int, seconds: float, processes: int,
              children: int, faults: bool, say: Callable[[str], None],
              seed: int = 1) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="hub-load-"))
    tmpfs = work / "journal-tmpfs"
    mounted = faults and processes >= 3 and _mount_tmpfs(tmpfs, 24)
    graph = Graph.connect(settings)
    tag = f"load-{uuid.uuid4().hex[:8]}"
    fleet: list[HubProcess] = []
    keep = False
    try:
        if int((await graph.run("MATCH (c:Child) RETURN count(c) AS n"))[0]["n"]) == 0:
            say(f"载入示范城市 loading the demo city ({children} children)")
            await load_demo(graph, settings, children, seed)
        workload = await _workload(graph, tag)
        registered = [await clients.add_client(
            graph, default_policy(), name=f"load-{n}", department="EDU", region=CITY_CODE,
            roles=["edu-officer"]) for n in range(clients_count)]
        # The checkout's keys (the chain already in this database is signed with its audit key);
        # the load comes from one address, so its sign-in limits are the clients' own.
        env = {**os.environ, "HUB_ENV": settings.env, "HUB_NEO4J_URI": settings.neo4j_uri,
               "HUB_NEO4J_HOME": str(settings.neo4j_home),
               "HUB_KEYS_DIR": str(settings.keys_dir.resolve()),
               "HUB_AUDIT_SIGNING_KEY_FILE": str(settings.audit_signing_key_file.resolve()),
               "HUB_LOG_LEVEL": "WARNING", "HUB_QUERY_TIMEOUT_SECONDS": "5",
               "HUB_AUDIT_MAX_LAG_SECONDS": "60", "HUB_RATE_LIMIT_PER_MINUTE": "6000",
               # One issuer for the fleet, as replicas behind one public URL have: a token one
               # process issued is good at every other.
               "HUB_ISSUER": os.environ.get("HUB_ISSUER") or "http://127.0.0.1:8000",
               "HUB_SIGNIN_ATTEMPTS_PER_MINUTE": "100000", "HUB_SIGNIN_ATTEMPTS_BURST": "10000"}
        for index in range(processes):
            on_tmpfs = mounted and index == 2
            journal = tmpfs if on_tmpfs else work / f"journal-{index}"
            # On the small disk the smallest segment: the room kept for events once the disk
            # is full lasts about ten answers, so the fault shows the refusals that follow.
            own = {**env, "HUB_AUDIT_JOURNAL_SEGMENT_KB": "16"} if on_tmpfs else env
            fleet.append(HubProcess(index, own, work, journal))
        fleet[0].start()  # the first makes the signing keys; the others then read them
        await fleet[0].wait_ready()
        for process in fleet[1:]:
            process.start()
        for process in fleet[1:]:
            await process.wait_ready()
        say(f"{processes} 个进程就绪 hub processes ready; {clients_count} clients, {seconds:.0f} s")
        ledger = Ledger()
        started = time.monotonic()
        stop = asyncio.Event()  # set once the time is up and every fault has run its course
        balancer = Balancer(fleet)
        limits = httpx.Limits(max_connections=clients_count * 2)
        async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT_S, limits=limits) as http:
            virtual = [VirtualClient(n, r, balancer, ledger, workload, started, seed + n)
                       for n, r in enumerate(registered)]
            tasks = [asyncio.create_task(v.run(http, stop)) for v in virtual]
            tasks.append(asyncio.create_task(_progress(ledger, started, seconds, stop, say)))
            if faults:
                injector = Faults(settings, fleet, ledger, started, say,
                                  tmpfs if mounted else None,
                                  [c for c, _ in workload.visits[:200]])
                slot = seconds / 5
                plan = [(slot * 1, injector.kill_neo4j()),
                        (slot * 2, injector.kill_hub(fleet[1 % processes])),
                        (slot * 3, injector.fill_journal_disk(fleet[min(2, processes - 1)],
                                                              hold=min(10.0, slot / 2))),
                        (slot * 4, injector.slow_neo4j(hold=min(12.0, slot / 2)))]
                for at, fault in plan:
                    await asyncio.sleep(max(0.0, started + at - time.monotonic()))
                    await fault
            await asyncio.sleep(max(0.0, started + seconds - time.monotonic()))
            stop.set()
            await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        say("停止各进程并核对 stopping the hubs (each ships its journal), then checking")
        for process in fleet:
            process.stop()
        # What a journal still holds (a drain that could not finish) is shipped by the next
        # start on it, as in production: one more start on each such journal.
        for process in fleet:
            if any(process.journal.glob("*.jsonl")):
                say(f"  进程 {process.index} 的日志仍有事件 journal {process.index} not empty: "
                    "shipped by a fresh start")
                process.start()
                await process.wait_ready()
                process.stop()
        result = {"processes": processes, "clients": clients_count,
                  "seconds": round(elapsed, 1), "faults": ledger.faults,
                  **summarise(ledger, elapsed),
                  "invariant": await check(graph, settings, ledger, tag)}
        if broken(result):
            keep = True
            result["logs"] = str(work)  # the hubs' logs, kept to read what went wrong
        return result
    finally:
        for process in fleet:
            process.stop()
        await graph.close()
        if mounted:
            _unmount(tmpfs)
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def broken(result: dict[str, Any]) -> bool:
    """The invariant does not hold, or a failure came without a code."""
    invariant = result["invariant"]
    return bool(not invariant["auditChainVerified"] or invariant["answersMissingFromChain"]
                or invariant["answersInChainTwice"] or invariant["answered200WithoutEvent"]
                or invariant["acknowledgedWritesLost"] or invariant["duplicateWrites"]
                or result["uncodedFailures"])

"""``hub bench api``: what a GraphQL field costs against the Cypher it compiles to.

For ``childTimeline`` and a filtered ``children`` page it measures, in one run on the same data
and in turn, ten requests at a time: the hub over HTTP (in-process ASGI) with auth and audit
on, with the audit off, and with both off; the same compiled Cypher sent directly with the driver;
and a naive resolver-per-field GraphQL version. Auth's cost is read with the audit off on both
sides, the audit's with auth on on both sides. It prints one JSON object;
``bench/RESULTS.md`` keeps the figures.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import strawberry

from auth import clients
from auth.policy import default_policy
from auth.standing import STATUS_QUERIES
from auth.trusted import LIST_QUERY
from devtools.demo.city import CITY_CODE, COUNTY_WEIGHTS
from devtools.demo.load import load_demo
from hub.graph import Graph, counting
from hub.settings import Settings
from shell.app import create_app

TIMELINE = """query ($id: ID!) { childTimeline(childId: $id) {
  __typename id date kind recordedBy source
  ... on Placement { placementType stage status organisation { id name } }
  ... on ServiceSession { serviceKind hours content organisation { id name } }
  ... on Assessment { recommendation }
  ... on DisabilityCertificate { category grade } } }"""

CHILDREN = """query ($f: ChildFilterInput) { children(filter: $f, first: 20) {
  totalCount edges { cursor node { id name birthDate
    currentPlacement { placementType stage organisation { name } } } }
  pageInfo { hasNextPage endCursor } } }"""

BLOCK = 10  # requests of one variant in a row
BENCH_CLIENT = ("cl_bench", "local-bench-secret-not-for-production")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def percentiles(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(_percentile(samples, 0.95), 2)}


# --- the naive version: one query per object, as resolvers written field by field would --------


@strawberry.type
class NaiveOrganisation:
    id: str
    name: str | None


@strawberry.type
class NaiveFact:
    id: str
    graph: strawberry.Private[Graph]

    async def _props(self) -> dict[str, Any]:
        rows = await self.graph.run("MATCH (f:Fact {id: $id}) RETURN properties(f) AS p, "
                                    "labels(f) AS labels", {"id": self.id})
        return {**rows[0]["p"], "labels": rows[0]["labels"]}

    @strawberry.field
    async def date(self) -> str | None:
        value = (await self._props()).get("date")
        return None if value is None else str(value)

    @strawberry.field
    async def kind(self) -> str:
        return str(next(lb for lb in (await self._props())["labels"] if lb != "Fact"))

    @strawberry.field
    async def recorded_by(self) -> str | None:
        return (await self._props()).get("recordedBy")

    @strawberry.field
    async def source(self) -> str | None:
        return (await self._props()).get("source")

    @strawberry.field
    async def organisation(self) -> NaiveOrganisation | None:
        rows = await self.graph.run(
            "MATCH (:Fact {id: $id})-[:AT|BY]->(o:Organisation) RETURN o.id AS id, o.name AS name",
            {"id": self.id})
        return NaiveOrganisation(id=rows[0]["id"], name=rows[0]["name"]) if rows else None


@strawberry.type
class NaiveQuery:
    @strawberry.field
    async def child_timeline(self, info: strawberry.Info, child_id: str) -> list[NaiveFact]:
        graph: Graph = info.context["graph"]
        rows = await graph.run("MATCH (:Child {id: $id})-[:HAS_FACT]->(f:Fact) RETURN f.id AS id "
                               "ORDER BY f.date, f.id", {"id": child_id})
        return [NaiveFact(id=row["id"], graph=graph) for row in rows]


NAIVE_TIMELINE = """query ($id: String!) { childTimeline(childId: $id) {
  id date kind recordedBy source organisation { id name } } }"""


# --- the run ------------------------------------------------------------------------------------


async def _ensure_data(graph: Graph, settings: Settings, children: int, seed: int) -> int:
    rows = await graph.run("MATCH (c:Child) RETURN count(c) AS n")
    have = int(rows[0]["n"])
    if have == 0:
        await load_demo(graph, settings, children, seed)
        rows = await graph.run("MATCH (c:Child) RETURN count(c) AS n")
        have = int(rows[0]["n"])
    return have


async def bench_client_and_children(graph: Graph) -> list[str]:
    """Registers the bench client (an education officer of the city); every child's id."""
    await clients.add_client(graph, default_policy(), name="bench", department="EDU",
                             region=CITY_CODE, roles=["edu-officer"],
                             client_id=BENCH_CLIENT[0], secret=BENCH_CLIENT[1])
    rows = await graph.run("MATCH (c:Child) RETURN c.id AS id ORDER BY c.id")
    return [r["id"] for r in rows]


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def run(settings: Settings, children: int, requests: int, concurrency: int,
              seed: int = 1) -> dict[str, Any]:
    graph = Graph.connect(settings)
    try:
        have = await _ensure_data(graph, settings, children, seed)
        ids = await bench_client_and_children(graph)
        rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
        sample = [rng.choice(ids) for _ in range(requests)]
        counties = list(COUNTY_WEIGHTS)
        filters = [{"regionCode": rng.choice(counties), "placementType": "REGULAR_CLASS"}
                   for _ in range(requests)]
        quiet = {"log_level": "WARNING", "rate_limit_per_minute": 10**6, "env": "test"}
        full = settings.model_copy(update={**quiet, "auth_enabled": True})
        # Each cost is measured with the other switched off, so one does not hide the other.
        no_audit = settings.model_copy(update={**quiet, "audit_enabled": False})
        bare = settings.model_copy(update={**quiet, "auth_enabled": False,
                                           "audit_enabled": False})
        logging.getLogger("httpx").setLevel(logging.WARNING)
        results: dict[str, Any] = {"children": have, "requests": requests}
        audited = InProcessHub(full)
        async with audited as hub, InProcessHub(no_audit) as hub_no_audit, \
                InProcessHub(bare) as hub_bare:
            token = await client_token(hub)
            variants = {
                "hub": (hub, {"Authorization": f"Bearer {token}"}),
                "audit_off": (hub_no_audit, {"Authorization": f"Bearer {token}"}),
                "auth_off": (hub_bare, {}),
            }
            naive = strawberry.Schema(query=NaiveQuery)
            for name, query, variables in (
                ("timeline", TIMELINE, [{"id": i} for i in sample]),
                ("children_page", CHILDREN, [{"f": f} for f in filters]),
            ):
                results[name] = await _measure(graph, variants, naive, name, query, variables,
                                               concurrency, audited.app.state.audit.drain)
        timeline = results["timeline"]
        results.update({k: timeline[k] for k in (
            "p50_ms", "p95_ms", "raw_p50_ms", "ratio_p50", "naive_p50_ms", "round_trips", "rps")})
        return results
    finally:
        await graph.close()


class InProcessHub:
    """The hub's app in this process, with its lifespan, behind an httpx client (ASGI): what
    a request costs without a network in between."""

    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self._lifespan: Any = None
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> httpx.AsyncClient:
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                         base_url="http://hub")
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        assert self._client is not None
        await self._client.aclose()
        await self._lifespan.__aexit__(*exc)


async def client_token(client: httpx.AsyncClient,
                       credentials: tuple[str, str] = BENCH_CLIENT) -> str:
    """A token for a bench client (the education officer's by default), by client
    credentials."""
    response = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=credentials)
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def _measure(graph: Graph, variants: dict[str, tuple[httpx.AsyncClient, dict[str, str]]],
                   naive: strawberry.Schema, name: str, query: str,
                   variables: list[dict[str, Any]], concurrency: int,
                   settle: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    samples: dict[str, list[float]] = {key: [] for key in (*variants, "raw", "naive")}
    trips = []

    async def post(variant: str, v: dict[str, Any]) -> None:
        client, headers = variants[variant]
        response = await client.post("/graphql", json={"query": query, "variables": v},
                                     headers=headers)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"{name}: {response.status_code} {body.get('errors')}")

    for v in variables[:5]:  # warm-up: caches, the query planner
        for variant in variants:
            await post(variant, v)
    # In blocks, variant after variant, so noise hits every variant alike while the work each
    # request leaves behind (the audit journal's shipping) falls on the next request of its
    # own variant, as it does on a hub under steady load, not on another variant's. The order
    # turns from block to block: no variant always follows the naive version's garbage.
    order = list(variants)
    for index, first in enumerate(range(0, len(variables), BLOCK)):
        block = variables[first:first + BLOCK]
        reads_of_block = []
        turn = index % len(order)
        for variant in order[turn:] + order[:turn]:
            for v in block:
                async with counting() as counted:
                    started = time.perf_counter()
                    await post(variant, v)
                    samples[variant].append(_since(started))
                if variant == "hub":
                    # the audit log and the rate limit's leases are written on their own, the
                    # token's status and the client's trusted documents read once per subject
                    # every few seconds: count the reads that answer
                    reads = [(c, p) for c, p in counted.reads
                             if c not in STATUS_QUERIES.values() and c != LIST_QUERY]
                    trips.append(len(reads))
                    reads_of_block.append(reads[0])
            if variant == "hub":
                await settle()
        for cypher, params in reads_of_block:
            started = time.perf_counter()
            await graph.run(cypher, params)
            samples["raw"].append(_since(started))
        if name == "timeline":
            for v in block:
                started = time.perf_counter()
                await naive.execute(NAIVE_TIMELINE, variable_values=v,
                                    context_value={"graph": graph})
                samples["naive"].append(_since(started))

    queue = list(variables)
    started = time.perf_counter()

    async def worker() -> None:
        while queue:
            await post("hub", queue.pop())

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started

    hub, raw = percentiles(samples["hub"]), percentiles(samples["raw"])
    auth_off, audit_off = percentiles(samples["auth_off"]), percentiles(samples["audit_off"])
    figures: dict[str, Any] = {
        **hub,
        "rps": round(len(variables) / elapsed, 1),
        "raw_p50_ms": raw["p50_ms"], "raw_p95_ms": raw["p95_ms"],
        "ratio_p50": round(hub["p50_ms"] / raw["p50_ms"], 2),
        # auth: (auth on, audit off) against (both off); audit: (both on) against (audit off)
        "auth_off_p50_ms": auth_off["p50_ms"],
        "auth_ratio_p50": round(audit_off["p50_ms"] / auth_off["p50_ms"], 2),
        "audit_off_p50_ms": audit_off["p50_ms"],
        "audit_ratio_p50": round(hub["p50_ms"] / audit_off["p50_ms"], 2),
        "round_trips": max(trips),
    }
    if samples["naive"]:
        figures["naive_p50_ms"] = percentiles(samples["naive"])["p50_ms"]
    return figures

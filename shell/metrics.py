"""``/metrics`` 运行指标 (Prometheus text format) and the middleware that feeds it: requests by
route and status, GraphQL operations by type, root fields and outcome, the audit journal's lag,
the webhook queue.

Who may scrape: with ``HUB_METRICS_TOKEN`` set, a request bearing it; without it, anyone in dev
and test, no one in production (the series hold no personal data, but rates and operations
tell an outsider how the hub is used).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import metrics, tracing
from hub.answers import error_body
from hub.graph import DB_ERRORS
from hub.settings import Settings
from hub.tracing import tracer
from notify.delivery import backlog

# A method label is one of these: any other token a client sends is "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def operation_label(record: Any) -> str | None:
    """``query childTimeline`` from the request's audit record: the operation's type and root
    fields (at most three, sorted), both from the schema, never the client's operation name."""
    kind = getattr(record, "operation_type", None)
    if kind is None:
        return None
    roots = sorted(set(getattr(record, "root_fields", None) or []))
    shown = ",".join(roots[:3]) + (",…" if len(roots) > 3 else "")
    return f"{kind} {shown}".strip()


class MetricsMiddleware:
    """Counts and times every HTTP request, under its route's path (never the raw path: a
    client could otherwise mint a series per URL); a span per request when traces are on."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes
        # Most requests are to a fixed path: found by a lookup, not by trying every route.
        self.fixed = {route.path: route.path for route in routes
                      if isinstance(route, Route) and "{" not in route.path}
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def route_of(self, scope: Scope) -> str:
        fixed = self.fixed.get(scope["path"])
        if fixed is not None:
            return fixed
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return str(getattr(route, "path", "other")) or "/"
        return "other"

    def series(self, route: str, method: str, status: int) -> tuple[Any, Any]:
        """The request counter and latency histogram of these labels (bound once)."""
        key = (route, method, str(status))
        found = self._children.get(key)
        if found is None:
            found = (metrics.HTTP_REQUESTS.labels(*key), metrics.HTTP_SECONDS.labels(route))
            self._children[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.route_of(scope)
        method = scope["method"] if scope["method"] in _METHODS else "other"
        state = scope.setdefault("state", {})  # the guard's audit record lands in here
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        span = (tracer.start_as_current_span(f"{method} {route}", attributes={
                    "http.request.method": method, "http.route": route})
                if tracing.enabled() else nullcontext())
        with span as current:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                elapsed = time.perf_counter() - started
                requests, seconds = self.series(route, method, status)
                requests.inc()
                seconds.observe(elapsed)
                operation = operation_label(state.get("audit"))
                if operation is not None:
                    outcome = getattr(state.get("audit"), "outcome", None) or (
                        "ok" if status < 400 else "error")
                    metrics.GRAPHQL_OPERATIONS.labels(operation, outcome).inc()
                    metrics.GRAPHQL_SECONDS.labels(operation).observe(elapsed)
                if current is not None:
                    current.set_attribute("http.response.status_code", status)
                    if operation is not None:
                        current.set_attribute("graphql.operation", operation)


def metrics_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def scrape(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse(
                    error_body("UNAUTHENTICATED", "需要指标令牌 the metrics token is required"),
                    status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        elif settings.env == "prod":
            return JSONResponse(
                error_body("METRICS_DISABLED",
                           "未设置 HUB_METRICS_TOKEN，指标不对外 set HUB_METRICS_TOKEN to scrape"),
                status_code=403)
        _audit_lag(request)
        await _webhook_queue(request)
        stream = getattr(request.app.state, "events", None)
        metrics.SUBSCRIPTIONS.set(stream.listening if stream is not None else 0)
        registry: CollectorRegistry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return scrape


def _audit_lag(request: Request) -> None:
    """The journal's state at scrape time: events synced but not yet in the graph, and how
    long the oldest has waited (``/readyz`` fails past HUB_AUDIT_MAX_LAG_SECONDS)."""
    audit = getattr(request.app.state, "audit", None)
    shipper = getattr(audit, "shipper", None)
    if shipper is None:
        metrics.AUDIT_UNSHIPPED.set(0)
        metrics.AUDIT_LAG_SECONDS.set(0)
        return
    oldest = shipper.journal.oldest_unshipped()
    metrics.AUDIT_UNSHIPPED.set(len(shipper.journal.unshipped))
    metrics.AUDIT_LAG_SECONDS.set(0 if oldest is None else time.monotonic() - oldest)


async def _webhook_queue(request: Request) -> None:
    """The outbox's backlog (notify/delivery.py); left as last read when the graph is away."""
    try:
        waiting = await backlog(request.app.state.graph)
    except DB_ERRORS:
        return
    for state, count in waiting.items():
        metrics.WEBHOOK_QUEUE.labels(state=state).set(count)

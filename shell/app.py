"""The ASGI application: ``/graphql``, ``/healthz``, ``/readyz``, OAuth2 and ``/console``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from audit.service import service_for
from auth.authorize import authorize_routes
from auth.discovery import discovery_routes
from auth.guard import GraphQLGuard
from auth.keys import KeyStore
from auth.policy import policy_for
from auth.ratelimit import RateLimiter
from auth.routes import oauth_routes
from auth.signin_limits import SignInLimits
from auth.tokens import TokenService
from console.routes import console_routes
from hub import migrate, tracing
from hub.bookmarks import BookmarkMiddleware
from hub.graph import DB_ERRORS, Graph
from hub.logs import RequestIdMiddleware, configure, log
from hub.settings import Settings, get_settings
from notify.graphql_ws import SubscriptionEndpoint
from notify.stream import EventStream
from notify.worker import Worker
from schema.endpoint import HubGraphQL
from shell.metrics import MetricsMiddleware, metrics_endpoint


class Readiness:
    """Whether Neo4j answers and carries every migration; migrates when it first can."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._lock = asyncio.Lock()

    async def check(self) -> tuple[bool, str]:
        try:
            missing = await migrate.pending(self.graph)
            if missing:
                async with self._lock:
                    await migrate.migrate(self.graph)
                missing = await migrate.pending(self.graph)
        except DB_ERRORS:
            return False, "database unreachable"
        if missing:
            versions = ", ".join(f"{m.version:04d}" for m in missing)
            return False, f"migrations not applied: {versions}"
        return True, "ready"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    configure(settings.log_level)
    tracing.configure()
    graph = Graph.connect(settings)
    readiness = Readiness(graph)
    policy = policy_for(settings)
    keys = KeyStore(settings.keys_dir)
    keys.ensure()
    tokens = TokenService(keys, settings, graph)
    # The token endpoint and the sign-in form count attempts together, with every process.
    limits = SignInLimits.from_settings(settings, graph)
    endpoint = HubGraphQL(graph, settings, policy if settings.auth_enabled else None)
    graphql: ASGIApp = endpoint
    # Read your own writes on a cluster: the bookmark in and out (hub/bookmarks.py).
    graphql = BookmarkMiddleware(graphql, settings.id_hmac_key.get_secret_value())
    limiter = RateLimiter(graph, settings.rate_limit_per_minute)
    graphql = GraphQLGuard(
        graphql,
        tokens if settings.auth_enabled else None,
        limiter,
        policy,
    )
    # Subscriptions over WebSocket on the same path and schema, the same token, limits and
    # audit (notify/graphql_ws.py); one outbox poller for every connection of this process.
    stream = EventStream(graph, settings)
    subscriptions = SubscriptionEndpoint(
        endpoint.schema, graph, settings, policy if settings.auth_enabled else None,
        tokens if settings.auth_enabled else None, limiter, stream)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ready, reason = await readiness.check()  # applies migrations at start when it can
        log.info("startup", ready=ready, reason=reason, env=settings.env)
        audit = service_for(app)
        if audit is not None:
            audit.start()
        # Webhooks from the outbox (notify/): after the audit, which records each delivery.
        worker = Worker(graph, settings, policy, audit) if settings.webhook_worker else None
        if worker is not None:
            worker.start()
        # Stopped also when the app's user leaves with an exception (an in-process app in a
        # test or a benchmark): a webhook worker left polling would deliver others' events.
        try:
            yield
        finally:
            await stream.stop()
            if worker is not None:
                await worker.stop()
            audit = getattr(app.state, "audit", None)
            if audit is not None:
                await audit.close()  # ships what the journal still holds
            await graph.close()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> JSONResponse:
        ready, reason = await readiness.check()
        audit = getattr(request.app.state, "audit", None)
        if ready and audit is not None and audit.lagging():
            ready, reason = False, "audit log behind its journal"
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "reason": reason},
            status_code=200 if ready else 503,
        )

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(settings)),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", subscriptions),
            *oauth_routes(graph, keys, tokens, limits),
            *discovery_routes(settings),  # RFC 8414, from HUB_ISSUER and what is served here
            # people sign in here (authorization code + PKCE)
            *authorize_routes(graph, settings, limits),
            *console_routes(graph, settings, tokens if settings.auth_enabled else None,
                            policy if settings.auth_enabled else None),
        ],
        lifespan=lifespan,
    )
    app.state.graph = graph
    app.state.settings = settings
    app.state.policy = policy  # the audit records its version on every event
    app.state.events = stream  # the outbox poller of this process's subscriptions
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, routes=app.routes)  # outermost: times everything
    return app

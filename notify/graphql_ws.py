"""GraphQL subscriptions over WebSocket 订阅连接: ``/graphql`` with ``graphql-transport-ws``.

The same token, scope and audit as ``/graphql`` over HTTP and as the webhooks:

- **Token** — in ``connection_init``'s payload (``{"Authorization": "Bearer …"}`` or
  ``{"token": "…"}``) or the upgrade request's ``Authorization`` header, verified as the door
  verifies it (auth/tokens.py: signature, expiry, the client's or person's standing). Refused:
  the socket is closed ``4403 Forbidden``. While it is open the token is checked again every
  ``HUB_SUBSCRIPTION_RECHECK_SECONDS`` and when it expires: a revoked or rotated client, a
  disabled person, an expired token closes it ``4403`` (the standing cache makes a revocation
  seen within seconds, as everywhere else). A client resumes with a new token and ``after``.
- **Purpose** — declared as over HTTP: ``"purpose"`` in the payload or ``X-Purpose-Of-Use`` on
  the upgrade; unknown ``4400``, not one the roles may declare ``4403``. It is on the audit of
  every event sent.
- **Limits** — opening a connection and each subscription count against the subject's rate
  limit (``4429`` / ``RATE_LIMITED``); at most ``HUB_SUBSCRIPTION_MAX_CONNECTIONS``
  connections per subject over every process (notify/slots.py, ``4429``); each subscription's
  document passes the same depth, alias, token and cost checks as a query.
- **Scope and audit** — per event, notify/feed.py.

Only ``graphql-transport-ws`` is spoken (the legacy ``graphql-ws`` subprotocol is closed
``4406``); queries and mutations belong on HTTP. Strawberry's protocol handler is used as it
is, with the hub's connection-init step and a watch on the token around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types.unset import UnsetType

from audit.service import AuditRecord, AuditService, service_for
from audit.store import AuditUnavailable
from auth.policy import Policy
from auth.ratelimit import RateLimiter
from auth.tokens import InvalidToken, TokenService
from hub.errors import QueryTimeout
from hub.graph import DB_ERRORS, Graph
from hub.identity import IdProtector
from hub.logs import log
from hub.settings import Settings
from hub.subject import Subject
from notify.feed import Feed
from notify.slots import Slots
from notify.stream import EventStream
from schema import http
from schema.endpoint import context_for
from schema.subscriptions import SubscriptionContext
from schema.trusted import TrustedGate

_STANDING_UNREADABLE: tuple[type[Exception], ...] = (*DB_ERRORS, QueryTimeout)
# Subscriptions at once on one connection (one is the usual: `hubEvents` with its kinds).
MAX_SUBSCRIPTIONS = 10


class Refused(Exception):
    """Closes the connection at ``connection_init`` with a code of the protocol's range."""

    def __init__(self, code: int, reason: str, status: int, error: str,
                 subject: Subject | None = None) -> None:
        super().__init__(reason)
        self.subject = subject  # who was refused, when the token said
        self.code = code
        self.reason = reason  # ASCII, under 123 bytes: a close frame's limit
        self.status = status  # the HTTP status the door would have answered, for the audit
        self.error = error


@dataclasses.dataclass
class Admitted:
    """What connection_init established: the subject, its token and the slot it holds."""

    subject: Subject
    token: str | None
    expires: float | None


class Connection(BaseGraphQLTransportWSHandler[SubscriptionContext, None]):
    """Strawberry's protocol handler, with the hub's admission and a watch on the token."""

    view: SubscriptionEndpoint
    admitted: Admitted | None = None
    watch: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Refused as refused:
            await self.websocket.close(code=refused.code, reason=refused.reason)
            return
        finally:
            # Admitted holds a slot, given back at shutdown even if the ack never left.
            admitted = self.context.connection
            self.admitted = admitted if isinstance(admitted, Admitted) else None
        if self.connection_acknowledged and self.admitted is not None:
            self.watch = asyncio.create_task(self._watch(self.admitted),
                                             name="subscription-watch")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """A client with registered documents subscribes with those only, by ``documentId``
        (or ``extensions.persistedQuery``) or in full, as over HTTP (schema/trusted.py); a
        refusal is an ``error`` for that subscription, coded and audited."""
        payload = message.get("payload")
        if self.admitted is None or not self.connection_acknowledged or \
                not isinstance(payload, dict):
            await super().handle_subscribe(message)  # the protocol's own refusals
            return
        query = payload.get("query")
        text = query if isinstance(query, str) else ""
        document_id = payload.get("documentId")
        extensions = payload.get("extensions")
        params = http.Params(
            query=text, operation_name=payload.get("operationName"),
            variables=payload.get("variables"),
            extensions=extensions if isinstance(extensions, dict) else None,
            document_id=document_id if isinstance(document_id, str) else None)
        record = AuditRecord(subject=self.admitted.subject, operation_type="subscription")
        try:
            admitted = await self.view.trusted.admit(params, self.admitted.subject, record)
        except http.RequestProblem as problem:
            record.error_codes = [problem.code]
            await self.view.audit_refusal(self.context, record, problem.status)
            await self.send_message({"id": message["id"], "type": "error", "payload": [
                {"message": problem.message, "extensions": {"code": problem.code}}]})
            return
        if admitted.query != text:  # the registered text, named by its hash
            message = {**message, "payload": {**payload, "query": admitted.query}}
        await super().handle_subscribe(message)

    async def _watch(self, admitted: Admitted) -> None:
        """Closes the connection 4403 once the token is no longer good; renews the slot."""
        view = self.view
        every = view.settings.subscription_recheck_seconds
        while True:
            wait = every
            if admitted.expires is not None:
                wait = max(0.0, min(every, admitted.expires - time.time()))
            await asyncio.sleep(wait)
            good = True
            if admitted.expires is not None and time.time() >= admitted.expires:
                good = False
            elif admitted.token is not None and view.tokens is not None:
                try:
                    await view.tokens.verify(admitted.token)
                except InvalidToken:
                    good = False
                except Exception as exc:  # the database away: asked again next time
                    log.warning("subscription token check failed",
                                error_type=type(exc).__name__)
            if not good:
                log.info("subscription closed: token no longer good",
                         connection=self.context.connection_id)
                await self._end(4403, "Forbidden: token expired or revoked")
                return
            try:
                await view.slots.renew(admitted.subject, self.context.connection_id)
            except Exception as exc:  # the watch goes on; a lapsed lease only frees a slot
                log.warning("subscription slot not renewed", error_type=type(exc).__name__)

    async def _end(self, code: int, reason: str) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(RuntimeError):  # already closing
            await self.websocket.close(code=code, reason=reason)

    async def shutdown(self) -> None:
        if self.watch is not None:
            self.watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watch
        await super().shutdown()
        if self.admitted is not None:
            try:
                await self.view.slots.close(self.admitted.subject, self.context.connection_id)
            except _STANDING_UNREADABLE as exc:  # the lease runs out instead
                log.warning("subscription slot not released", error_type=type(exc).__name__)


class SubscriptionEndpoint(GraphQL[SubscriptionContext, None]):
    """The WebSocket side of ``/graphql`` (the shell routes WebSocket requests here)."""

    graphql_transport_ws_handler_class = Connection

    def __init__(self, schema: Any, graph: Graph, settings: Settings, policy: Policy | None,
                 tokens: TokenService | None, limiter: RateLimiter | None,
                 stream: EventStream) -> None:
        super().__init__(
            schema, graphql_ide=None, allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=dt.timedelta(
                seconds=settings.subscription_init_timeout_seconds),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS,
        )
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.tokens = tokens
        self.limiter = limiter
        self.stream = stream
        self.slots = Slots(graph, settings)
        self.trusted = TrustedGate(graph, settings)  # a client's registered documents
        self.protector = IdProtector(settings)
        self.purposes = set(policy.spec.purposes) if policy is not None else set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await Response(status_code=404)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket,
                          response: Response | WebSocket | None) -> SubscriptionContext:
        # Sees nothing until connection_init admits a subject (on_ws_connect).
        return SubscriptionContext(graph=self.graph, settings=self.settings,
                                   connection_id="ws_" + secrets.token_hex(8),
                                   websocket=request if isinstance(request, WebSocket) else None)

    async def on_ws_connect(self, context: SubscriptionContext) -> UnsetType | dict[str, object]:
        websocket = self._websocket_of(context)
        audit = self._audit(websocket)
        try:
            admitted = await self._admit(context, websocket)
        except Refused as refused:
            await self.audit_refusal(context, AuditRecord(
                subject=refused.subject, operation_type="subscription",
                error_codes=[refused.error]), refused.status)
            raise
        subject = admitted.subject
        if self.policy is not None:
            base = context_for(self.graph, self.settings, self.policy, subject, self.protector)
            context.subject, context.view, context.scope = base.subject, base.view, base.scope
            context.protector = base.protector
        client = websocket.client if websocket is not None else None
        record = audit.subscription_event if audit is not None else _not_audited
        limiter = self.limiter if self.tokens is not None else None  # no subject to count
        context.feed = Feed(self.graph, self.settings, self.policy, self.stream, limiter,
                            record, context.connection_id,
                            client_address=client.host if client else None)
        context.connection = admitted
        ack: dict[str, object] = {"connectionId": context.connection_id}
        if admitted.expires is not None:
            ack["expiresAt"] = dt.datetime.fromtimestamp(admitted.expires, dt.UTC).isoformat()
        return ack

    async def _admit(self, context: SubscriptionContext, websocket: WebSocket | None
                     ) -> Admitted:
        params = context.connection_params or {}
        headers = websocket.headers if websocket is not None else {}
        token = _token_of(params, headers.get("authorization"))
        if self.tokens is None:  # auth switched off (dev, benchmarks' baseline)
            anonymous = Subject(kind="client", id="anonymous", department="", region="000000")
            return Admitted(anonymous, None, None)
        if token is None:
            raise Refused(4403, "Forbidden: a valid access token is required", 401,
                          "UNAUTHENTICATED")
        try:
            subject = await self.tokens.verify(token)
        except InvalidToken:
            raise Refused(4403, "Forbidden: a valid access token is required", 401,
                          "UNAUTHENTICATED") from None
        except _STANDING_UNREADABLE:
            raise Refused(4500, "UNAVAILABLE: the database is unavailable, retry later", 503,
                          "UNAVAILABLE") from None
        declared = params.get("purpose")
        purpose = (declared if isinstance(declared, str) else None) or \
            headers.get("x-purpose-of-use")
        subject = dataclasses.replace(subject, purpose=(purpose or "").strip() or None)
        try:
            self._check_purpose(subject)
            await self._limit(subject, context.connection_id)
        except Refused as refused:
            refused.subject = subject
            raise
        return Admitted(subject, token, self.tokens.expiry(token))

    def _check_purpose(self, subject: Subject) -> None:
        """As the door checks it (auth/guard.py): one of the policy's, one the roles may
        declare."""
        if subject.purpose is None or self.policy is None:
            return
        if subject.purpose not in self.purposes:
            raise Refused(4400, "BAD_USER_INPUT: unknown purpose of use", 400, "BAD_USER_INPUT")
        if not self.policy.may_declare(subject, subject.purpose):
            raise Refused(4403, "PURPOSE_NOT_ALLOWED: your roles may not declare it", 403,
                          "PURPOSE_NOT_ALLOWED")

    async def _limit(self, subject: Subject, connection_id: str) -> None:
        """The rate limit, then the connection cap."""
        try:
            if self.limiter is not None:
                wait = await self.limiter.acquire(subject.id)
                if wait:
                    raise Refused(4429, f"RATE_LIMITED: retry after "
                                  f"{RateLimiter.retry_after(wait)} s", 429, "RATE_LIMITED")
            if not await self.slots.open(subject, connection_id):
                raise Refused(4429, f"TOO_MANY_CONNECTIONS: at most "
                              f"{self.settings.subscription_max_connections} per client",
                              429, "TOO_MANY_CONNECTIONS")
        except _STANDING_UNREADABLE:
            raise Refused(4500, "UNAVAILABLE: the database is unavailable, retry later", 503,
                          "UNAVAILABLE") from None

    @staticmethod
    def _websocket_of(context: SubscriptionContext) -> WebSocket | None:
        return context.websocket if isinstance(context.websocket, WebSocket) else None

    def _audit(self, websocket: WebSocket | None) -> AuditService | None:
        app = websocket.scope.get("app") if websocket is not None else None
        try:
            return service_for(app) if app is not None else None
        except AuditUnavailable:
            raise Refused(4500, "AUDIT_UNAVAILABLE: the audit log is unavailable", 503,
                          "AUDIT_UNAVAILABLE") from None

    async def audit_refusal(self, context: SubscriptionContext, record: AuditRecord,
                            status: int) -> None:
        """A refused connection or subscription is on the audit log as the door's refusals are
        (so bursts of them are flagged); nothing was disclosed."""
        websocket = self._websocket_of(context)
        if websocket is None:
            return
        with contextlib.suppress(Exception):  # the refusal stands either way
            audit = service_for(websocket.scope.get("app"))
            if audit is not None:
                await audit.append(audit.graphql_event(record, websocket.scope, status))


async def _not_audited(*args: Any, **kwargs: Any) -> None:
    """The audit switched off (dev, some tests): nothing to record."""


def _token_of(params: dict[str, Any], header: str | None) -> str | None:
    """The bearer token: connection_init's payload first (``Authorization`` or ``token``), then
    the upgrade request's header (browsers cannot set one on a WebSocket)."""
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if isinstance(value, str) and value.lower().startswith("bearer "):
            return value[7:].strip() or None
    token = params.get("token")
    if isinstance(token, str) and token.strip():
        return token.strip()
    if header is not None and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None

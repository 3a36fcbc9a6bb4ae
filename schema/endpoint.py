"""The ``/graphql`` endpoint: strawberry's ASGI app with the hub's context, and the direct
answer (``schema/direct.py``) in front of its executor."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from auth.policy import Policy
from auth.scope import scope_for
from hub.answers import error_body, replay, send_bytes, send_json
from hub.graph import Graph, unavailable
from hub.identity import IdProtector
from hub.logs import log
from hub.settings import Settings
from hub.subject import Subject
from schema.api import build_schema
from schema.context import Context
from schema.direct import DirectAnswer
from schema.documents import Documents

_NO_SUBJECT = error_body("UNAUTHENTICATED", "需要有效的访问令牌 a valid access token is required")


class HubGraphQL(GraphQL[Context, None]):
    def __init__(self, graph: Graph, settings: Settings, policy: Policy | None) -> None:
        schema = build_schema(settings)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.introspection else None,
            allow_queries_via_get=False,
        )
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.protector = IdProtector(settings)
        self.documents = Documents()
        self.direct = DirectAnswer(schema._schema, self.documents)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # With a policy in force, a request that reached here without a subject (a mounting
        # mistake, a door left out) is refused: it must never run without the policy.
        if (self.policy is not None and scope["type"] == "http" and scope["method"] != "GET"
                and scope.get("state", {}).get("subject") is None):
            await send_json(send, 401, _NO_SUBJECT, [(b"www-authenticate", b'Bearer realm="hub"')])
            return
        if scope["type"] == "http" and scope["method"] == "POST" and _is_json(scope):
            body = await _body(receive)
            answered = await self._answer_directly(scope, body)
            if answered is not None:
                await send_bytes(send, 200, answered)
                return
            receive = replay(body, receive)
        await super().__call__(scope, receive, send)

    async def _answer_directly(self, scope: Scope, body: bytes) -> bytes | None:
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None  # strawberry says what is wrong with it
        context = await self.get_context(Request(scope), None)
        try:
            return await self.direct.answer(context, request)
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("database unavailable", error_type=type(exc).__name__)
            return None  # the executor's path says so, coded (schema/errors.py)

    def encode_json(self, data: object) -> bytes:
        # UTF-8 as it is: Chinese text stays readable and a third of the size of \u escapes.
        return orjson.dumps(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        http = request if isinstance(request, Request) else None
        subject = getattr(http.state, "subject", None) if http is not None else None
        audit = getattr(http.state, "audit", None) if http is not None else None
        if self.policy is None:
            # Auth switched off (dev, benchmarks' baseline): no policy, no row scope.
            return Context(graph=self.graph, settings=self.settings, request=http, audit=audit,
                           documents=self.documents)
        if subject is None:  # refused in __call__; a context that sees nothing, to be sure
            subject = Subject(kind="client", id="anonymous", department="", region="000000")
        context = context_for(self.graph, self.settings, self.policy, subject, self.protector,
                              http)
        context.audit = audit
        context.documents = self.documents
        return context


def context_for(
    graph: Graph,
    settings: Settings,
    policy: Policy,
    subject: Subject,
    protector: IdProtector,
    request: Request | None = None,
) -> Context:
    """The context of one subject's request: its view of the policy and its row scope."""
    view = policy.view(subject)
    return Context(
        graph=graph,
        settings=settings,
        request=request,
        subject=subject,
        view=view,
        scope=scope_for(view, subject),
        protector=protector,
    )


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bool(value.split(b";")[0].strip().lower() == b"application/json")
    return False


async def _body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


"""The ``/graphql`` endpoint: GraphQL over HTTP (``schema/http.py``) with the hub's context,
a client's trusted documents (``schema/trusted.py``), the direct answer (``schema/direct.py``)
in front of strawberry's executor."""

from __future__ import annotations

import orjson
from graphql import DocumentNode, GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types.graphql import OperationType as StrawberryOperation

from audit.service import AuditRecord
from auth.policy import Policy
from auth.scope import scope_for
from hub.answers import error_body, send_bytes, send_json
from hub.graph import Graph, unavailable
from hub.identity import IdProtector
from hub.logs import log
from hub.settings import Settings
from hub.subject import Subject
from schema import http
from schema.api import build_schema
from schema.compiled import CompiledQueries
from schema.context import Context
from schema.direct import DirectAnswer
from schema.documents import Documents
from schema.errors import classify
from schema.trusted import TrustedGate

_NO_SUBJECT = error_body("UNAUTHENTICATED", "需要有效的访问令牌 a valid access token is required")


class HubGraphQL(GraphQL[Context, None]):
    """``/graphql``. Strawberry's view serves only GraphiQL (dev) and WebSockets; every GraphQL
    request over HTTP, GET or POST, is answered here (``schema/http.py`` has the rules), by the
    direct answer when it can and by ``Schema.execute`` (public API) otherwise, so both paths
    share one media type, status and body rule."""

    def __init__(self, graph: Graph, settings: Settings, policy: Policy | None) -> None:
        schema = build_schema(settings)
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.introspection else None,
            allow_queries_via_get=True,
        )
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.protector = IdProtector(settings)
        self.documents = Documents()
        self.compiled = CompiledQueries()
        self.direct = DirectAnswer(schema._schema, self.documents)
        self.trusted = TrustedGate(graph, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        if http.is_ide_request(scope):
            if self.graphql_ide:
                await super().__call__(scope, receive, send)  # the GraphiQL page, no data
            else:
                await send_json(send, 404, error_body("NOT_FOUND", "无此页面 not found"))
            return
        media = http.negotiate(http.header(scope, b"accept"))
        # With a policy in force, a request that reached here without a subject (a mounting
        # mistake, a door left out) is refused: it must never run without the policy.
        if self.policy is not None and scope.get("state", {}).get("subject") is None:
            await send_json(send, 401, _NO_SUBJECT, [(b"www-authenticate", b'Bearer realm="hub"')],
                            content_type=media or http.JSON)
            return
        try:
            status, payload = await self._answer(scope, receive, media)
        except http.RequestProblem as problem:
            record = scope.get("state", {}).get("audit")
            if isinstance(record, AuditRecord):
                record.error_codes = [problem.code]
            await send_json(send, problem.status, error_body(problem.code, problem.message),
                            problem.headers, content_type=media or http.JSON)
            return
        await send_bytes(send, status, payload, content_type=media or http.JSON)

    async def _answer(self, scope: Scope, receive: Receive, media: str | None
                      ) -> tuple[int, bytes]:
        method = scope["method"]
        if method not in ("GET", "POST"):
            raise http.RequestProblem(405, "仅支持 GET 与 POST only GET and POST are served",
                                      headers=[(b"allow", b"GET, POST")])
        if media is None:
            raise http.RequestProblem(
                406, f"Accept 须包含 {http.GRAPHQL_RESPONSE} 或 {http.JSON} "
                     f"Accept must allow {http.GRAPHQL_RESPONSE} or {http.JSON}")
        if method == "GET":
            params = http.from_query_string(scope.get("query_string", b""))
        else:
            params = http.from_body(http.header(scope, b"content-type"), await _body(receive))
        state = scope.get("state", {})
        record = state.get("audit")
        params = await self.trusted.admit(params, state.get("subject"),
                                          record if isinstance(record, AuditRecord) else None)
        document = self._operation_check(params, method)
        context = await self.get_context(Request(scope), None)
        if document is not None:
            answered = await self._answer_directly(context, params)
            if answered is not None:
                return 200, answered  # the direct answer takes only requests that run
        result = await self.schema.execute(
            params.query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
            allowed_operation_types=_ALLOWED[method],
            operation_extensions=params.extensions,
        )
        # A syntax error reaches here without the code ErrorCodes gives every other error
        # (strawberry ends the operation before that extension sees it): coded the same way.
        errors = [e if (e.extensions or {}).get("code") else classify(e)
                  for e in result.errors or []]
        request_error = http.is_request_error(result.data, errors)
        codes = [str((e.extensions or {}).get("code", "")) for e in errors]
        body = http.body_for(media, request_error, result.data, [e.formatted for e in errors],
                             result.extensions)
        return http.status_for(media, request_error, codes, result.data), self.encode_json(body)

    async def _answer_directly(self, context: Context, params: http.Params) -> bytes | None:
        try:
            return await self.direct.answer(context, params.as_request())
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("database unavailable", error_type=type(exc).__name__)
            return None  # the executor's path says so, coded (schema/errors.py)

    def _operation_check(self, params: http.Params, method: str) -> DocumentNode | None:
        """Refuses a mutation sent by GET (405) and a document whose operation cannot be chosen
        (400); returns the document when it was already validated, else None."""
        known = self.documents.get(params.query)
        document = known
        if document is None:
            try:
                document = parse(params.query)
            except GraphQLError:
                return None  # the executor reports the syntax error, located
        operation = get_operation_ast(document, params.operation_name)
        if operation is None:
            named = f" {params.operation_name!r}" if params.operation_name else ""
            raise http.RequestProblem(
                400, f"找不到要执行的操作{named}:有多个操作时请给出 operationName "
                     f"no operation{named} to run; name one with operationName")
        if operation.operation is OperationType.SUBSCRIPTION:
            raise http.RequestProblem(
                400, "订阅请通过 WebSocket(graphql-transport-ws)连接 /graphql subscriptions are "
                     "served over a WebSocket at /graphql (graphql-transport-ws), not over HTTP")
        if method == "GET" and operation.operation is not OperationType.QUERY:
            raise http.RequestProblem(
                405, "GET 只能执行查询,变更请用 POST a GET runs queries only; send "
                     f"{operation.operation.value}s by POST", headers=[(b"allow", b"POST")])
        return known

    def encode_json(self, data: object) -> bytes:
        # UTF-8 as it is: Chinese text stays readable and a third of the size of \u escapes.
        return orjson.dumps(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        http_request = request if isinstance(request, Request) else None
        subject = getattr(http_request.state, "subject", None) if http_request else None
        audit = getattr(http_request.state, "audit", None) if http_request else None
        if self.policy is None:
            # Auth switched off (dev, benchmarks' baseline): no policy, no row scope.
            return Context(graph=self.graph, settings=self.settings, request=http_request,
                           audit=audit, documents=self.documents, compiled=self.compiled)
        if subject is None:  # refused in __call__; a context that sees nothing, to be sure
            subject = Subject(kind="client", id="anonymous", department="", region="000000")
        context = context_for(self.graph, self.settings, self.policy, subject, self.protector,
                              http_request)
        context.audit = audit
        context.documents = self.documents
        context.compiled = self.compiled
        return context


_ALLOWED = {"GET": {StrawberryOperation.QUERY},
            "POST": {StrawberryOperation.QUERY, StrawberryOperation.MUTATION}}


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


async def _body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


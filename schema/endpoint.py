"""The ``/graphql`` endpoint: strawberry's ASGI app with the hub's context."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from auth.policy import Policy
from auth.scope import scope_for
from auth.subject import Subject
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from schema.api import build_schema
from schema.compile import Scope
from schema.context import Context


class HubGraphQL(GraphQL[Context, None]):
    def __init__(self, graph: Graph, settings: Settings, policy: Policy | None) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.env == "dev" else None,
            allow_queries_via_get=False,
        )
        self.graph = graph
        self.settings = settings
        self.policy = policy
        self.protector = IdProtector(settings)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        http = request if isinstance(request, Request) else None
        subject = getattr(http.state, "subject", None) if http is not None else None
        audit = getattr(http.state, "audit", None) if http is not None else None
        if subject is None or self.policy is None:
            # Auth switched off (dev, benchmarks' baseline): no policy, no row scope.
            return Context(graph=self.graph, settings=self.settings, request=http, audit=audit)
        context = context_for(self.graph, self.settings, self.policy, subject, self.protector,
                              http)
        context.audit = audit
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
        scope=scope_for(view, subject) if view.sees_children else Scope(["false"], ["false"]),
        protector=protector,
    )

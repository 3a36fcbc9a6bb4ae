"""The ``/graphql`` endpoint: strawberry's ASGI app with the hub's context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.graph import Graph
from hub.settings import Settings
from schema.api import build_schema
from schema.context import Context


class HubGraphQL(GraphQL[Context, None]):
    def __init__(self, graph: Graph, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.env == "dev" else None,
            allow_queries_via_get=False,
        )
        self.graph = graph
        self.settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> Context:
        return Context(
            graph=self.graph,
            settings=self.settings,
            request=request if isinstance(request, Request) else None,
        )


def graphql_app(graph: Graph, settings: Settings) -> Any:
    return HubGraphQL(graph, settings)

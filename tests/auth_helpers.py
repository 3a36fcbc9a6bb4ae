"""An authenticated HTTP client for tests: a real app, real tokens, the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from auth import clients
from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import Settings
from shell.app import create_app


@asynccontextmanager
async def http_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client


async def register(graph: Graph, department: str, region: str, roles: list[str],
                   organisations: list[str] | None = None) -> clients.Registered:
    return await clients.add_client(
        graph, default_policy(), name="test", department=department, region=region,
        roles=roles, organisations=organisations,
    )


async def token_for(client: httpx.AsyncClient, registered: clients.Registered) -> str:
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(registered.client_id, registered.secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def gql(client: httpx.AsyncClient, token: str, query: str,
              variables: dict[str, Any] | None = None, purpose: str | None = None
              ) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if purpose:
        headers["X-Purpose-Of-Use"] = purpose
    return await client.post("/graphql", json={"query": query, "variables": variables or {}},
                             headers=headers)

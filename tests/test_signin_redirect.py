"""The console's sign-in redirect (issue 12, finding 10): checked against the configured origins
(``HUB_ISSUER``'s, ``HUB_CONSOLE_ORIGINS``), never against the request's ``Host`` header."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from hub.graph import Graph
from hub.settings import Settings
from shell.app import create_app
from tests.graphql_helpers import seed
from tests.test_people import PASSWORD, flow, pkce, staff


@asynccontextmanager
async def client_as(settings: Settings, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends ``Host: host``, whatever the hub's own name."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            yield client


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_the_redirect_is_checked_against_the_issuer_not_the_host_header(
        graph: Graph, settings: Settings, method: str) -> None:
    """A request with ``Host: evil.example`` made evil.example's callback a valid redirect."""
    await seed(graph)
    await staff(graph)
    _, challenge = pkce()
    evil = flow(challenge, redirect_uri="http://evil.example/console/callback")
    async with client_as(settings, "evil.example") as client:
        if method == "GET":
            response = await client.get("/oauth/authorize", params=evil)
        else:
            response = await client.post("/oauth/authorize", data={
                **evil, "username": "wang.li", "password": PASSWORD})
    assert response.status_code == 400 and "location" not in response.headers
    assert "redirect_uri" in response.text
    assert f"{settings.issuer}/console/callback" in response.text  # where to open the console


async def test_console_origins_may_be_listed(graph: Graph, settings: Settings) -> None:
    await seed(graph)
    await staff(graph)
    listed = settings.model_copy(update={"console_origins": "https://console.example.cn"})
    _, challenge = pkce()
    elsewhere = flow(challenge, redirect_uri="https://console.example.cn/console/callback")
    async with client_as(listed, "hub") as client:
        response = await client.post("/oauth/authorize", data={
            **elsewhere, "username": "wang.li", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"].startswith("https://console.example.cn/console/callback?")


def test_console_origins_must_be_origins() -> None:
    with pytest.raises(ValueError, match="not an origin"):
        Settings(console_origins="https://console.example.cn/path")

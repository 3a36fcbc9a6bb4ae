"""Proxy headers (issue 12, finding 8): ``X-Forwarded-For`` is believed from no one unless a
proxy is listed in ``HUB_FORWARDED_ALLOW_IPS``, which is empty by default."""

from __future__ import annotations

import secrets

import httpx
import pytest
import uvicorn

from hub.graph import Graph
from hub.settings import Settings
from shell.app import create_app
from shell.cli import proxy_options


def test_no_proxy_is_believed_by_default() -> None:
    fresh = Settings()
    assert fresh.forwarded_allow_ips == ""
    assert proxy_options(fresh) == {"proxy_headers": False, "forwarded_allow_ips": ""}


@pytest.mark.parametrize(("trusted", "recorded"), [
    ("", "127.0.0.1"),  # the default: a local process cannot name another address
    ("127.0.0.1", "203.0.113.7"),  # a proxy listed on purpose is believed
])
async def test_forwarded_for_is_believed_only_from_listed_proxies(
        graph: Graph, settings: Settings, trusted: str, recorded: str) -> None:
    settings = settings.model_copy(update={"forwarded_allow_ips": trusted})
    made_up = "cl_" + secrets.token_hex(8)
    app = create_app(settings)
    # The app as `hub serve` hands it to uvicorn, with uvicorn's own proxy-header middleware.
    config = uvicorn.Config(app, log_config=None, **proxy_options(settings))
    config.load()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            refused = await client.post(
                "/oauth/token", data={"grant_type": "client_credentials"},
                auth=(made_up, "wrong"), headers={"X-Forwarded-For": "203.0.113.7"})
        assert refused.status_code == 401
        await app.state.audit.drain()
    rows = await graph.run("MATCH (e:AuditEvent {kind: 'token', subjectId: $id}) "
                           "RETURN e.clientAddress AS address", {"id": made_up})
    assert [r["address"] for r in rows] == [recorded]

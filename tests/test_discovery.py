"""Discovery tells the truth (auth/discovery.py, issue 16 point 6): a department's developer
discovers the hub with a standard client library (Authlib) and uses every advertised endpoint
and grant without typing a URL; production refuses an issuer clients could not trust."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from hub.graph import Graph
from hub.settings import Settings, SettingsError, load_settings
from shell.app import create_app
from tests.auth_helpers import register
from tests.graphql_helpers import seed
from tests.test_people import CALLBACK, PASSWORD, staff

WELL_KNOWN = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


@pytest.fixture
async def hub(settings: Settings, tmp_path: Path, neo4j_server: object
              ) -> AsyncIterator[tuple[httpx.ASGITransport, dict[str, Any]]]:
    app = create_app(settings.model_copy(update={"keys_dir": tmp_path / "keys",
                                                 "auth_enabled": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as client:
            documents = [(await client.get(path)).json() for path in WELL_KNOWN]
        assert documents[0] == documents[1]
        yield transport, documents[0]


async def test_the_metadata_is_the_real_configuration(
    hub: tuple[httpx.ASGITransport, dict[str, Any]], settings: Settings
) -> None:
    transport, meta = hub
    assert meta["issuer"] == settings.issuer
    assert set(meta["grant_types_supported"]) == {"authorization_code", "client_credentials"}
    assert meta["response_types_supported"] == ["code"]  # no implicit flow
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "id_token_signing_alg_values_supported" not in meta  # no ID tokens are issued
    # Every advertised endpoint is on the issuer and answers (none is 404 or 405).
    endpoints = {k: v for k, v in meta.items() if k.endswith(("_endpoint", "_uri"))}
    assert set(endpoints) == {"authorization_endpoint", "token_endpoint", "jwks_uri"}
    async with httpx.AsyncClient(transport=transport) as client:
        for name, url in endpoints.items():
            assert url.startswith(settings.issuer + "/"), name
            method = "POST" if name == "token_endpoint" else "GET"
            response = await client.request(method, url)
            assert response.status_code not in (404, 405), (name, response.status_code)


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_a_department_system_discovers_and_gets_a_token(
    graph: Graph, hub: tuple[httpx.ASGITransport, dict[str, Any]], method: str
) -> None:
    transport, meta = hub
    assert method in meta["token_endpoint_auth_methods_supported"]
    await seed(graph)
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with AsyncOAuth2Client(registered.client_id, registered.secret,
                                 token_endpoint_auth_method=method,
                                 transport=transport) as client:
        token = await client.fetch_token(meta["token_endpoint"],
                                         grant_type="client_credentials")
        jwks = (await client.get(meta["jwks_uri"])).json()
        claims = jwt.decode(token["access_token"], KeySet.import_key_set(jwks)).claims
        assert claims["iss"] == meta["issuer"] and claims["sub"] == registered.client_id
        # The client library puts the token on the call itself.
        answer = await client.post(meta["issuer"] + "/graphql",
                                   json={"query": '{ child(id: "ch_1") { id } }'},
                                   headers={"Accept": "application/graphql-response+json"})
    assert answer.status_code == 200 and answer.json() == {"data": {"child": {"id": "ch_1"}}}


async def test_a_person_signs_in_by_the_advertised_code_flow(
    graph: Graph, hub: tuple[httpx.ASGITransport, dict[str, Any]]
) -> None:
    transport, meta = hub
    assert "none" in meta["token_endpoint_auth_methods_supported"]  # the console: public
    await seed(graph)
    person_id = await staff(graph)
    verifier = generate_token(48)
    async with AsyncOAuth2Client("console", redirect_uri=CALLBACK,
                                 code_challenge_method="S256",
                                 token_endpoint_auth_method="none",
                                 transport=transport) as client:
        url, state = client.create_authorization_url(meta["authorization_endpoint"],
                                                     code_verifier=verifier)
        # (no token yet: the library is told not to look for one)
        form = await client.request("GET", url, withhold_token=True)
        assert form.status_code == 200 and "password" in form.text
        # The person fills in the form the authorization endpoint showed.
        fields = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        signed_in = await client.request("POST", meta["authorization_endpoint"], data={
            **fields, "username": "wang.li", "password": PASSWORD}, withhold_token=True)
        assert signed_in.status_code == 303, signed_in.text
        token = await client.fetch_token(meta["token_endpoint"],
                                         authorization_response=signed_in.headers["location"],
                                         state=state, code_verifier=verifier)
        jwks = (await client.get(meta["jwks_uri"])).json()
    claims = jwt.decode(token["access_token"], KeySet.import_key_set(jwks)).claims
    assert claims["kind"] == "person" and claims["sub"] == person_id


# --- the issuer in the configuration ------------------------------------------------------------

_PROD_SECRETS = {"HUB_ENV": "prod", "HUB_NEO4J_PASSWORD": "a-real-password",
                 "HUB_ID_HMAC_KEY": "a-real-hmac-key",
                 "HUB_ID_ENCRYPTION_KEY": "cmVhbC1rZXktMzItYnl0ZXMtZm9yLXRoZS10ZXN0cyE="}


@pytest.mark.parametrize(("issuer", "message"), [
    (None, "HUB_ISSUER must be set in production"),
    ("http://hub.example.cn", "must be an https:// URL"),
    ("https://127.0.0.1:8000", "not a loopback address"),
    ("https://localhost", "not a loopback address"),
    ("https://hub.example.cn/", "trailing slash"),
    ("https://hub.example.cn?x=1", "no query"),
])
def test_production_refuses_an_issuer_clients_cannot_trust(
    monkeypatch: pytest.MonkeyPatch, issuer: str | None, message: str
) -> None:
    for name, value in _PROD_SECRETS.items():
        monkeypatch.setenv(name, value)
    if issuer is None:
        monkeypatch.delenv("HUB_ISSUER", raising=False)
    else:
        monkeypatch.setenv("HUB_ISSUER", issuer)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_production_takes_a_public_https_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _PROD_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_ISSUER", "https://hub.example.cn")
    assert load_settings().issuer == "https://hub.example.cn"


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", "http://127.0.0.1:8123"), ("0.0.0.0", "http://127.0.0.1:8123"),
    ("hub.local", "http://hub.local:8123"),
])
def test_elsewhere_an_unset_issuer_is_where_the_hub_serves(
    monkeypatch: pytest.MonkeyPatch, host: str, expected: str
) -> None:
    monkeypatch.setenv("HUB_ENV", "dev")
    monkeypatch.delenv("HUB_ISSUER", raising=False)
    monkeypatch.setenv("HUB_HOST", host)
    monkeypatch.setenv("HUB_PORT", "8123")
    assert load_settings().issuer == expected

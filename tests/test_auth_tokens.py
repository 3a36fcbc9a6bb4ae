"""Tokens: the token endpoint, discovery, and every attack on /graphql answered with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from auth import clients
from auth.keys import KeyStore
from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import ExternalIssuer, Settings
from tests.auth_helpers import gql, http_client, register, token_for

QUERY = "{ children(first: 1) { totalCount } }"


@pytest.fixture
def auth_settings(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    return settings.model_copy(update={"keys_dir": tmp_path / "keys", "auth_enabled": True})


@pytest.fixture
async def client_x(graph: Graph) -> None:
    """The client the hand-made tokens name: a token is good only while its client is active
    with the token's credential generation (the first registration makes it 1)."""
    await clients.add_client(graph, default_policy(), name="x", department="EDU",
                             region="140404", roles=["edu-officer"], client_id="cl_x")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(settings: Settings, **changes: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": settings.issuer, "aud": settings.token_audience, "sub": "cl_x", "iat": now,
        "nbf": now, "exp": now + 300, "kind": "client", "department": "EDU",
        "region": "140404", "roles": ["edu-officer"], "organisations": [], "gen": 1,
    }
    claims.update(changes)
    return claims


async def test_client_credentials_token_and_discovery(
    graph: Graph, auth_settings: Settings
) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(auth_settings) as client:
        by_basic = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                     auth=(registered.client_id, registered.secret))
        assert by_basic.status_code == 200
        body = by_basic.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == auth_settings.token_ttl_s
        assert by_basic.headers["cache-control"] == "no-store"
        by_post = await client.post("/oauth/token", data={
            "grant_type": "client_credentials", "client_id": registered.client_id,
            "client_secret": registered.secret})
        assert by_post.status_code == 200
        ok = await gql(client, body["access_token"], QUERY)
        assert ok.status_code == 200 and ok.json()["data"]["children"]["totalCount"] == 0

        wrong = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(registered.client_id, "wrong"))
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        assert wrong.headers["www-authenticate"].startswith("Basic")
        grant = await client.post("/oauth/token", data={"grant_type": "password"},
                                  auth=(registered.client_id, registered.secret))
        assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"

        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert [k["kty"] for k in jwks["keys"]] == ["EC"] and "d" not in jwks["keys"][0]
        discovery = (await client.get("/.well-known/openid-configuration")).json()
        assert discovery["token_endpoint"].endswith("/oauth/token")
        assert set(discovery["grant_types_supported"]) == {"client_credentials",
                                                          "authorization_code"}


async def test_revoked_and_rotated_clients_get_no_token(
    graph: Graph, auth_settings: Settings
) -> None:
    registered = await register(graph, "DPF", "140404", ["dpf-officer"])
    new_secret = await clients.rotate_secret(graph, registered.client_id)
    async with http_client(auth_settings) as client:
        old = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                auth=(registered.client_id, registered.secret))
        assert old.status_code == 401
        fresh = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                  auth=(registered.client_id, new_secret))
        assert fresh.status_code == 200
        await clients.revoke(graph, registered.client_id)
        revoked = await client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                    auth=(registered.client_id, new_secret))
        assert revoked.status_code == 401


def _hs256(header: dict[str, object], claims: dict[str, object], secret: bytes) -> str:
    """The classic confusion: HMAC keyed with the verifier's public key (libraries refuse
    to build it, so it is built by hand)."""
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _attacks(settings: Settings, keys: KeyStore) -> dict[str, str | None]:
    signing = keys.signing
    good = _claims(settings)
    header = {"alg": "ES256", "kid": signing.kid}
    valid = jwt.encode(header, good, signing)
    head, payload, signature = valid.split(".")
    stranger = ECKey.generate_key("P-256", {"kid": signing.kid})
    public_pem = signing.as_pem(private=False)
    return {
        "no token": None,
        "not a jwt": "garbage",
        "alg none": f"{_b64({'alg': 'none', 'kid': signing.kid})}.{_b64(good)}.",
        "hs256 with the public key as secret": _hs256(
            {"alg": "HS256", "kid": signing.kid}, good, public_pem),
        "unknown kid": jwt.encode({"alg": "ES256", "kid": "nope"}, good,
                                  ECKey.generate_key("P-256", {"kid": "nope"})),
        "signed by another key with our kid": jwt.encode(header, good, stranger),
        "tampered payload": f"{head}.{_b64({**good, 'roles': ['edu-officer', 'auditor']})}."
                            f"{signature}",
        "expired": jwt.encode(header, _claims(settings, exp=int(time.time()) - 3600), signing),
        "not yet valid": jwt.encode(header, _claims(settings, nbf=int(time.time()) + 3600),
                                    signing),
        "wrong audience": jwt.encode(header, _claims(settings, aud="someone-else"), signing),
        "wrong issuer": jwt.encode(header, _claims(settings, iss="https://evil.example"),
                                   signing),
        "rs256 header on our key": f"{_b64({'alg': 'RS256', 'kid': signing.kid})}.{payload}."
                                   f"{signature}",
    }


async def test_every_token_attack_is_401_without_detail(auth_settings: Settings,
                                                        client_x: None) -> None:
    async with http_client(auth_settings) as client:
        keys = KeyStore(auth_settings.keys_dir)
        valid = jwt.encode({"alg": "ES256", "kid": keys.signing.kid}, _claims(auth_settings),
                           keys.signing)
        assert (await gql(client, valid, QUERY)).status_code == 200
        bodies = set()
        for name, token in _attacks(auth_settings, keys).items():
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
            assert response.status_code == 401, name
            assert response.headers["www-authenticate"].startswith('Bearer realm="hub"'), name
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            bodies.add(response.text)
        assert len(bodies) == 1  # the same words whatever went wrong


async def test_key_rotation_without_downtime(auth_settings: Settings, client_x: None) -> None:
    keys = KeyStore(auth_settings.keys_dir)
    keys.ensure()
    old = keys.signing
    old_token = jwt.encode({"alg": "ES256", "kid": old.kid}, _claims(auth_settings), old)
    keys.rotate()
    async with http_client(auth_settings) as client:
        assert (await gql(client, old_token, QUERY)).status_code == 200
        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert len(jwks["keys"]) == 2
    assert keys.retire(old.kid)
    async with http_client(auth_settings) as client:
        assert (await gql(client, old_token, QUERY)).status_code == 401


@pytest.fixture
def province_idp() -> Iterator[tuple[str, RSAKey]]:
    """A stand-in province identity platform: its JWKS served on loopback."""
    key = RSAKey.generate_key(2048, {"kid": "prov-1", "alg": "RS256", "use": "sig"})
    jwks = json.dumps({"keys": [key.as_dict(private=False)]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    server.shutdown()


async def test_external_oidc_issuer_tokens_are_mapped_and_checked(
    auth_settings: Settings, province_idp: tuple[str, RSAKey]
) -> None:
    uri, key = province_idp
    issuer = ExternalIssuer(
        issuer="https://idp.province.example", jwks_uri=uri, audience="hub",
        claims={"id": "sub", "department": "dept", "region": "adcode", "roles": "hub_roles"},
    )
    conf = auth_settings.model_copy(update={"oidc_issuers": [issuer]})
    now = int(time.time())
    claims = {"iss": issuer.issuer, "aud": "hub", "sub": "person-7", "iat": now, "exp": now + 60,
              "dept": "EDU", "adcode": "140404", "hub_roles": ["edu-officer"]}
    header = {"alg": "RS256", "kid": "prov-1"}
    async with http_client(conf) as client:
        good = jwt.encode(header, claims, key)
        assert (await gql(client, good, QUERY)).status_code == 200
        wrong_aud = jwt.encode(header, {**claims, "aud": "other"}, key)
        assert (await gql(client, wrong_aud, QUERY)).status_code == 401
        expired = jwt.encode(header, {**claims, "exp": now - 600}, key)
        assert (await gql(client, expired, QUERY)).status_code == 401


async def test_external_tokens_must_carry_every_claim_the_policy_needs(
    auth_settings: Settings, province_idp: tuple[str, RSAKey]
) -> None:
    uri, key = province_idp
    issuer = ExternalIssuer(
        issuer="https://idp.province.example", jwks_uri=uri, audience="hub",
        claims={"id": "uid", "department": "dept", "region": "adcode", "roles": "hub_roles",
                "organisations": "orgs"},
    )
    conf = auth_settings.model_copy(update={"oidc_issuers": [issuer]})
    now = int(time.time())
    good = {"iss": issuer.issuer, "aud": "hub", "sub": "p-7", "iat": now, "exp": now + 60,
            "uid": "person-7", "dept": "EDU", "adcode": "140404", "hub_roles": ["edu-officer"],
            "orgs": []}
    # Each of these was taken before, with an empty region (every child) or a made-up value.
    broken: dict[str, dict[str, object]] = {
        "no id": {"uid": None}, "empty id": {"uid": ""},
        "no department": {"dept": None}, "unknown department": {"dept": "POLICE"},
        "no region": {"adcode": None}, "empty region": {"adcode": ""},
        "a prefix for a region": {"adcode": "1404"}, "no such region": {"adcode": "000000"},
        "a number for a region": {"adcode": 140404},
        "no roles": {"hub_roles": None}, "no role at all": {"hub_roles": []},
        "roles not strings": {"hub_roles": [1, 2]},
        "organisations not strings": {"orgs": [7]},
    }
    header = {"alg": "RS256", "kid": "prov-1"}
    async with http_client(conf) as client:
        assert (await gql(client, jwt.encode(header, good, key), QUERY)).status_code == 200
        for name, change in broken.items():
            claims = {k: v for k, v in {**good, **change}.items() if v is not None}
            response = await gql(client, jwt.encode(header, claims, key), QUERY)
            assert response.status_code == 401, name
        # a space-separated string is a list of roles, as OAuth writes its scope
        spaced = jwt.encode(header, {**good, "hub_roles": "edu-officer supervisor"}, key)
        assert (await gql(client, spaced, QUERY)).status_code == 200


async def test_own_tokens_must_carry_every_claim_the_policy_needs(
    auth_settings: Settings, client_x: None
) -> None:
    """Only a token signed with our key can get here, but a claim read without a check is
    still a default nobody chose (a future issuer path, a key that leaked)."""
    keys = KeyStore(auth_settings.keys_dir)
    keys.ensure()
    header = {"alg": "ES256", "kid": keys.signing.kid}
    broken: dict[str, dict[str, object]] = {
        "no kind": {"kind": None},
        "no department": {"department": None}, "no region": {"region": None},
        "empty region": {"region": ""}, "a prefix for a region": {"region": "14"},
        "no roles": {"roles": None}, "roles not strings": {"roles": [["edu-officer"]]},
        "no organisations": {"organisations": None},
        "no credential generation": {"gen": None}, "a generation as text": {"gen": "1"},
        "a generation as a boolean": {"gen": True},
    }
    async with http_client(auth_settings) as client:
        good = jwt.encode(header, _claims(auth_settings), keys.signing)
        assert (await gql(client, good, QUERY)).status_code == 200
        for name, change in broken.items():
            claims = {k: v for k, v in _claims(auth_settings, **change).items() if v is not None}
            response = await gql(client, jwt.encode(header, claims, keys.signing), QUERY)
            assert response.status_code == 401, name


async def test_rate_limit_answers_429_with_retry_after(
    graph: Graph, auth_settings: Settings
) -> None:
    conf = auth_settings.model_copy(update={"rate_limit_per_minute": 6})  # a burst of 1
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(conf) as client:
        token = await token_for(client, registered)
        assert (await gql(client, token, QUERY)).status_code == 200
        limited = await gql(client, token, QUERY)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1


async def test_unknown_purpose_is_refused(graph: Graph, auth_settings: Settings) -> None:
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(auth_settings) as client:
        token = await token_for(client, registered)
        response = await gql(client, token, QUERY, purpose="CURIOSITY")
        assert response.status_code == 400
        assert "purpose" in response.json()["errors"][0]["message"]


async def test_a_key_added_by_another_process_is_picked_up(auth_settings: Settings,
                                                           client_x: None) -> None:
    async with http_client(auth_settings) as client:
        other = KeyStore(auth_settings.keys_dir)  # e.g. `hub keys rotate` run elsewhere
        kid = other.rotate()
        token = jwt.encode({"alg": "ES256", "kid": kid}, _claims(auth_settings), other.signing)
        import auth.tokens

        auth.tokens.KEY_RELOAD_S = 0.0  # no need to wait out the reload interval in a test
        try:
            response = await gql(client, token, QUERY)
            assert response.status_code == 200, response.text
        finally:
            auth.tokens.KEY_RELOAD_S = 5.0

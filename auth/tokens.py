"""Access tokens: short-lived ES256 JWTs issued by the hub, and tokens from trusted issuers.

Verification accepts only the algorithms configured for the token's issuer (ES256 for ours), so
``alg: none`` and HS/RS confusion fail before any key is tried; the ``kid`` must name a known
key; ``iss``, ``aud``, ``exp`` and ``nbf`` are checked. Every failure is the same
:class:`InvalidToken`: the client learns nothing that would help an attacker.

A token must also carry every claim the policy reads, well-formed: an id, a known department, a
known six-digit region, at least one role (for ours, also the kind, the organisations and the
credential generation). A missing region must never become the empty prefix, i.e. every child.

The hub's own tokens are good only while their client or person is active with the same
credential generation (``auth/standing.py``): revoking or rotating takes effect within
``HUB_TOKEN_STATUS_CACHE_SECONDS`` on every process. Tokens of an external issuer have no local
record; their revocation is the issuer's, bounded by their lifetime.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections import OrderedDict
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from auth.keys import ALGORITHM, KeyStore
from auth.standing import SubjectStatus
from hub import regions
from hub.facts import DEPARTMENTS
from hub.graph import Graph
from hub.settings import ExternalIssuer, Settings
from hub.subject import Subject

LEEWAY_S = 30
JWKS_CACHE_S = 600
VERIFIED_CACHE_SIZE = 10_000
KEY_RELOAD_S = 5.0


def _reload_interval() -> float:
    return KEY_RELOAD_S  # read at call time, so it can be changed (tests)


class InvalidToken(Exception):
    """Any reason a token is not accepted; deliberately without detail."""


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, unverified: only to pick the issuer and key."""
    try:
        header_b64, payload_b64, _ = token.split(".")
        header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
        payload = json.loads(
            base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4))
        )
    except (ValueError, UnicodeDecodeError):
        raise InvalidToken from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise InvalidToken
    return header, payload


class TokenService:
    def __init__(self, keys: KeyStore, settings: Settings, graph: Graph) -> None:
        self.keys = keys
        self.issuer = settings.issuer
        self.audience = settings.token_audience
        self.ttl = settings.token_ttl_s
        self.external = {issuer.issuer: issuer for issuer in settings.oidc_issuers}
        self._jwks: dict[str, tuple[float, KeySet]] = {}
        # A client sends the same token for many requests: remember what verified, until it
        # expires, so the signature is checked once per token rather than once per request.
        # Only the signature: whether the subject may still use it is asked every time.
        self._verified: OrderedDict[str, tuple[float, Subject, bool]] = OrderedDict()
        self._keys_loaded = time.monotonic()
        self.status = SubjectStatus(graph, settings.token_status_cache_seconds)

    def issue(self, subject: Subject) -> tuple[str, int]:
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": subject.id, "iat": now,
            "nbf": now, "exp": now + self.ttl, "jti": secrets.token_hex(8),
            "kind": subject.kind, "department": subject.department, "region": subject.region,
            "roles": sorted(subject.roles), "organisations": list(subject.organisations),
            "gen": subject.generation,
        }
        # The folder as it is now (a listing, when nothing changed): never signs with a key
        # retired elsewhere, and signs with the newest even if another process added it.
        self.keys.reload()
        key = self.keys.signing
        header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM]), self.ttl

    async def verify(self, token: str) -> Subject:
        # A key retired through another process stops verifying here within the interval.
        self._reload_keys()
        remembered = self._verified.get(token)
        if remembered is not None:
            expires, subject, ours = remembered
            if not (time.time() < expires and set(self.keys.kids) >= {self._kid_of(token)}):
                del self._verified[token]
                remembered = None
        if remembered is None:
            subject, expires, ours = await self._verify(token)
            self._verified[token] = (expires, subject, ours)
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        if ours and not await self.status.allows(subject.kind, subject.id, subject.generation):
            raise InvalidToken
        return subject

    def expiry(self, token: str) -> float | None:
        """When a token that verified expires (seconds since 1970); None if it never did. A
        subscription (notify/graphql_ws.py) closes then: its connection outlives no token."""
        remembered = self._verified.get(token)
        return remembered[0] if remembered is not None else None

    def _reload_keys(self) -> None:
        # Every few seconds, so a key retired by another process stops verifying here: the
        # cached verdicts are dropped once their kid is gone (verify).
        now = time.monotonic()
        if now - self._keys_loaded >= _reload_interval():
            self._keys_loaded = now
            self.keys.reload()

    @staticmethod
    def _kid_of(token: str) -> str:
        return str(_unverified(token)[0].get("kid", ""))

    async def _verify(self, token: str) -> tuple[Subject, float, bool]:
        """The subject, when the token expires, and whether the hub issued it."""
        header, payload = _unverified(token)
        issuer = payload.get("iss")
        if issuer == self.issuer:
            if header.get("kid") not in self.keys.kids:
                # A key added by `hub keys rotate` or another process: the listing is cheap when
                # nothing changed, so a made-up kid costs a directory read, not a key import.
                self.keys.reload()
            if header.get("alg") != ALGORITHM or header.get("kid") not in self.keys.kids:
                raise InvalidToken
            claims = self._decode(token, self.keys.key_set(), [ALGORITHM], self.audience)
            return _own_subject(claims), float(claims["exp"]), True
        external = self.external.get(str(issuer))
        if external is None or header.get("alg") not in external.algorithms:
            raise InvalidToken
        key_set = await self._external_keys(external, str(header.get("kid", "")))
        claims = self._decode(token, key_set, list(external.algorithms), external.audience,
                              external.issuer)
        return _external_subject(claims, external.claims), float(claims["exp"]), False

    def _decode(self, token: str, keys: KeySet, algorithms: list[str], audience: str,
                issuer: str | None = None) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, keys, algorithms=algorithms)
            registry = JWTClaimsRegistry(
                leeway=LEEWAY_S,
                iss={"essential": True, "value": issuer or self.issuer},
                aud={"essential": True, "value": audience},
                exp={"essential": True},
                sub={"essential": True},
            )
            registry.validate(decoded.claims)
        except (JoseError, ValueError, TypeError):
            raise InvalidToken from None
        return dict(decoded.claims)

    async def _external_keys(self, issuer: ExternalIssuer, kid: str) -> KeySet:
        cached = self._jwks.get(issuer.issuer)
        fresh = cached is not None and time.monotonic() - cached[0] < JWKS_CACHE_S
        if cached is not None and fresh and any(k.kid == kid for k in cached[1].keys):
            return cached[1]
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(issuer.jwks_uri)
                response.raise_for_status()
                key_set = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError):
            raise InvalidToken from None
        self._jwks[issuer.issuer] = (time.monotonic(), key_set)
        return key_set


_REGION = re.compile(r"[0-9]{6}")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidToken
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidToken
    return tuple(value)


def _checked(kind: Any, subject_id: Any, department: Any, region: Any, roles: Any,
             organisations: Any, generation: int = 0) -> Subject:
    """A subject only from claims the policy can use as they are: what is missing or malformed
    refuses the token rather than defaulting to something (an empty region is every child)."""
    if kind not in ("client", "person"):
        raise InvalidToken
    department, region = _text(department), _text(region)
    if department not in DEPARTMENTS:
        raise InvalidToken
    if not _REGION.fullmatch(region) or not regions.is_known(region):
        raise InvalidToken
    role_list = _texts(roles)
    if not role_list:
        raise InvalidToken
    return Subject(
        kind="client" if kind == "client" else "person", id=_text(subject_id),
        department=department, region=region, roles=frozenset(role_list),
        organisations=_texts(organisations), generation=generation,
    )


def _own_subject(claims: dict[str, Any]) -> Subject:
    generation = claims.get("gen")
    # bool is an int to Python; a token without its generation predates revocation checks
    if not isinstance(generation, int) or isinstance(generation, bool):
        raise InvalidToken
    return _checked(claims.get("kind"), claims.get("sub"), claims.get("department"),
                    claims.get("region"), claims.get("roles"), claims.get("organisations"),
                    generation)


def _external_subject(claims: dict[str, Any], mapping: dict[str, str]) -> Subject:
    def claim(name: str, default: Any = None) -> Any:
        source = mapping.get(name)
        return claims.get(source, default) if source else default

    roles = claim("roles")
    if isinstance(roles, str):  # a space-separated list, as OAuth's ``scope`` is written
        roles = roles.split()
    return _checked(claim("kind", "person"), claim("id"), claim("department"), claim("region"),
                    roles, claim("organisations", []))

"""OAuth2 endpoints: the token endpoint (client credentials; authorization code with PKCE for
people, ``auth/authorize.py``) and JWKS (RFC 6749, 7636); discovery is ``auth/discovery.py``.

Errors follow RFC 6749 §5.2: ``invalid_client`` is 401 with ``WWW-Authenticate: Basic``;
``unsupported_grant_type`` and ``invalid_request`` are 400. Responses are ``no-store``.

Secret checks are limited per client address (``auth/attempts.py``): past the limit the answer
is 429 with ``Retry-After`` and ``error: slow_down`` (RFC 6749 defines no code for it; RFC 8628
§3.5 uses ``slow_down`` at the token endpoint for "too soon, wait"). When every argon2 worker
is busy and the line is full it is 503 ``temporarily_unavailable`` with ``Retry-After: 1``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from audit.service import UNAVAILABLE_MESSAGE, service_for
from audit.store import AuditUnavailable
from auth import authorize, clients
from auth.attempts import Refusal, client_address
from auth.keys import KeyStore
from auth.passwords import HashingBusy
from auth.signin_limits import SignInLimits
from auth.tokens import TokenService
from hub.errors import DATABASE_UNAVAILABLE
from hub.graph import Graph, unavailable
from hub.logs import log

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(code: str, status: int, description: str,
           retry_after: str | None = None) -> JSONResponse:
    headers = dict(_NO_STORE)
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="hub"'
    return JSONResponse({"error": code, "error_description": description}, status, headers)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def oauth_routes(graph: Graph, keys: KeyStore, tokens: TokenService,
                 limits: SignInLimits) -> list[Route]:
    async def token(request: Request) -> JSONResponse:
        """Every issue and refusal is on the audit record before the answer leaves."""
        started = time.perf_counter()
        try:
            audit = service_for(request.app)
        except AuditUnavailable:
            return _error("temporarily_unavailable", 503, UNAVAILABLE_MESSAGE)
        try:
            response = await _token(request)
        except Exception as exc:
            if not unavailable(exc):
                raise
            # A client's standing cannot be read: refused as passing, never as a 500.
            log.warning("token endpoint: database unavailable", error_type=type(exc).__name__)
            response = _error("temporarily_unavailable", 503, DATABASE_UNAVAILABLE, "5")
        if audit is None:
            return response
        error = json.loads(bytes(response.body)).get("error")
        try:
            await audit.token_event(
                subject=getattr(request.state, "audit_subject", None),
                attempted=getattr(request.state, "audit_client", None),
                status=response.status_code, error=error,
                client_address=client_address(request) or None, started=started)
        except AuditUnavailable:
            return _error("temporarily_unavailable", 503, UNAVAILABLE_MESSAGE)
        return response

    async def _token(request: Request) -> JSONResponse:
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return _error("invalid_request", 400, "use application/x-www-form-urlencoded")
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace"),
                                               max_num_fields=20).items()}
        grant = form.get("grant_type")
        if grant == "authorization_code":  # people signing in to the console (auth/authorize.py)
            request.state.audit_client = form.get("client_id") or ""
            person, error, description = await authorize.exchange(graph, form)
            if person is None:
                log.info("token refused", reason=error)
                return _error(error, 400, description)
            request.state.audit_subject = person
            access_token, expires_in = tokens.issue(person)
            log.info("token issued", subject=person.id, department=person.department)
            return JSONResponse(
                {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in},
                headers=_NO_STORE,
            )
        if grant != "client_credentials":
            return _error("unsupported_grant_type", 400,
                          "only client_credentials and authorization_code are supported")
        credentials = _basic_credentials(request)
        if credentials is None:
            client_id, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        else:
            client_id, secret = credentials
        request.state.audit_client = client_id
        ticket = await limits.attempts.admit(client_address(request), client_id)
        if isinstance(ticket, Refusal):
            log.info("token refused", reason="slow_down", scope=ticket.scope)
            return _error("slow_down", 429, "too many attempts from this address, retry after "
                          f"{ticket.retry_after} s", ticket.retry_after)
        try:
            subject = (await clients.authenticate(graph, client_id, secret, limits.hashing)
                       if client_id else None)
        except HashingBusy:
            await limits.attempts.not_checked(ticket)
            log.warning("token refused", reason="hashing_busy")
            return _error("temporarily_unavailable", 503,
                          "too many secret checks at once, retry after 1 s", "1")
        except Exception as exc:
            # The secret was never checked (the database went away, or was too slow): not a
            # failure of the client's, or an outage would leave every client waiting after it.
            if unavailable(exc):
                with contextlib.suppress(Exception):
                    await limits.attempts.not_checked(ticket)
            raise
        if subject is None:
            log.info("token refused", reason="invalid_client")
            return _error("invalid_client", 401, "client authentication failed")
        await limits.attempts.succeeded(ticket)
        access_token, expires_in = tokens.issue(subject)
        log.info("token issued", subject=subject.id, department=subject.department)
        request.state.audit_subject = subject
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": expires_in},
            headers=_NO_STORE,
        )

    async def jwks(_: Request) -> JSONResponse:
        # Every process publishes the folder as it is now (a key another process or `hub keys
        # rotate` added); reading it again costs a directory listing when nothing changed.
        keys.reload()
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "max-age=300"})

    return [
        Route("/oauth/token", token, methods=["POST"]),
        Route("/.well-known/jwks.json", jwks),
    ]

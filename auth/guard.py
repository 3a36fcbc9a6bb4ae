"""The door of ``/graphql``: a bearer token, a rate limit and a declared purpose.

GET and POST pass the same door: GET only ever runs queries (``schema/http.py``). No token, or
any token that does not verify, is 401 with ``WWW-Authenticate`` (RFC 6750) and the same few
words whatever the reason. The purpose of use (header ``X-Purpose-Of-Use`` or the request's
``extensions.purpose``, in a POST's body or a GET's ``extensions`` parameter) must be one of the
policy's (else 400) and one the subject's roles may declare (else 403 ``PURPOSE_NOT_ALLOWED``).
The subject found, with its purpose, goes to the GraphQL context. Every refusal is on the audit
record with its code, in the media type the client asked for.
"""

from __future__ import annotations

import dataclasses

from starlette.types import ASGIApp, Receive, Scope, Send

from audit.service import respond_unavailable, service_for
from audit.store import AuditUnavailable
from auth.policy import Policy
from auth.ratelimit import RateLimiter
from auth.tokens import InvalidToken, TokenService
from hub.answers import error_body, replay, send_json
from hub.errors import DATABASE_UNAVAILABLE, QueryTimeout
from hub.graph import DB_ERRORS
from hub.graphql_http import JSON, declared_purpose, header, is_ide_request, negotiate
from hub.subject import Subject

MAX_BODY = 1 << 20

# The database down, or too busy to read a credential's standing in time.
_STANDING_UNREADABLE: tuple[type[Exception], ...] = (*DB_ERRORS, QueryTimeout)


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    record = scope.get("state", {}).get("audit")
    if record is not None:
        record.error_codes = [code]
    # In the media type the client asked for (GraphQL over HTTP, schema/http.py).
    media = negotiate(header(scope, b"accept")) or JSON
    await send_json(send, status, error_body(code, message), headers, content_type=media)


class GraphQLGuard:
    def __init__(self, app: ASGIApp, tokens: TokenService | None, limiter: RateLimiter,
                 policy: Policy) -> None:
        self.app = app
        self.tokens = tokens
        self.limiter = limiter
        self.policy = policy
        self.purposes = set(policy.spec.purposes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if is_ide_request(scope):
            # The GraphiQL page itself (dev only), which runs nothing: a GET with a query in it
            # is a GraphQL request like any other and passes this door.
            await self.app(scope, receive, send)
            return
        # Every answer of this door, refusals included, is on the audit record before it leaves.
        try:
            audit = service_for(scope.get("app"))
        except AuditUnavailable:
            await respond_unavailable(send)
            return
        if audit is None:
            await self._guarded(scope, headers, receive, send)
            return
        await audit.around(scope, lambda held: self._guarded(scope, headers, receive, held), send)

    async def _guarded(self, scope: Scope, headers: dict[bytes, bytes], receive: Receive,
                       send: Send) -> None:
        subject: Subject | None = None
        if self.tokens is not None:
            try:
                subject = await self._authenticate(headers.get(b"authorization", b""))
                # The bucket is shared by every process (auth/ratelimit.py): in the graph.
                wait = await self.limiter.acquire(subject.id) if subject is not None else 0.0
            except _STANDING_UNREADABLE:
                # The credential's standing cannot be read: refused, and said to be passing.
                await _refuse(scope, send, 503, "UNAVAILABLE",
                              DATABASE_UNAVAILABLE,
                              [(b"retry-after", b"5")])
                return
            scope.setdefault("state", {})["subject"] = subject  # for the audit of a refusal
            if subject is None:
                given = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
                challenge = b'Bearer realm="hub"' + (b', error="invalid_token"' if given else b"")
                await _refuse(scope, send, 401, "UNAUTHENTICATED",
                              "需要有效的访问令牌 a valid access token is required",
                              [(b"www-authenticate", challenge)])
                return
            if wait:
                await _refuse(scope, send, 429, "RATE_LIMITED",
                              "请求过于频繁,请稍后再试 too many requests, retry later",
                              [(b"retry-after", RateLimiter.retry_after(wait).encode())])
                return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await _refuse(scope, send, 413, "BAD_USER_INPUT", "请求过大 request too large")
                return
        purpose = headers.get(b"x-purpose-of-use", b"").decode("latin-1").strip() or None
        if purpose is None:
            purpose = declared_purpose(scope, body)
        if purpose is not None and purpose in self.purposes:
            scope.setdefault("state", {})["purpose"] = purpose  # a refusal is audited with it
        if purpose is not None and purpose not in self.purposes:
            await _refuse(scope, send, 400, "BAD_USER_INPUT",
                          f"用途无效 unknown purpose of use; one of {sorted(self.purposes)}")
            return
        if purpose is not None and subject is not None and not self.policy.may_declare(
                subject, purpose):
            allowed = sorted(self.policy.view(subject).purposes)
            await _refuse(scope, send, 403, "PURPOSE_NOT_ALLOWED",
                          f"用途不在您角色的职责范围内 your roles may not declare {purpose}; "
                          f"they may declare {allowed or 'none'}")
            return
        state = scope.setdefault("state", {})
        state["subject"] = dataclasses.replace(subject, purpose=purpose) if subject else None
        state["purpose"] = purpose
        await self.app(scope, replay(body, receive), send)

    async def _authenticate(self, header: bytes) -> Subject | None:
        if not header.lower().startswith(b"bearer ") or self.tokens is None:
            return None
        try:
            return await self.tokens.verify(header[7:].decode("latin-1").strip())
        except InvalidToken:
            return None

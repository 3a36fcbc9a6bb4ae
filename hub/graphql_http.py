"""GraphQL over HTTP at the door 请求协商: the response media type a client asked for, a request
header, the GraphiQL page's request, and the purpose of use a request declares in its
``extensions`` — what the guard (auth/guard.py) needs before any GraphQL runs, and the endpoint
(schema/http.py, which says the rest of the protocol) with it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import Scope

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_TYPES = (GRAPHQL_RESPONSE, JSON)


def negotiate(accept: str | None) -> str | None:
    """The response media type for an ``Accept`` header; None when it allows neither type."""
    if accept is None or not accept.strip():
        return JSON
    quality: dict[str, float] = {}
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media in _TYPES:
            quality[media] = max(quality.get(media, 0.0), q)
        elif media in ("*/*", "application/*"):
            # A wildcard stands for the legacy type (see the module's docstring).
            quality.setdefault(JSON, q)
    if quality.get(GRAPHQL_RESPONSE, 0.0) > 0 and (
            quality[GRAPHQL_RESPONSE] >= quality.get(JSON, 0.0)):
        return GRAPHQL_RESPONSE
    if quality.get(JSON, 0.0) > 0:
        return JSON
    return None


def purpose_in(params: dict[str, Any] | None) -> str | None:
    """The purpose of use a request declares in its ``extensions`` (beside the header)."""
    purpose = (params or {}).get("purpose")
    return purpose if isinstance(purpose, str) else None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def is_ide_request(scope: Scope) -> bool:
    """A browser asking for the GraphiQL page: a GET for HTML with no query to run."""
    if scope["method"] != "GET" or "text/html" not in (header(scope, b"accept") or ""):
        return False
    return "query" not in {k for k, _ in parse_qsl(scope.get("query_string", b"").decode(
        "latin-1"), keep_blank_values=True)}


def declared_purpose(scope: Scope, body: bytes) -> str | None:
    """The purpose of use a request declares in its ``extensions``: a GET's query string or a
    POST's JSON body (the header ``X-Purpose-Of-Use`` is read beside it by the guard). A
    malformed request declares none: the endpoint says what is wrong with it."""
    try:
        if scope["method"] == "GET":
            raw = dict(parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace")))
            extensions = orjson.loads(raw["extensions"]) if raw.get("extensions") else None
        else:
            extensions = orjson.loads(body).get("extensions") if body else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return purpose_in(extensions) if isinstance(extensions, dict) else None


"""GraphQL over HTTP 基于 HTTP 的 GraphQL: the media type a client gets, the request's
parameters, and the status of an answer (the graphql-over-http draft,
https://graphql.github.io/graphql-over-http/draft/).

Two response media types:

- ``application/graphql-response+json`` when the client's ``Accept`` names it (with a quality
  at least that of ``application/json``). A *request error* — the document does not parse or
  validate, the variables do not coerce, the operation is over its cost budget — is then a 4xx
  and its body has no ``data`` key; an answer with ``data`` (even ``null`` after a field error)
  is 200.
- ``application/json`` (the legacy type) when the client names it, sends ``*/*`` or no
  ``Accept`` at all: every well-formed request is answered 200, request errors included, with
  ``"data": null`` as the hub always answered. The draft lets a server pick either for ``*/*``
  and a missing header after its watershed; the hub keeps the legacy type so that existing
  department systems (curl, scripts) see no change, as the graphql-http audit expects.

A request that is not well-formed (a body that is not JSON, a ``query`` that is not a string,
``variables`` that are not a map) is 400 under both; a body that is not JSON at all is 415;
another method is 405. A GET runs queries only: a mutation sent by GET is 405 with
``Allow: POST`` (a link or a prefetch must never change a record).

A request may name a registered document instead of sending its text (``documentId`` in the
body or a GET's parameters, or Apollo's ``extensions.persistedQuery``): its ``query`` may then be
left out, and ``schema/trusted.py`` puts the registered text in before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql import GraphQLError

# What the door (auth/guard.py) also needs lives below it, in the kernel; named here too, so
# that the endpoint reads the whole protocol from this module.
from hub.graphql_http import GRAPHQL_RESPONSE as GRAPHQL_RESPONSE
from hub.graphql_http import JSON as JSON
from hub.graphql_http import declared_purpose as declared_purpose
from hub.graphql_http import header as header
from hub.graphql_http import is_ide_request as is_ide_request
from hub.graphql_http import negotiate as negotiate
from hub.graphql_http import purpose_in as purpose_in


class RequestProblem(Exception):
    """A request the endpoint refuses before any GraphQL runs: its status, code and message."""

    def __init__(self, status: int, message: str, code: str = "BAD_USER_INPUT",
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or []


@dataclass(frozen=True)
class Params:
    """The GraphQL request's parameters, checked for shape (not yet for meaning)."""

    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    extensions: dict[str, Any] | None
    document_id: str | None = None  # a trusted document named by its hash (schema/trusted.py)

    def as_request(self) -> dict[str, Any]:
        """The JSON body's shape, as the direct answer reads it."""
        return {"query": self.query, "operationName": self.operation_name,
                "variables": self.variables, "extensions": self.extensions}


def _json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RequestProblem(400, f"{what} 不是有效的 JSON is not valid JSON") from exc


def _checked(data: Any) -> Params:
    if not isinstance(data, dict):
        raise RequestProblem(400, "请求体须为 JSON 对象 the request body must be a JSON object")
    query = data.get("query")
    document_id = data.get("documentId")
    if not isinstance(document_id, str | None):
        raise RequestProblem(400, "documentId 须为字符串 documentId must be a string")
    extensions = data.get("extensions")
    named = document_id is not None or (
        isinstance(extensions, dict) and extensions.get("persistedQuery") is not None)
    if named and (query is None or query == ""):
        query = ""  # the registered document's text is put in by schema/trusted.py
    elif not isinstance(query, str) or not query.strip():
        raise RequestProblem(400, "缺少 query 参数,或其不是字符串 "
                             "the query parameter is missing or not a string")
    name = data.get("operationName")
    if not isinstance(name, str | None):
        raise RequestProblem(400, "operationName 须为字符串 operationName must be a string")
    variables = data.get("variables")
    if not isinstance(variables, dict | None):
        raise RequestProblem(400, "variables 须为 JSON 对象 variables must be a map")
    if not isinstance(extensions, dict | None):
        raise RequestProblem(400, "extensions 须为 JSON 对象 extensions must be a map")
    return Params(query, name, variables, extensions, document_id)


def from_query_string(raw: bytes) -> Params:
    """A GET's parameters: ``variables`` and ``extensions`` are URL-encoded JSON."""
    given = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace"),
                                            keep_blank_values=True).items()}
    data: dict[str, Any] = {"query": given.get("query"),
                            "operationName": given.get("operationName") or None,
                            "documentId": given.get("documentId") or None}
    for name in ("variables", "extensions"):
        if given.get(name):
            data[name] = _json(given[name], name)
    return _checked(data)


def from_body(content_type: str | None, body: bytes) -> Params:
    """A POST's parameters, from its ``application/json`` body."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media != JSON:
        raise RequestProblem(415, "请以 Content-Type: application/json 发送 "
                             "send the request as Content-Type: application/json",
                             headers=[(b"accept-post", b"application/json")])
    if not body.strip():
        raise RequestProblem(400, "请求体为空 the request body is empty")
    return _checked(_json(body, "请求体 the request body"))


def is_request_error(data: Any, errors: list[GraphQLError]) -> bool:
    """Whether an answer is a request error: no data, and no error located at a field (a field
    error always has a path; parse, validation, coercion and cost refusals never do)."""
    return data is None and bool(errors) and all(not e.path for e in errors)


def status_for(media: str, request_error: bool, codes: list[str], data: Any = None) -> int:
    """The HTTP status of an answer, under the response's media type. Under both, an answer
    the database could not give at all (every error UNAVAILABLE, no field answered) is 503:
    a client and a load balancer retry it, as they would a refusal at the door."""
    if codes and all(code == "UNAVAILABLE" for code in codes) and (
            data is None or all(value is None for value in data.values())):
        return 503
    if media == JSON or not request_error:
        return 200
    if "INTERNAL" in codes:
        return 500
    if "UNAVAILABLE" in codes:
        return 503
    return 400


def body_for(media: str, request_error: bool, data: Any, errors: list[Any],
             extensions: dict[str, Any] | None) -> dict[str, Any]:
    """The response body: under the new media type a request error has no ``data`` key."""
    response: dict[str, Any] = {}
    if not (request_error and media == GRAPHQL_RESPONSE):
        response["data"] = data
    if errors:
        response["errors"] = errors
    if extensions:
        response["extensions"] = extensions
    return response

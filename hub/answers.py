"""GraphQL-shaped answers sent straight over ASGI, for the doors that refuse a request before
any GraphQL runs (the guard, the audit, the endpoint's own check) and for the direct answer;
and the request body read once and handed on (:func:`replay`).

The body is the GraphQL error shape ``{"errors": [{"message", "extensions": {"code"}}]}``, with
Chinese kept as text (not ``\\u`` escapes) because people read these in tools and logs.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Send

Headers = list[tuple[bytes, bytes]]
JSON = "application/json"


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: Headers | None = None, content_type: str = JSON) -> None:
    await send_bytes(send, status, json.dumps(body, ensure_ascii=False).encode(), headers,
                     content_type)


async def send_bytes(send: Send, status: int, payload: bytes,
                     headers: Headers | None = None, content_type: str = JSON) -> None:
    """A JSON body already encoded, as ``content_type`` (``application/json`` or GraphQL over
    HTTP's ``application/graphql-response+json``, ``schema/http.py``)."""
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", f"{content_type}; charset=utf-8".encode()),
                    (b"content-length", str(len(payload)).encode()), *(headers or [])],
    })
    await send({"type": "http.response.body", "body": payload})


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the next app, with the body already read off the wire."""
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return again

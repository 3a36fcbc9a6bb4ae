"""GraphQL-shaped error answers sent straight over ASGI, for the doors that refuse a request
before any GraphQL runs (the guard, the audit, the endpoint's own check).

The body is the GraphQL error shape ``{"errors": [{"message", "extensions": {"code"}}]}``, with
Chinese kept as text (not ``\\u`` escapes) because people read these in tools and logs.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send

Headers = list[tuple[bytes, bytes]]


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: Headers | None = None) -> None:
    payload = json.dumps(body, ensure_ascii=False).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(payload)).encode()), *(headers or [])],
    })
    await send({"type": "http.response.body", "body": payload})

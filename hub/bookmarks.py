"""Reading one's own writes on a Neo4j cluster: the bookmark travels with the client.

With a routing URI (``neo4j://``, ``neo4j+s://``) the driver sends reads (``Graph.run``, read
sessions) to secondaries and writes to the leader; a secondary may be a moment behind. A
response to a request that wrote carries ``X-Hub-Bookmark``: the database's bookmark of that
write, signed by the hub. A client that sends it back on its next request — to any replica of
the hub — has that request's reads wait until the server answering them has the write. Without
the header a request reads whatever its server has (on a single server, always everything).

The value is opaque to clients: the driver's bookmarks, base64url JSON, and an HMAC (a key
derived from ``HUB_ID_HMAC_KEY``, the same on every replica). Signed because a bookmark names a
transaction the server must wait for: a made-up one would hold a connection until the
database's bookmark timeout. One that does not verify is refused (400) naming the header.

Only the request's own writes count (``Graph.write``, ``Graph.transaction``); the hub's
bookkeeping (rate buckets, the audit chain, schema commands: ``Graph.autocommit``) does not
make a client wait.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from neo4j import Bookmarks
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.answers import error_body, send_json

HEADER = b"x-hub-bookmark"
MAX_LENGTH = 4096
_MAC_BYTES = 16


@dataclass
class Causal:
    """One request's bookmarks: those it was given, then those of its own writes."""

    given: tuple[str, ...] = ()
    written: tuple[str, ...] | None = None

    @property
    def latest(self) -> tuple[str, ...]:
        return self.written if self.written is not None else self.given


_current: contextvars.ContextVar[Causal | None] = contextvars.ContextVar("bookmarks",
                                                                         default=None)


def for_session() -> Bookmarks | None:
    """The bookmarks a session of this request starts from (None outside a request)."""
    causal = _current.get()
    if causal is None or not causal.latest:
        return None
    return Bookmarks.from_raw_values(causal.latest)


def note_write(values: Iterable[str]) -> None:
    """A write of this request committed: later sessions, and the client, start after it."""
    causal = _current.get()
    if causal is not None:
        causal.written = tuple(sorted(values))


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"hub bookmark v1", hashlib.sha256).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, values: tuple[str, ...]) -> str:
        payload = json.dumps(list(values), separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, text: str) -> tuple[str, ...]:
        """The bookmarks, or ValueError when the value is not one this hub gave."""
        if len(text) > MAX_LENGTH or text.count(".") != 1:
            raise ValueError("malformed")
        payload_b64, mac_b64 = text.split(".")
        payload = _unb64(payload_b64)
        if not hmac.compare_digest(_unb64(mac_b64), self._mac(payload)):
            raise ValueError("not signed by this hub")
        values = json.loads(payload)
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError("malformed")
        return tuple(values)


class BookmarkMiddleware:
    """Takes ``X-Hub-Bookmark`` in, puts the bookmark of the request's writes out. It sits
    inside the ``/graphql`` door (``auth/guard.py``), so its refusal is audited like any."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self.signer = Signer(secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(HEADER, b"").decode("latin-1").strip()
        try:
            causal = Causal(self.signer.decode(given) if given else ())
        except (ValueError, UnicodeDecodeError):
            record = scope.get("state", {}).get("audit")
            if record is not None:  # the refusal is on the audit record with its code
                record.error_codes = ["BAD_USER_INPUT"]
            await send_json(send, 400, error_body(
                "BAD_USER_INPUT", "X-Hub-Bookmark 无效 is not a bookmark this hub gave: send "
                "back the value of a response's X-Hub-Bookmark as it was, or none"))
            return
        token = _current.set(causal)

        async def send_with_bookmark(message: Message) -> None:
            if message["type"] == "http.response.start" and causal.written:
                message["headers"] = [*message.get("headers", []),
                                      (HEADER, self.signer.encode(causal.written).encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_bookmark)
        finally:
            _current.reset(token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

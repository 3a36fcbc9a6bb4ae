"""Whether a client or person may still use the tokens the hub issued to it 吊销即时生效.

A token is signed for its whole lifetime (``HUB_TOKEN_TTL_S``), so revoking a client, rotating
its secret or disabling a person must be seen by the verifier, on every hub process at once:
the truth is the ``Client`` or ``Person`` node in the graph, never one process's memory.

Each such node carries ``credentialGen``, a counter raised whenever its credentials change
(``hub clients rotate``, registering the client again, ``hub users add`` replacing an account);
the hub's tokens carry it as ``gen``. A token is good while its subject's node is ``ACTIVE`` and
its ``gen`` is the node's current one. Nodes written before the counter existed read as 0.

Every process keeps what it read for ``HUB_TOKEN_STATUS_CACHE_SECONDS`` (at most 10 s): one
small read by unique id per subject per interval, not per request, shared by requests that
arrive together. A revoked or rotated subject's tokens therefore stop within that interval
(plus one read) everywhere. A token *newer* than what is cached (the secret was just rotated,
the client registered again) makes the process read again at once, so new tokens work
immediately while old ones stay refused.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import LiteralString

from hub.graph import Graph

# Both lookups go through a unique constraint (migration 0003): one index seek each.
STATUS_QUERIES: dict[str, LiteralString] = {
    "client": "MATCH (s:Client {id: $id}) "
              "RETURN s.status = 'ACTIVE' AS active, coalesce(s.credentialGen, 0) AS gen",
    "person": "MATCH (s:Person {id: $id}) "
              "RETURN s.status = 'ACTIVE' AS active, coalesce(s.credentialGen, 0) AS gen",
}
CACHE_SIZE = 10_000
# A subject that no longer exists: no token can be newer than this, so none causes a re-read
# before the interval is over (a deleted subject's tokens cannot make a read per request).
_GONE = sys.maxsize


@dataclass(frozen=True)
class _Status:
    read_at: float
    active: bool
    generation: int


class SubjectStatus:
    def __init__(self, graph: Graph, ttl_s: float) -> None:
        self.graph = graph
        self.ttl_s = ttl_s
        self._known: OrderedDict[tuple[str, str], _Status] = OrderedDict()
        self._reading: dict[tuple[str, str], asyncio.Future[_Status]] = {}

    async def allows(self, kind: str, subject_id: str, generation: int) -> bool:
        """Whether a token of this generation is still good for this subject."""
        if kind not in STATUS_QUERIES:
            return False
        key = (kind, subject_id)
        status = self._known.get(key)
        if (status is None or time.monotonic() - status.read_at >= self.ttl_s
                or generation > status.generation):
            status = await self._read(key)
        return status.active and status.generation == generation

    async def _read(self, key: tuple[str, str]) -> _Status:
        pending = self._reading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(key))
            self._reading[key] = pending
            pending.add_done_callback(lambda _: self._reading.pop(key, None))
        # Shielded: one caller giving up (its client went away) does not cancel the others' read.
        return await asyncio.shield(pending)

    async def _fetch(self, key: tuple[str, str]) -> _Status:
        kind, subject_id = key
        started = time.monotonic()  # the read's start, so the interval is never overstated
        rows = await self.graph.run(STATUS_QUERIES[kind], {"id": subject_id})
        if rows:
            status = _Status(started, bool(rows[0]["active"]), int(rows[0]["gen"]))
        else:
            status = _Status(started, False, _GONE)
        self._known[key] = status
        self._known.move_to_end(key)
        if len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
        return status

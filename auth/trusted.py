"""Trusted documents 受信任的操作文档: the operations a client is registered to send.

A client registered with a list (``hub clients add … --documents FILE``, ``hub clients documents
CLIENT FILE``) may send only those documents, named by their sha256 or sent in full; a client
without one sends any query, as before. The list is in the graph with the client, one
``(:Client)-[:MAY_SEND]->(:TrustedDocument)`` per document (migration 0019), so every hub
process and replica reads the same list. Each document was validated against the schema and its
greatest cost fixed when it was registered (``schema/trusted.py``: this folder does not read
GraphQL); what is stored here is only what the door needs at request time.

Every process keeps each client's list for ``HUB_TOKEN_STATUS_CACHE_SECONDS`` (at most 10 s),
as the standing of its tokens is kept (``auth/standing.py``): one small read by the client's
unique id per interval, returning the documents only when the list's generation
(``documentsGen``, raised by each replacement) moved on. A changed or removed list therefore
applies within that interval everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from hub.errors import NotFound
from hub.graph import Graph, Transaction
from hub.subject import Subject


def document_hash(text: str) -> str:
    """sha256 of the document's text, in hex: the id a client names it by (``sha256:<hex>``)
    and the ``documentHash`` of its audit events."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TrustedDocument:
    hash: str  # document_hash(text)
    text: str  # exactly as registered: what runs when the client names the hash
    operation_name: str | None
    operation_type: str  # query, mutation
    cost: int  # its greatest cost, fixed at registration (schema/cost.py greatest)
    # The hash of its canonical print: full text sent with other spacing still matches.
    canonical: str

    def as_map(self) -> dict[str, Any]:
        return {"hash": self.hash, "text": self.text, "operationName": self.operation_name,
                "operationType": self.operation_type, "cost": self.cost,
                "canonical": self.canonical}

    @classmethod
    def from_map(cls, row: Mapping[str, Any]) -> TrustedDocument:
        return cls(hash=str(row["hash"]), text=str(row["text"]),
                   operation_name=row.get("operationName"),
                   operation_type=str(row["operationType"]), cost=int(row["cost"]),
                   canonical=str(row["canonical"]))


# Turns a file into a client's documents, checked against the schema: given to `hub clients` by
# the shell (schema/trusted.py reader), since this folder sits below the schema.
DocumentReader = Callable[[Path, Subject], list[TrustedDocument]]


@dataclass(frozen=True)
class AllowList:
    """One client's documents, by hash and by canonical hash."""

    generation: int
    documents: tuple[TrustedDocument, ...]
    by_hash: Mapping[str, TrustedDocument] = field(init=False)
    by_canonical: Mapping[str, TrustedDocument] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_hash", {d.hash: d for d in self.documents})
        object.__setattr__(self, "by_canonical", {d.canonical: d for d in self.documents})


# The client's list replaced in one statement: old documents out, new ones in, the generation
# raised so that every process reads it again (see AllowLists).
_REPLACE: LiteralString = (
    "MATCH (c:Client {id: $id}) "
    "SET c.trustedOnly = true, c.documentsGen = coalesce(c.documentsGen, 0) + 1, "
    "c.documentsAt = datetime() "
    "WITH c CALL (c) { OPTIONAL MATCH (c)-[:MAY_SEND]->(old:TrustedDocument) "
    "DETACH DELETE old } "
    "WITH c CALL (c) { UNWIND $documents AS doc "
    "CREATE (c)-[:MAY_SEND]->(d:TrustedDocument {key: c.id + ':' + doc.hash}) "
    "SET d += doc, d.client = c.id, d.registeredAt = datetime() } "
    "RETURN c.id AS id, c.documentsGen AS gen"
)
_CLEAR: LiteralString = (
    "MATCH (c:Client {id: $id}) "
    "SET c.trustedOnly = false, c.documentsGen = coalesce(c.documentsGen, 0) + 1, "
    "c.documentsAt = datetime() "
    "WITH c CALL (c) { OPTIONAL MATCH (c)-[:MAY_SEND]->(old:TrustedDocument) "
    "DETACH DELETE old } "
    "RETURN c.id AS id"
)
# One index seek on the client's id (migration 0003); its documents only when they changed.
LIST_QUERY: LiteralString = (
    "MATCH (c:Client {id: $id}) "
    "WITH c, coalesce(c.documentsGen, 0) AS gen, coalesce(c.trustedOnly, false) AS listed "
    "CALL (c, gen, listed) { OPTIONAL MATCH (c)-[:MAY_SEND]->(d:TrustedDocument) "
    "WHERE listed AND gen <> $known "
    "RETURN collect(d {.hash, .text, .operationName, .operationType, .cost, .canonical}) "
    "AS documents } "
    "RETURN gen, listed, documents"
)


def _unique(documents: Iterable[TrustedDocument]) -> list[dict[str, Any]]:
    return list({d.hash: d.as_map() for d in documents}.values())


async def write_documents(tx: Transaction, client_id: str,
                          documents: Iterable[TrustedDocument]) -> None:
    """Replaces the client's list inside a transaction (``hub clients add --documents``)."""
    rows = await tx.run(_REPLACE, {"id": client_id, "documents": _unique(documents)})
    if not rows:
        raise NotFound("未找到该客户端 no such client", field="client")


async def replace_documents(graph: Graph, client_id: str,
                            documents: Iterable[TrustedDocument]) -> int:
    """Replaces the client's list (``hub clients documents CLIENT FILE``); its generation."""
    rows = await graph.write(_REPLACE, {"id": client_id, "documents": _unique(documents)})
    if not rows:
        raise NotFound("未找到该客户端 no such client", field="client")
    return int(rows[0]["gen"])


async def clear_documents(graph: Graph, client_id: str) -> None:
    """The client may send any query again (``hub clients documents CLIENT --clear``)."""
    if not await graph.write(_CLEAR, {"id": client_id}):
        raise NotFound("未找到该客户端 no such client", field="client")


async def documents_of(graph: Graph, client_id: str) -> AllowList | None:
    """The client's list as the graph holds it now; None when it has none. NotFound when
    there is no such client."""
    rows = await graph.run(LIST_QUERY, {"id": client_id, "known": -1})
    if not rows:
        raise NotFound("未找到该客户端 no such client", field="client")
    return _list_of(rows[0])


def _list_of(row: Mapping[str, Any]) -> AllowList | None:
    if not row["listed"]:
        return None
    documents = sorted((TrustedDocument.from_map(d) for d in row["documents"]),
                       key=lambda d: (d.operation_name or "", d.hash))
    return AllowList(int(row["gen"]), tuple(documents))


CACHE_SIZE = 10_000


@dataclass(frozen=True)
class _Read:
    read_at: float
    allow: AllowList | None
    generation: int


class AllowLists:
    """Each client's list, as this process last read it (for at most ``ttl_s``)."""

    def __init__(self, graph: Graph, ttl_s: float) -> None:
        self.graph = graph
        self.ttl_s = ttl_s
        self._known: OrderedDict[str, _Read] = OrderedDict()
        self._reading: dict[str, asyncio.Future[_Read]] = {}

    async def of(self, client_id: str) -> AllowList | None:
        """The client's list; None when it has none (or is no registered client)."""
        known = self._known.get(client_id)
        if known is None or time.monotonic() - known.read_at >= self.ttl_s:
            known = await self._read(client_id)
        return known.allow

    async def _read(self, client_id: str) -> _Read:
        pending = self._reading.get(client_id)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(client_id))
            self._reading[client_id] = pending
            pending.add_done_callback(lambda _: self._reading.pop(client_id, None))
        # Shielded: one caller giving up does not cancel the others' read (auth/standing.py).
        return await asyncio.shield(pending)

    async def _fetch(self, client_id: str) -> _Read:
        started = time.monotonic()
        before = self._known.get(client_id)
        rows = await self.graph.run(
            LIST_QUERY, {"id": client_id, "known": before.generation if before else -1})
        if not rows:
            read = _Read(started, None, -1)
        elif before is not None and int(rows[0]["gen"]) == before.generation:
            read = _Read(started, before.allow, before.generation)  # unchanged: kept
        else:
            read = _Read(started, _list_of(rows[0]), int(rows[0]["gen"]))
        self._known[client_id] = read
        self._known.move_to_end(client_id)
        if len(self._known) > CACHE_SIZE:
            self._known.popitem(last=False)
        return read

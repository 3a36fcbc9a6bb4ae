"""Graph access: one async Neo4j driver, and a count of database round trips.

Every query the hub sends goes through :meth:`Graph.run` or :meth:`Graph.write`, so tests and
benchmarks can count round trips per request (the API promises one per top-level field).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, Query

from hub.settings import Settings


@dataclass
class RoundTrips:
    """Counts queries sent while it is the current counter (see :func:`counting`)."""

    count: int = 0
    queries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


_round_trips: contextvars.ContextVar[RoundTrips | None] = contextvars.ContextVar(
    "round_trips", default=None
)


@asynccontextmanager
async def counting() -> AsyncIterator[RoundTrips]:
    counter = RoundTrips()
    token = _round_trips.set(counter)
    try:
        yield counter
    finally:
        _round_trips.reset(token)


def _count(cypher: str, params: Mapping[str, Any] | None) -> None:
    counter = _round_trips.get()
    if counter is not None:
        counter.count += 1
        counter.queries.append((cypher, dict(params or {})))


Record = dict[str, Any]


class Params:
    """Allocates query parameters: every request value goes in here, never into the text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def fill(template: str, **names: str) -> str:
    """Puts generated variable names into a code-defined Cypher fragment (``{v}``, ``{t}`` …).

    Plain replacement, not ``str.format``: fragments contain Cypher's own braces.
    """
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    return template


class Graph:
    """The hub's handle on Neo4j. Queries are literal strings; values travel as parameters."""

    def __init__(self, driver: AsyncDriver, database: str) -> None:
        self.driver = driver
        self.database = database

    @classmethod
    def connect(cls, settings: Settings) -> Graph:
        driver = AsyncGraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            max_connection_pool_size=64,
            connection_acquisition_timeout=10.0,
            connection_timeout=5.0,
            notifications_min_severity="OFF",
        )
        return cls(driver, settings.neo4j_database)

    async def close(self) -> None:
        await self.driver.close()

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """A read in one round trip."""
        _count(cypher, params)
        async with self.driver.session(database=self.database) as session:
            return await session.execute_read(_collect, cypher, dict(params or {}))

    async def write(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """A write in one transaction (retried by the driver on transient errors)."""
        _count(cypher, params)
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(_collect, cypher, dict(params or {}))

    async def autocommit(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """For schema commands and ``CALL {...} IN TRANSACTIONS``, which need their own."""
        _count(cypher, params)
        async with self.driver.session(database=self.database) as session:
            result = await session.run(Query(cypher), dict(params or {}))
            return [record.data() async for record in result]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Several statements that commit or fail together (a mutation, an ingest batch)."""
        async with self.driver.session(database=self.database) as session:
            tx = await session.begin_transaction()
            try:
                yield Transaction(tx)
                await tx.commit()
            finally:
                if not tx.closed():
                    await tx.close()  # rolls back: nothing half-written

    async def ping(self) -> None:
        await self.driver.verify_connectivity()

    async def empty(self) -> int:
        """Deletes every node but the migration ledger; returns how many it deleted.

        Facts go first, in small transactions: organisations can hold tens of thousands of
        relationships to facts, and deleting them together would not fit in memory.
        """
        deleted = 0
        for cypher in (
            "MATCH (n:Fact) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS "
            "RETURN count(*) AS deleted",
            "MATCH (n) WHERE NOT n:Migration "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS "
            "RETURN count(*) AS deleted",
        ):
            rows = await self.autocommit(cypher)
            deleted += int(rows[0]["deleted"]) if rows else 0
        return deleted


class Transaction:
    """An explicit transaction; each statement is a round trip and is counted as one."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        _count(cypher, params)
        result = await self._tx.run(cypher, dict(params or {}))
        return [record.data() async for record in result]


async def _collect(
    tx: AsyncManagedTransaction, cypher: LiteralString, params: dict[str, Any]
) -> list[Record]:
    result = await tx.run(cypher, params)
    return [record.data() async for record in result]

"""Graph access: one async Neo4j driver, and a count of database round trips.

Every query the hub sends goes through :meth:`Graph.run` or :meth:`Graph.write`, so tests and
benchmarks can count round trips per request (the API promises one per top-level field).

Reads are bounded in time: the database stops a read transaction that runs past
``HUB_QUERY_TIMEOUT_SECONDS`` and the caller gets :class:`~hub.errors.QueryTimeout` (a coded
``QUERY_TIMEOUT``, never the driver's text). Writes are not: their statements are the hub's own,
not shaped by a client (what a mutation returns is bounded by the query cost,
``schema/cost.py``), and an ingest batch or a migration may rightly take long. The hub's
operator commands (``hub …``, :func:`hub.commandline.with_graph`) connect without the bound:
they read whole audit logs and load big batches, and no client shapes what they ask.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, Query
from neo4j.exceptions import (
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from hub import bookmarks, metrics, tracing
from hub.errors import QueryTimeout
from hub.settings import Settings
from hub.tracing import tracer

_POOL_SIZE = 64

# What a caller sees when the database cannot answer (down, unreachable, refusing): the
# driver's and the server's errors, and the socket's.
DB_ERRORS: tuple[type[Exception], ...] = (DriverError, Neo4jError, OSError)


def unavailable(exc: BaseException) -> bool:
    """The database could not answer now (down, restarting, unreachable, a transient refusal,
    too busy to finish the hub's own small read in time) rather than refused the statement:
    the caller is told to retry (503 UNAVAILABLE), where a statement the database rejects is
    the hub's own fault (INTERNAL). A client's query that runs too long is its own code,
    QUERY_TIMEOUT, where the API answers it (schema/errors.py)."""
    return isinstance(exc, DriverError | OSError | TransientError | QueryTimeout)


@dataclass
class RoundTrips:
    """Counts queries sent while it is the current counter (see :func:`counting`)."""

    count: int = 0
    queries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # those sent in a read session (``Graph.run``): what may be sent again, to a secondary
    reads: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


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


def _count(access: str, cypher: str, params: Mapping[str, Any] | None) -> None:
    counter = _round_trips.get()
    if counter is not None:
        counter.count += 1
        counter.queries.append((cypher, dict(params or {})))
        if access == "read":
            counter.reads.append((cypher, dict(params or {})))


@contextmanager
def _observed(access: str, cypher: str, params: Mapping[str, Any] | None) -> Iterator[None]:
    """One round trip: counted, timed for ``/metrics``, a span when traces are on. The span
    names the access mode only: the Cypher is the hub's own, its parameters are never shown."""
    _count(access, cypher, params)
    started = time.perf_counter()
    span = (tracer.start_as_current_span(f"neo4j {access}", attributes={
                "db.system": "neo4j", "db.operation.name": access})
            if tracing.enabled() else nullcontext())
    with span:
        try:
            yield
        except Exception as exc:
            metrics.NEO4J_ERRORS.labels(type(exc).__name__).inc()
            raise
        finally:
            queries, seconds = _SERIES[access]
            queries.inc()
            seconds.observe(time.perf_counter() - started)


_SERIES = {access: (metrics.NEO4J_QUERIES.labels(access), metrics.NEO4J_SECONDS.labels(access))
           for access in ("read", "write", "transaction", "autocommit")}


@contextmanager
def _in_use() -> Iterator[None]:
    """A session holds one of the pool's connections while it is open."""
    metrics.NEO4J_SESSIONS.inc()
    try:
        yield
    finally:
        metrics.NEO4J_SESSIONS.dec()


Record = dict[str, Any]


class Params:
    """Allocates query parameters: every request value goes in here, never into the text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def native(value: Any) -> Any:
    """A driver's temporal value (``neo4j.time.Date``, ``DateTime``) as Python's own, so values
    read from the graph compare equal to the ones the hub made; anything else as it is."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


def fill(template: str, **names: str) -> str:
    """Puts generated variable names into a code-defined Cypher fragment (``{v}``, ``{t}`` …).

    Plain replacement, not ``str.format``: fragments contain Cypher's own braces.
    """
    for key, name in names.items():
        template = template.replace("{" + key + "}", name)
    return template


class Graph:
    """The hub's handle on Neo4j. Queries are literal strings; values travel as parameters."""

    def __init__(
        self, driver: AsyncDriver, database: str, read_timeout: float | None = None
    ) -> None:
        self.driver = driver
        self.database = database
        # None: the database's own db.transaction.timeout (by default none).
        self.read_timeout = read_timeout

    @classmethod
    def connect(cls, settings: Settings, *, bounded_reads: bool = True) -> Graph:
        """The driver; ``bounded_reads=False`` for operator commands (see the module's doc)."""
        driver = AsyncGraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            max_connection_pool_size=_POOL_SIZE,
            connection_acquisition_timeout=10.0,
            connection_timeout=5.0,
            notifications_min_severity="OFF",
        )
        metrics.NEO4J_POOL_SIZE.set(_POOL_SIZE)
        timeout = settings.query_timeout_seconds if bounded_reads else None
        return cls(driver, settings.neo4j_database, timeout)

    async def close(self) -> None:
        await self.driver.close()

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *,
        plain: bool = False,
    ) -> list[Record]:
        """A read in one round trip, stopped by the database past the read timeout.

        An auto-commit transaction: RUN and PULL in one exchange, where a managed one adds a
        second for COMMIT. A read changes nothing, so what the driver's managed transactions
        would do on a transient failure — run it again — is done here, once.

        ``plain=True`` for a query that returns no node, relationship or path: its records are
        taken as the driver decoded them. ``Record.data()`` would give the same values, but it
        rebuilds every nested list and map to look for nodes in it, and for the indicators'
        lists of 100,000 child ids that walk was most of the client's time (py-spy)."""
        query = Query(cypher, timeout=self.read_timeout)
        for attempt in (1, 2):
            try:
                # A read session: on a cluster the driver sends it to a secondary, which first
                # catches up with the request's bookmarks (hub/bookmarks.py).
                with _observed("read", cypher, params), _in_use():
                    async with self.driver.session(database=self.database,
                                                   default_access_mode=READ_ACCESS,
                                                   bookmarks=bookmarks.for_session()) as session:
                        result = await session.run(query, dict(params or {}))
                        if plain:
                            keys = result.keys()
                            return [dict(zip(keys, record, strict=True)) async for record in result]
                        return [record.data() async for record in result]
            except ClientError as exc:
                if exc.code in _TIMED_OUT:
                    raise QueryTimeout(self.read_timeout) from None
                raise
            except (TransientError, SessionExpired, ServiceUnavailable):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def write(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """A write in one transaction (retried by the driver on transient errors)."""
        with _observed("write", cypher, params), _in_use():
            async with self.driver.session(database=self.database,
                                           bookmarks=bookmarks.for_session()) as session:
                rows = await session.execute_write(_collect, cypher, dict(params or {}))
                bookmarks.note_write((await session.last_bookmarks()).raw_values)
                return rows

    async def autocommit(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        """For schema commands and ``CALL {...} IN TRANSACTIONS``, which need their own, and the
        hub's bookkeeping in one round trip (rate buckets, the audit chain): not a client's
        write, so it gives the client no bookmark to wait for (hub/bookmarks.py)."""
        with _observed("autocommit", cypher, params), _in_use():
            async with self.driver.session(database=self.database) as session:
                result = await session.run(Query(cypher), dict(params or {}))
                return [record.data() async for record in result]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Several statements that commit or fail together (a mutation, an ingest batch)."""
        with _in_use():
            async with self.driver.session(database=self.database,
                                           bookmarks=bookmarks.for_session()) as session:
                tx = await session.begin_transaction()
                try:
                    yield Transaction(tx)
                    await tx.commit()
                finally:
                    if not tx.closed():
                        await tx.close()  # rolls back: nothing half-written
                bookmarks.note_write((await session.last_bookmarks()).raw_values)

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
        with _observed("transaction", cypher, params):
            result = await self._tx.run(cypher, dict(params or {}))
            return [record.data() async for record in result]


# The client's timeout (``Query(timeout=…)``) and the server's own (db.transaction.timeout).
_TIMED_OUT = frozenset({
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.ClientError.Transaction.TransactionTimedOut",
})


async def _collect(
    tx: AsyncManagedTransaction, cypher: LiteralString, params: dict[str, Any]
) -> list[Record]:
    result = await tx.run(cypher, params)
    return [record.data() async for record in result]

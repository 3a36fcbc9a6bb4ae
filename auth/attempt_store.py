"""Sign-in attempt counts shared by every hub process and replica: kept in the graph.

The rules are :class:`auth.attempts.AttemptLimiter`'s, unchanged; what changes is where its
records live. Each call locks the address's ``(:SignInAttempts)`` node (created on first use),
reads it and the (address, name) node, lets a limiter made for this one call decide, and writes
what it changed back, in one transaction. Every call for an address locks that address's node
first, so the calls of one address are serialised across processes (a hundred guesses sent at
once to three processes are counted as a hundred), and the calls of different addresses do not
wait for each other.

Sign-ins are rare and each costs an argon2 check (tens of milliseconds): the transaction's few
milliseconds are nothing beside it. A record past the time its counts would be forgotten is the
same as none, so each call then deletes a few such records (``expires``, migration 0017):
a flood of made-up names cannot grow the graph without end. A call that collides with a sweep (a
deadlock, or its stale record deleted under it) is tried again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, LiteralString, TypeVar

from neo4j.exceptions import Neo4jError, TransientError

from auth.attempts import AttemptLimiter, Refusal, Ticket, _Record, _Table
from hub.graph import Graph, Transaction
from hub.logs import log

ATTEMPTS = 3

_LOAD: LiteralString = """
MERGE (a:SignInAttempts {key: $addressKey})
ON CREATE SET a.tokens = $burst, a.refilled = $now, a.failures = 0, a.lastFailure = 0.0,
              a.expires = $now
SET a._lock = true
WITH a
OPTIONAL MATCH (n:SignInAttempts {key: $nameKey})
RETURN a {.tokens, .refilled, .failures, .lastFailure} AS address,
       n {.tokens, .refilled, .failures, .lastFailure} AS name
"""

_STORE: LiteralString = """
MATCH (a:SignInAttempts {key: $addressKey})
REMOVE a._lock
FOREACH (row IN $rows |
  MERGE (r:SignInAttempts {key: row.key})
  SET r.tokens = row.tokens, r.refilled = row.refilled, r.failures = row.failures,
      r.lastFailure = row.lastFailure, r.expires = row.expires)
WITH count(*) AS done
OPTIONAL MATCH (gone:SignInAttempts) WHERE gone.key IN $drop
DELETE gone
"""

_SWEEP: LiteralString = """
MATCH (r:SignInAttempts) WHERE r.expires < $now AND NOT r.key IN $keep
WITH r LIMIT 20
DELETE r
"""


T = TypeVar("T")


def _address_key(address: str) -> str:
    return "a|" + address


def _name_key(address: str, name: str) -> str:
    return "n|" + address + "|" + name


class SharedAttempts:
    """:class:`AttemptLimiter`'s calls, async, on records kept in the graph."""

    def __init__(self, graph: Graph, make: Callable[[], AttemptLimiter]) -> None:
        self.graph = graph
        self.make = make  # a limiter with the settings' rules and an empty memory

    async def admit(self, address: str, name: str) -> Ticket | Refusal:
        return await self._with(address, name, lambda limiter: limiter.admit(address, name))

    async def succeeded(self, ticket: Ticket) -> None:
        await self._with(ticket.address, ticket.name, lambda limiter: limiter.succeeded(ticket))

    async def not_checked(self, ticket: Ticket) -> None:
        await self._with(ticket.address, ticket.name,
                         lambda limiter: limiter.not_checked(ticket))

    async def forgive(self, address: str, name: str, before: float) -> bool:
        return await self._with(address, name,
                                lambda limiter: limiter.forgive(address, name, before))

    async def _with(self, address: str, name: str, decide: Callable[[AttemptLimiter], T]
                    ) -> T:
        keys = (_address_key(address), _name_key(address, name))
        for attempt in range(1, ATTEMPTS + 1):
            limiter = self.make()  # afresh each time: nothing of a failed try carries over
            try:
                async with self.graph.transaction() as tx:
                    rows = await tx.run(_LOAD, {"addressKey": keys[0], "nameKey": keys[1],
                                                "burst": limiter.burst, "now": limiter.clock()})
                    _put(limiter.addresses, address, rows[0]["address"])
                    _put(limiter.names, (address, name), rows[0]["name"])
                    outcome = decide(limiter)
                    await self._store(tx, limiter, address, name, keys)
            except Neo4jError as exc:
                # A sweep got in the way (a deadlock, or the stale record deleted under us):
                # the call is tried again on what is there now.
                if attempt == ATTEMPTS or not _collided(exc):
                    raise
                continue
            await self._sweep(keys)
            return outcome
        raise AssertionError("unreachable")

    async def _sweep(self, keys: tuple[str, str]) -> None:
        """Housekeeping in its own statement, holding no address's lock meanwhile; two sweeps
        that collide leave the work to the next call."""
        try:
            await self.graph.autocommit(_SWEEP, {"now": time.time(), "keep": list(keys)})
        except Neo4jError as exc:
            log.info("sign-in attempt sweep skipped", error_type=type(exc).__name__)

    async def _store(self, tx: Transaction, limiter: AttemptLimiter, address: str, name: str,
                     keys: tuple[str, str]) -> None:
        found: list[tuple[str, _Table[Any], _Record | None]] = [
            (keys[0], limiter.addresses, limiter.addresses.records.get(address)),
            (keys[1], limiter.names, limiter.names.records.get((address, name))),
        ]
        rows = [{"key": key, "tokens": record.tokens, "refilled": record.refilled,
                 "failures": record.failures, "lastFailure": record.last_failure,
                 "expires": _expires(limiter, table, record)}
                for key, table, record in found if record is not None]
        # The address's record is never dropped here: it holds the lock until commit.
        drop = [key for key, _, record in found if record is None and key != keys[0]]
        await tx.run(_STORE, {"addressKey": keys[0], "rows": rows, "drop": drop})


def _collided(exc: Neo4jError) -> bool:
    return isinstance(exc, TransientError) or (exc.code or "").endswith("EntityNotFound")


def _put(table: _Table[Any], key: Any, stored: dict[str, Any] | None) -> None:
    if stored is not None:
        table.records[key] = _Record(float(stored["tokens"]), float(stored["refilled"]),
                                     int(stored["failures"]), float(stored["lastFailure"]))


def _expires(limiter: AttemptLimiter, table: _Table[Any], record: _Record) -> float:
    """When the record is as good as none: its failures forgotten and its bucket full."""
    forgotten = table.until(record) + limiter.memory_s if record.failures else 0.0
    full = record.refilled + max(0.0, limiter.burst - record.tokens) / limiter.rate
    return max(forgotten, full)

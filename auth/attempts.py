"""How often one address may try a password or a client secret (the sign-in form and
``/oauth/token``): a token bucket per client address, and a doubling wait once the free
failures are spent, counted per address and per (address, user name or client id).

Keyed by what the caller sent, never by the account: an unknown name is counted and refused
exactly like a known one, so a refusal tells nothing about which names exist; and keyed by
address, so an attacker's failures make the attacker wait, not the person whose name was
tried from elsewhere. ``hub users unlock`` marks the person (``unlockedAt``), and the next
refused attempt under that name forgets the failures counted before the mark.

These rules decide on records held in memory; the server keeps the records in the graph and
lends them to a limiter for one call (``auth/attempt_store.py``; ``auth/signin_limits.py`` puts
the two together), so every process and replica
counts together. The tables are bounded, so a flood of made-up names cannot grow them without
end (the graph's records are swept likewise).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, cast

from starlette.requests import Request

from hub.settings import Settings

Scope = Literal["address", "name"]
MAX_KEYS = 100_000  # per table; an entry is a few hundred bytes


@dataclass
class _Record:
    tokens: float
    refilled: float
    failures: int = 0
    last_failure: float = 0.0


K = TypeVar("K", str, tuple[str, str])


class _Table(Generic[K]):
    """One key's failures and, for addresses, its bucket; kept in order of last use."""

    def __init__(self, scope: Scope, free: int, limiter: AttemptLimiter) -> None:
        self.scope = scope
        self.free = free
        self.limiter = limiter
        self.records: dict[K, _Record] = {}

    def until(self, record: _Record) -> float:
        """When the wait earned by the record's failures ends (the doubling wait)."""
        beyond = record.failures - self.free + 1  # the free-th failure earns the first wait
        if beyond <= 0:
            return record.last_failure
        return record.last_failure + min(self.limiter.max_wait_s,
                                         self.limiter.first_wait_s * 2.0 ** (beyond - 1))

    def get(self, key: K, now: float) -> _Record:
        record = self.records.pop(key, None)
        if record is None:
            if len(self.records) >= MAX_KEYS:
                self._prune(now)
            record = _Record(self.limiter.burst, now)
        elif record.failures and now > self.until(record) + self.limiter.memory_s:
            record.failures = 0  # quiet long enough: the failures are forgotten
        self.records[key] = record  # re-inserted last: the oldest use stays first
        return record

    def wait(self, key: K, now: float) -> float:
        """Seconds the key must still wait; looks without adding (a refused name costs no
        memory)."""
        record = self.records.get(key)
        return 0.0 if record is None else max(0.0, self.until(record) - now)

    def _prune(self, now: float) -> None:
        """Drops what is forgotten anyway; if the table is still full, the least recently
        used tenth (a flood of made-up names must not grow memory without end)."""
        memory = self.limiter.memory_s
        for key in [k for k, r in self.records.items() if now > self.until(r) + memory]:
            del self.records[key]
        if len(self.records) >= MAX_KEYS:
            for key in list(self.records)[: MAX_KEYS // 10]:
                del self.records[key]


@dataclass(frozen=True)
class Ticket:
    """An attempt let through; already counted as a failure until :meth:`succeeded` says not."""

    address: str
    name: str


@dataclass(frozen=True)
class Refusal:
    scope: Scope
    wait_s: float

    @property
    def retry_after(self) -> str:
        return str(max(1, math.ceil(self.wait_s)))


class AttemptLimiter:
    def __init__(self, *, per_minute: int, burst: int, free_per_name: int,
                 free_per_address: int, first_wait_s: float, max_wait_s: float,
                 memory_s: float, clock: Callable[[], float] = time.time) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.first_wait_s = first_wait_s
        self.max_wait_s = max_wait_s
        self.memory_s = memory_s
        # Wall-clock time: an administrator's unlock mark in the database is compared with it.
        self.clock = clock
        self.addresses: _Table[str] = _Table("address", free_per_address, self)
        self.names: _Table[tuple[str, str]] = _Table("name", free_per_name, self)

    @classmethod
    def from_settings(cls, settings: Settings) -> AttemptLimiter:
        return cls(per_minute=settings.signin_attempts_per_minute,
                   burst=settings.signin_attempts_burst,
                   free_per_name=settings.signin_free_failures,
                   free_per_address=settings.signin_free_failures_per_address,
                   first_wait_s=settings.signin_first_wait_s,
                   max_wait_s=settings.signin_max_wait_s, memory_s=settings.signin_memory_s)

    def admit(self, address: str, name: str) -> Ticket | Refusal:
        """A ticket to check the secret now, or how long this address must wait."""
        now = self.clock()
        by_address = self.addresses.get(address, now)
        wait, scope = max((self.addresses.until(by_address) - now, "address"),
                          (self.names.wait((address, name), now), "name"))
        if wait > 0:
            return Refusal(cast(Scope, scope), wait)
        by_address.tokens = min(self.burst, by_address.tokens
                                + max(0.0, now - by_address.refilled) * self.rate)
        by_address.refilled = now
        if by_address.tokens < 1:
            return Refusal("address", (1 - by_address.tokens) / self.rate)
        by_address.tokens -= 1
        by_name = self.names.get((address, name), now)
        # Counted before the check, so that a hundred guesses sent at once are counted at once.
        for record in (by_address, by_name):
            record.failures += 1
            record.last_failure = now
        return Ticket(address, name)

    def succeeded(self, ticket: Ticket) -> None:
        """The secret was right: the name starts afresh; the address only gets its one back (a
        valid account of one's own must not wipe the failures of guesses at others)."""
        self.names.records.pop((ticket.address, ticket.name), None)
        self._uncount(self.addresses.records.get(ticket.address))

    def not_checked(self, ticket: Ticket) -> None:
        """The check did not happen (the hashing line was full): no failure either way."""
        self._uncount(self.names.records.get((ticket.address, ticket.name)))
        self._uncount(self.addresses.records.get(ticket.address))

    def forgive(self, address: str, name: str, before: float) -> bool:
        """Forgets the name's failures counted up to ``before`` (an administrator's unlock);
        True if that ends the wait."""
        record = self.names.records.get((address, name))
        if record is None or record.last_failure > before:
            return False
        del self.names.records[(address, name)]
        return True

    @staticmethod
    def _uncount(record: _Record | None) -> None:
        if record is not None:
            record.failures = max(0, record.failures - 1)


def client_address(request: Request) -> str:
    """The socket peer, or the client a trusted proxy names (``HUB_FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client else ""

"""Secrets and passwords are stored as argon2id hashes, never in clear.

A check costs about 0.2 s of CPU and 64 MiB: on the event loop it would stall every request
of the process, so the server checks in worker threads through a :class:`HashGate`, which also
bounds how many checks may run and wait at once (a flood of bad secrets is refused, not queued).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this when the account is unknown keeps the timing the same.
_DUMMY = _hasher.hash("not-a-real-secret")


class HashingBusy(Exception):
    """Every worker is checking and the waiting line is full: answer 503, try again shortly."""


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, secret) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class HashGate:
    """At most ``concurrent`` checks in threads at once, ``waiting`` more in line, no more."""

    def __init__(self, concurrent: int, waiting: int) -> None:
        self.concurrent = concurrent
        self.waiting = waiting
        self._admitted = 0
        # Made on first use, so that it belongs to the loop that serves (asyncio primitives
        # are bound to one loop).
        self._slots: asyncio.Semaphore | None = None

    @property
    def admitted(self) -> int:
        """Checks running or waiting now."""
        return self._admitted

    async def verify(self, stored: str | None, secret: str) -> bool:
        """:func:`verify_secret` off the event loop; :class:`HashingBusy` when full."""
        return await self.run(verify_secret, stored, secret)

    async def run(self, check: Callable[..., bool], *args: Any) -> bool:
        if self._admitted >= self.concurrent + self.waiting:
            raise HashingBusy
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrent)
        self._admitted += 1
        try:
            async with self._slots:
                return await asyncio.to_thread(check, *args)
        finally:
            self._admitted -= 1


async def check_secret(stored: str | None, secret: str, gate: HashGate | None = None) -> bool:
    """The server passes its gate; commands and tests, which serve nobody, may go without."""
    if gate is None:
        return await asyncio.to_thread(verify_secret, stored, secret)
    return await gate.verify(stored, secret)

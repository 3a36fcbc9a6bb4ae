"""What the token endpoint and the sign-in form share 登录限制: the attempt counts, kept in the
graph for every process (``auth/attempt_store.py``, the rules of ``auth/attempts.py``), and the
password-hashing line, this process's (``auth/passwords.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from auth.attempt_store import SharedAttempts
from auth.attempts import AttemptLimiter
from auth.passwords import HashGate
from hub.graph import Graph
from hub.settings import Settings


@dataclass(frozen=True)
class SignInLimits:
    attempts: SharedAttempts
    hashing: HashGate

    @classmethod
    def from_settings(cls, settings: Settings, graph: Graph) -> SignInLimits:
        return cls(SharedAttempts(graph, lambda: AttemptLimiter.from_settings(settings)),
                   HashGate(settings.password_checks_concurrent,
                            settings.password_checks_waiting))

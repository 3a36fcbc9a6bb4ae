"""Errors the domain services raise; the API turns each into ``extensions.code`` and a message.

Messages are for people: they say what is wrong and what to do, in Chinese with English beside
it, and never carry personal data (no ID numbers, names or dates of a child).
"""

from __future__ import annotations


class HubError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadUserInput(HubError):
    code = "BAD_USER_INPUT"


class NotFound(HubError):
    code = "NOT_FOUND"


class Conflict(HubError):
    code = "CONFLICT"


class Forbidden(HubError):
    code = "FORBIDDEN"


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"

"""Errors the domain services raise; the API turns each into ``extensions.code`` and a message.

Messages are for people: they say what is wrong and what to do, in Chinese with English beside
it, and never carry personal data (no ID numbers, names or dates of a child).
"""

from __future__ import annotations

# Said whenever the database cannot answer now (hub.graph.unavailable), with 503 and Retry-After.
DATABASE_UNAVAILABLE = "数据库暂不可用，请稍后再试 the database is unavailable, retry later"


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


class CostLimit(HubError):
    """An operation whose estimated cost (``schema/cost.py``) exceeds the subject's budget."""

    code = "COST_LIMIT"

    def __init__(self, cost: int, budget: int, roles: tuple[str, ...] = ()) -> None:
        who = f"role {', '.join(roles)}" if roles else "this hub"
        super().__init__(
            f"查询代价 {cost} 超过上限 {budget}:请减少 first 或嵌套 "
            f"query cost {cost} exceeds the budget {budget} of {who}; "
            "ask for smaller pages or fewer nested lists"
        )
        self.cost = cost
        self.budget = budget
        # Given to the client beside the code, so it can size its pages.
        self.details: dict[str, object] = {"cost": cost, "budget": budget}


class QueryTimeout(HubError):
    """A read that ran past ``HUB_QUERY_TIMEOUT_SECONDS``; the database stopped it."""

    code = "QUERY_TIMEOUT"

    def __init__(self, seconds: float | None = None) -> None:
        limit = f"({seconds:g} 秒)" if seconds else ""
        over = f" (over {seconds:g} s)" if seconds else ""
        super().__init__(
            f"查询超时{limit}:请缩小范围或分页 "
            f"the query took too long{over}; narrow it or page through it"
        )

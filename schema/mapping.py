"""How a GraphQL field maps onto the graph: the metadata the query compiler reads.

Each field of a hub type carries one of these in its strawberry ``metadata["graph"]``. The
strings are Cypher fragments written here in the code, with ``{v}`` for the node the field
belongs to and ``{t}`` for the related node; request values never enter them (they travel as
parameters, allocated by the compiler).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.errors import BadUserInput
from hub.graph import Params
from hub.predicates import current_placement

# Turns a field's arguments into extra WHERE conditions on ``{t}`` (already formatted) and a
# limit. Called at compile time with the argument values and the parameter allocator.
ArgumentRule = Callable[[dict[str, Any], Params, str], tuple[list[str], int | None]]


@dataclass(frozen=True)
class Prop:
    """A value computed from the node: ``{v}.name``, ``toString({v}.date)`` …

    ``masked`` is what a subject gets instead when the policy masks the field (null unless
    given: the resident ID number shows its masked form).
    """

    expr: str
    masked: str | None = None


# The label the pattern gives the related node: ``({t}:Placement)`` → Placement.
_TARGET = re.compile(r"\(\{t\}:(\w+)\)")


@dataclass(frozen=True)
class Related:
    """Nodes reached by a pattern from ``{v}`` to ``{t}``: a list, or one (``single``)."""

    pattern: str
    where: str | None = None
    order: str | None = None
    single: bool = False
    arguments: ArgumentRule | None = None

    @property
    def target(self) -> str:
        """The label of the related node; the compiler scopes it by this label."""
        found = _TARGET.search(self.pattern)
        if found is None:
            raise ValueError(f"pattern {self.pattern!r} does not label {{t}}")
        return found.group(1)

    @property
    def owned(self) -> bool:
        """Whether ``{t}`` is a fact of the child ``{v}`` itself: one HAS_FACT step, or the
        child's current-placement pointer (which points at one of its own placements)."""
        return (self.pattern.startswith("({v})-[:HAS_FACT]->({t}:")
                or self.pattern == current_placement("{v}", "{t}"))


@dataclass(frozen=True)
class Connection:
    """A Relay connection of children reached from ``{v}`` (``{t}`` is the child).

    ``reveals``: kinds of fact the list is built from (a school's pupils reveal placements); a
    subject that does not see them is refused the list, as it is a filter on them.
    """

    pattern: str
    where: str | None = None
    reveals: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Graphed:
    """What the compiler needs of an object type: its label test, per concrete type."""

    label: str
    extra: dict[str, Any] = field(default_factory=dict)


def limit_argument(args: dict[str, Any], params: Params, t: str) -> tuple[list[str], int | None]:
    first = args.get("first")
    if first is not None and first < 0:
        raise BadUserInput("first 不能为负数 first must not be negative", field="first")
    return [], first

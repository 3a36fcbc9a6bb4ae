"""How a GraphQL field maps onto the graph: the metadata the query compiler reads.

Each field of a hub type carries one of these in its strawberry ``metadata["graph"]``. The
strings are Cypher fragments written here in the code, with ``{v}`` for the node the field
belongs to and ``{t}`` for the related node; request values never enter them (they travel as
parameters, allocated by the compiler).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.errors import BadUserInput
from hub.graph import Params

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


@dataclass(frozen=True)
class Related:
    """Nodes reached by a pattern from ``{v}`` to ``{t}``: a list, or one (``single``)."""

    pattern: str
    where: str | None = None
    order: str | None = None
    single: bool = False
    arguments: ArgumentRule | None = None


@dataclass(frozen=True)
class Connection:
    """A Relay connection of children reached from ``{v}`` (``{t}`` is the child)."""

    pattern: str
    where: str | None = None


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

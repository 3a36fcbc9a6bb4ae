"""What every indicator family's query shares: the region, the year, the rules, who is asking.

Each family is one Cypher aggregation: a query of its own, or a part of the census-day pass
(:data:`HELD`, :func:`run_held`) that several families share. The child lists behind the
figures are filtered in the same query by the asking subject's row scope (``{visible}`` in a
family's text becomes the scope's conditions on ``c``), so children outside it never leave the
database; a subject who sees no child gets ``false`` there and the figures only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.graph import Graph, fill
from hub.indicators.model import Definition, Result, SchoolYear, ratio
from hub.indicators.registry import BY_KEY
from hub.indicators.rules import RuleBook, Rules
from hub.predicates import (
    ended,
    ends_after,
    in_force,
    open_placement,
    region_prefix,
    started_by,
)
from hub.services.placements import LEFT_ROLL

COMPULSORY_STAGES = ["PRIMARY", "JUNIOR"]
BANDS: dict[str, tuple[int, int]] = {"PRESCHOOL": (3, 5), "COMPULSORY": (6, 14), "SENIOR": (15, 17)}
NEXT_STAGE = {"PRESCHOOL": "PRIMARY", "PRIMARY": "JUNIOR", "JUNIOR": "SENIOR"}
# Targets that are the per-pupil figure of the rules in force rather than the registry's.
_TARGET_IS_PER_PUPIL = frozenset({"funding.specialSchools", "funding.otherPupils"})


def holds_status(placement: str, day: str, listed_before: str | None = None) -> str:
    """``placement`` gave school status 学籍 on ``day``: in force then, unless it ended because
    its pupil left the roll (a later complete edu-status snapshot no longer lists him) and he
    was last listed before ``listed_before`` (default ``day``).

    Such a placement ends on the day of the snapshot that missed the pupil, often weeks into
    the term, yet the pupil was not on the roll when the term began: ``hub dropout check``
    (hub/workflows.py) opens his case on the term's first day, and the census of that same day
    must not count him as enrolled, placed or funded. Leaving the roll is read on ended
    placements only (every write that records it ends the placement on that day), so an open
    placement holds status from its start day, as :func:`holding_status` finds it. Needs the
    parameter ``$leftRoll`` (``Inputs.params`` gives it).
    """
    listed = listed_before or day
    return (f"{in_force(placement, day)} AND NOT coalesce({ended(placement)} "
            f"AND {placement}.endReason = $leftRoll AND {placement}.listedOn < {listed}, false)")


def holding_status(placement: str, day: str) -> str:
    """A subquery body (``CALL () { … }``) returning each ``placement`` that
    :func:`holds_status` on ``day``, found by seeks instead of testing every placement begun by
    then: the open ones by their label (hub/current.py keeps it), which hold status from their
    start day, and the ended ones by the end day's index (those ending after ``day``), tested.
    Open placements have no end date, and reading one that is missing (or the missing reason
    of leaving the roll) walks every property of the placement: most of the test's cost."""
    return (f"MATCH {open_placement(placement)} WHERE {started_by(placement, day)} "
            f"RETURN {placement} "
            f"UNION ALL "
            f"MATCH ({placement}:Placement) WHERE {ends_after(placement, day)} "
            f"AND {holds_status(placement, day)} RETURN {placement}")


@dataclass(frozen=True)
class Visibility:
    """Which children the subject may see: Cypher conditions on ``{c}`` and their params."""

    conditions: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    sees_children: bool = True

    def on(self, v: str) -> str:
        if not self.sees_children:
            return "false"
        if not self.conditions:
            return "true"
        return " AND ".join(f"({fill(c, c=v)})" for c in self.conditions)


@dataclass(frozen=True)
class Inputs:
    region: str
    year: SchoolYear
    as_of: dt.date
    book: RuleBook
    visibility: Visibility = field(default_factory=Visibility)

    @property
    def rules(self) -> Rules:
        return self.book.for_region(self.region)

    def params(self, **extra: Any) -> dict[str, Any]:
        return {
            **self.visibility.params,
            "prefix": region_prefix(self.region),
            "census": self.year.census,
            "yearStart": self.year.start,
            "yearEnd": self.year.end,
            "asOf": self.as_of,
            "leftRoll": LEFT_ROLL,
            **extra,
        }

    def target(self, key: str) -> float | None:
        override = self.rules.targets.get(key)
        if override is not None:
            return override
        if key in _TARGET_IS_PER_PUPIL:  # ≥ 7,000 yuan, Jinshan ≥ 10,000: the region's figure
            return self.rules.per_pupil_yuan
        return BY_KEY[key].target

    def definition(self, key: str) -> Definition:
        """The registry's definition, its texts stating the figures of this region's rules."""
        return BY_KEY[key].resolve(self.rules.figures())


# The census-day pass 学籍统计日共享扫描: the placements holding school status on the census day,
# each with its child, read once into ``held`` for every family that counts them (roster
# enrolment, placement shares, funding, classes). Each of those scanned every placement of the
# province and walked it to its child on its own; the scan was most of each one's work. The
# placements are sought (:func:`holding_status`), not read from every one begun by the census day.
HELD = (
    "CALL () { " + holding_status("p", "$census") + " } "
    "MATCH (c:Child)-[:HAS_FACT]->(p) "
    "WITH collect({c: c, p: p}) AS held "
)


@dataclass(frozen=True)
class HeldPart:
    """A family's share of the census-day pass: a ``CALL (held) { … }`` body that reads the
    list ``held`` (maps ``{c, p}``), may match more, and returns one row with one column named
    after the family (a map, or a list of maps); ``params`` gives its own parameters and
    ``read`` turns the column into the family's results."""

    family: str
    query: str
    params: Callable[[Inputs], dict[str, Any]]
    read: Callable[[Inputs, Any], list[Result]]


async def run_held(graph: Graph, parts: list[HeldPart], inputs: Inputs) -> dict[str, list[Result]]:
    """The census-day pass for ``parts``: one query, each part a subquery over ``held``."""
    cypher = HELD + "".join(f"CALL (held) {{ {part.query} }} " for part in parts)
    cypher += "RETURN " + ", ".join(part.family for part in parts)
    params: dict[str, Any] = {}
    for part in parts:
        params.update(part.params(inputs))
    rows = await run(graph, cypher, inputs, **params)
    row = rows[0] if rows else {}
    return {part.family: part.read(inputs, row.get(part.family)) for part in parts}


async def run(graph: Graph, template: str, inputs: Inputs, **params: Any) -> list[dict[str, Any]]:
    """One family's query: ``{visible}`` becomes the row-scope test on the child ``c``."""
    cypher = fill(template, visible=inputs.visibility.on("c"))
    # Figures, maps and lists of ids only: no node leaves an indicator query.
    return await graph.run(cypher, inputs.params(**params), plain=True)


def result(
    inputs: Inputs,
    key: str,
    numerator: float | None,
    denominator: float | None,
    children: list[str] | None = None,
    value: float | None = None,
    **kwargs: Any,
) -> Result:
    definition = inputs.definition(key)
    if value is None and definition.unit == "rate" and numerator is not None:
        value = ratio(numerator, denominator or 0)
    elif value is None and definition.unit == "count":
        value = numerator
    return Result(
        definition, numerator, denominator, value, inputs.target(key),
        children=sorted(set(children or [])), **kwargs,
    )


def ids(values: list[Any] | None) -> list[str]:
    """Child ids from a collected list (nulls, the children out of scope, dropped)."""
    return [str(v) for v in values or [] if v is not None]

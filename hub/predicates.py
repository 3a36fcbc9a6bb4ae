"""Named domain predicates 领域谓词: each rule the hub's queries test, written once.

Every query that asks "does it lie in this region?", "which is the child's current
placement?", "was it in force on that day?" builds its condition or pattern from these
functions, with its own variable and parameter names; nowhere else is such a condition written
out. Each returns a Cypher fragment made only of the names it is given and code-defined text
(values travel as parameters), and names the clause of the seed plans it comes from.
"""

from __future__ import annotations

from typing import LiteralString

# The maintained pointer (:Child)-[:CURRENT_PLACEMENT]->(:Placement): written by hub/current.py
# only, read through the two patterns below.
CURRENT_PLACEMENT: LiteralString = "CURRENT_PLACEMENT"


def region_prefix(code: str) -> str:
    """A region's subtree as a code prefix: province 14, prefecture 1404, county 140404.

    GB/T 2260 codes nest by their digits (two for the province, two more for the prefecture,
    two for the county); a county bureau sees its county, a city its counties (DOMAIN.md).
    """
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_subtree(node: str, prefix: str) -> str:
    """``node`` (a child, an organisation) lies in the region subtree ``prefix`` (a parameter
    or expression holding :func:`region_prefix` of the region)."""
    return f"{node}.regionCode STARTS WITH {prefix}"


def subtree_prefix_of(region: str) -> str:
    """:func:`region_prefix` of the Region node ``region``, computed in the query."""
    return (f"CASE {region}.level WHEN 'PROVINCE' THEN left({region}.code, 2) "
            f"WHEN 'PREFECTURE' THEN left({region}.code, 4) ELSE {region}.code END")


def current_placement(child: str, placement: str) -> str:
    """The pattern from ``child`` to its current placement ``placement`` (labelled here).

    A placement is current from its start until it ends; it ends when a school status snapshot
    says the pupil left (转出, 毕业, 辍学, 死亡), when the next placement starts, or when a
    transition completes (002 四(四)1), and the end is written on it as ``endDate``. Which one is
    current is kept as a relationship, maintained by every write that can change it
    (hub/current.py), because the planner can expand a relationship from a child or a school
    where it cannot seek on a missing ``endDate`` (range indexes leave nulls out)."""
    return f"({child})-[:{CURRENT_PLACEMENT}]->({placement}:Placement)"


# The current placement's type and stage, mirrored on the child by hub/current.py with the
# pointer: a filter on them is then a seek on a composite index of the child (migration 0014)
# rather than a hop from every child of a region (a child holds ~20 relationships, so a hop
# reads them all: 22 reads per child).
CURRENT_TYPE: LiteralString = "currentType"
CURRENT_STAGE: LiteralString = "currentStage"


def current_type(child: str) -> str:
    """The type (placement ladder) of ``child``'s current placement, null when it has none:
    the same placement as :func:`current_placement` reaches."""
    return f"{child}.{CURRENT_TYPE}"


def current_stage(child: str) -> str:
    """The stage of ``child``'s current placement (as :func:`current_type`)."""
    return f"{child}.{CURRENT_STAGE}"


def may_lack_current_placement(child: str) -> str:
    """``child`` may have no current placement: true of every child without one (the mirror
    :func:`current_type` is absent exactly when the pointer is, hub/current.py's invariant), and
    of a child whose current placement has no type. A pre-filter, read from the child itself (an
    index-free property, cheaper than walking the child's relationships to look for the
    pointer): a query keeping children for having no placement in force still tests their
    placements."""
    return f"{current_type(child)} IS NULL"


# The label on every placement that has not ended (no ``endDate``), written by hub/current.py
# with the pointer (the same writes, so it is never stale; it follows writes, not the calendar):
# the placements in force on a day are then the open ones begun by it, found by the label, and the
# ended ones that end after it, found by the end day's index, instead of every placement tested.
OPEN_PLACEMENT: LiteralString = "OpenPlacement"


def open_placement(placement: str) -> str:
    """The pattern of an open placement ``placement`` (no end date: :func:`not_ended`), by its
    label. A fact's kind is its type label, never this one (schema/types.py)."""
    return f"({placement}:{OPEN_PLACEMENT})"


def current_pupil(placement: str, child: str) -> str:
    """:func:`current_placement` read from the placement's side, to continue a path that
    reaches the placement first: ``(s)<-[:AT]-`` + ``current_pupil("p", "c:Child")`` is a
    school's current pupils."""
    return f"({placement}:Placement)<-[:{CURRENT_PLACEMENT}]-({child})"


def not_ended(fact: str) -> str:
    """``fact`` (a placement, a welfare status) has no end date yet. For a placement this is
    the rule hub/current.py derives the current one from, and what the writes that end
    placements test; a query asking for the current placement reads :func:`current_placement`."""
    return f"{fact}.endDate IS NULL"


def overlaps(fact: str, start: str, end: str) -> str:
    """``fact`` was in force on some day from ``start`` to ``end`` (both included)."""
    return f"{fact}.date <= {end} AND ({fact}.endDate IS NULL OR {fact}.endDate > {start})"


def last_day_within(fact: str, end: str) -> str:
    """The day after ``fact``'s last day in force up to ``end``: its end date, or the day after
    ``end`` when it ran past it or has not ended (for counting the days it covered)."""
    return (f"CASE WHEN {not_ended(fact)} OR {fact}.endDate > {end} THEN {end} + duration('P1D') "
            f"ELSE {fact}.endDate END")


def started_by(fact: str, day: str) -> str:
    """``fact`` had begun on or before ``day``."""
    return f"{fact}.date <= {day}"


def ends_after(fact: str, day: str) -> str:
    """``fact`` has ended, and still held on ``day`` (its end date, the first day it no longer
    holds, is after it). False for a fact not ended: a range on the end day's index."""
    return f"{fact}.endDate > {day}"


def ended(fact: str) -> str:
    """``fact`` has an end date (the opposite of :func:`not_ended`)."""
    return f"{fact}.endDate IS NOT NULL"


def in_force(fact: str, day: str) -> str:
    """``fact`` (a placement, a welfare status) was in force on ``day``: begun on or before it
    and not ended by it. An end date is the first day the fact no longer holds — the day the
    next placement starts (``placeChild``), the day of the snapshot that says the pupil left."""
    return f"{started_by(fact, day)} AND ({not_ended(fact)} OR {ends_after(fact, day)})"


# A school year 学年 runs from 1 September to 31 August and is named by the year it starts
# (seed 000 一(一): enrolment counted at the start of the school year; hub/indicators/model.py
# SchoolYear has its days).
SCHOOL_YEAR_FIRST_MONTH = 9


def school_year_of(day: str) -> str:
    """The school year (by the year it starts) that the date ``day`` falls in; null for none."""
    return (f"CASE WHEN {day} IS NULL THEN null WHEN {day}.month >= {SCHOOL_YEAR_FIRST_MONTH} "
            f"THEN {day}.year ELSE {day}.year - 1 END")

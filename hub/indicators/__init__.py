"""Supervision indicators 督导指标 per region and school year.

One module per family; the definitions are in ``registry.py`` and ``docs/indicators.md`` is
generated from them. The families that count the pupils holding school status on the census
day (roster, placement, funding, classes) are parts of the census-day passes (``common.HELD``:
those placements are read once per pass, each family adds a subquery over them; two passes,
:data:`HELD_GROUPS`); the others send one Cypher aggregation each. :func:`compute` runs the
passes and the other families concurrently (each is one round trip) and returns a
:class:`Report`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable

from hub import regions
from hub.graph import Graph
from hub.indicators import (
    classes,
    dropout,
    funding,
    hollow,
    home_delivery,
    placement,
    roster,
    transitions,
)
from hub.indicators.common import HeldPart, Inputs, Visibility, run_held
from hub.indicators.model import Definition, Item, Report, Result, SchoolYear, Status
from hub.indicators.registry import BY_KEY, DEFINITIONS, FAMILIES
from hub.indicators.rules import RuleBook, Rules, RulesError, rule_book

Family = Callable[[Graph, Inputs], Awaitable[list[Result]]]

# Families that are a part of the census-day pass, and families that send their own query.
HELD_PARTS: dict[str, HeldPart] = {
    part.family: part for part in (roster.PART, placement.PART, funding.PART, classes.PART)
}
# The parts sent together: two passes of about the same work, run at once, so that the two
# cores share them (one query runs on one core). Each repeats the scan (≈ 0.15 s at 100,000
# children since it seeks the open placements by their label; 0.3 s before), but one pass for
# all four kept a core idle for most of the report once the client stopped copying every record
# (bench/indicators-notes.md, issue 14).
HELD_GROUPS: tuple[tuple[str, ...], ...] = (("roster", "classes"), ("placement", "funding"))
COMPUTE: dict[str, Family] = {
    "homeDelivery": home_delivery.compute,
    "hollow": hollow.compute,
    "transitions": transitions.compute,
    "dropout": dropout.compute,
}
assert sorted([*HELD_PARTS, *COMPUTE]) == sorted(FAMILIES), \
    "every family in the registry has exactly one module"
assert sorted(name for group in HELD_GROUPS for name in group) == sorted(HELD_PARTS)
# Round trips of a report with every family: one per own query, one per census-day pass.
ROUND_TRIPS = len(COMPUTE) + len(HELD_GROUPS)


def default_as_of(
    year: SchoolYear, today: dt.date | None = None, rules: Rules | None = None
) -> dt.date:
    """The day the live lists are taken: today, or the year's last teaching day once it passed.

    A year whose teaching is over (its summer holiday, or any later day) is looked at on its
    last teaching day (``Rules.last_teaching_day``: the region's term dates), not on 31 August:
    in the holiday every pupil would look out of school and home delivery would look stopped.
    """
    today = today or dt.date.today()
    return min(today, (rules or Rules()).last_teaching_day(year))


async def compute(
    graph: Graph,
    region: str,
    year: int,
    *,
    as_of: dt.date | None = None,
    book: RuleBook | None = None,
    visibility: Visibility | None = None,
    families: tuple[str, ...] = FAMILIES,
) -> Report:
    school_year = SchoolYear(year)
    book = book or RuleBook()
    inputs = Inputs(
        region=region,
        year=school_year,
        as_of=as_of or default_as_of(school_year, rules=book.for_region(region)),
        book=book,
        visibility=visibility or Visibility(),
    )
    timings: dict[str, float] = {}

    async def timed(name: str) -> list[Result]:
        started = time.perf_counter()
        try:
            return await COMPUTE[name](graph, inputs)
        finally:
            timings[name] = round((time.perf_counter() - started) * 1000, 1)

    async def timed_held(parts: list[HeldPart]) -> list[Result]:
        # One query for the group: each is timed as its whole pass.
        started = time.perf_counter()
        try:
            found = await run_held(graph, parts, inputs)
            return [r for part in parts for r in found[part.family]]
        finally:
            for part in parts:
                timings[part.family] = round((time.perf_counter() - started) * 1000, 1)

    work = [timed(name) for name in families if name in COMPUTE]
    for group in HELD_GROUPS:
        held = [HELD_PARTS[name] for name in group if name in families]
        if held:
            work.insert(0, timed_held(held))
    started = time.perf_counter()
    parts = await asyncio.gather(*work)
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    results = [r for part in parts for r in part]
    order = {d.key: n for n, d in enumerate(DEFINITIONS)}
    results.sort(key=lambda r: order[r.definition.key])
    if not inputs.visibility.sees_children:
        for r in results:
            r.children = []
            r.items = [i for i in r.items if not i.child]
    found = regions.lookup(region)
    return Report(region, found.name if found else None, school_year, inputs.as_of,
                  inputs.visibility.sees_children, results, timings)


__all__ = [
    "BY_KEY",
    "DEFINITIONS",
    "FAMILIES",
    "Definition",
    "Item",
    "Report",
    "Result",
    "RuleBook",
    "Rules",
    "RulesError",
    "SchoolYear",
    "Status",
    "Visibility",
    "compute",
    "default_as_of",
    "rule_book",
]

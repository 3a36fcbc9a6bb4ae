"""Supervision indicators 督导指标 per region and school year.

One module per family, one Cypher aggregation each; the definitions are in ``registry.py``
and ``docs/indicators.md`` is generated from them. :func:`compute` runs every family
concurrently (each is one round trip) and returns a :class:`Report`.
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
from hub.indicators.common import Inputs, Visibility
from hub.indicators.model import Definition, Item, Report, Result, SchoolYear, Status
from hub.indicators.registry import BY_KEY, DEFINITIONS, FAMILIES
from hub.indicators.rules import RuleBook, Rules, RulesError, rule_book

Family = Callable[[Graph, Inputs], Awaitable[list[Result]]]

COMPUTE: dict[str, Family] = {
    "roster": roster.compute,
    "placement": placement.compute,
    "homeDelivery": home_delivery.compute,
    "hollow": hollow.compute,
    "classes": classes.compute,
    "funding": funding.compute,
    "transitions": transitions.compute,
    "dropout": dropout.compute,
}
assert tuple(COMPUTE) == FAMILIES, "every family in the registry has exactly one module"


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

    started = time.perf_counter()
    parts = await asyncio.gather(*(timed(name) for name in families))
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

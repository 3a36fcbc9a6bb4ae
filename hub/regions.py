"""GB/T 2260 administrative division codes 行政区划代码, current and retired.

The table is the one python-stdnum ships as ``stdnum/cn/loc.dat`` (read through
``stdnum.numdb``, the same loader ``stdnum.cn.ric`` uses), compiled from the Chinese Wikipedia
lists of division codes. What it contains, and what this module makes of it:

* One entry per two-digit province (``province="山西省"``), and under it one entry per
  remaining four digits, covering all three levels at once: ``0000`` is the province itself,
  ``0400`` the prefecture 长治市, ``0421`` the county 长治县. So province and prefecture names are
  there, as ordinary entries; the prefecture of a county is simply its ``xxxx00`` entry.
* Names carry validity years: ``[1983-2018]长治县`` (retired), ``[2018-]上党区`` (created),
  or no bracket (valid throughout the period covered). A code that was reused holds several
  names: ``[-1991]东郊区,[1992-]东丽区``. A code is *current* when its latest name has no end
  year, *retired* otherwise; retired codes stay known because resident ID numbers keep them.
* Direct-administered municipalities group their districts under placeholder prefectures
  (110100 ``市辖区``, 110200 ``县``, 500300 ``市``); for those the prefecture name reported
  is the municipality's name, which is what staff expect to read.
* Hong Kong and Macau carry traditional-script province names; the province name here is
  taken from the ``xx0000`` entry (simplified script) whenever there is one.
* The years are those of the Wikipedia lists and are not always exact (e.g. 429001 随州市 has
  no end year though it became a prefecture in 2000): use ``current`` as a hint, not as law.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from stdnum import numdb

Level = Literal["province", "prefecture", "county"]

_CODE = re.compile(r"[0-9]{6}")
_SPAN = re.compile(r"^\[(?P<start>[0-9]*)-(?P<end>[0-9]*)\](?P<name>.*)$")
# Groupings inside municipalities, not real prefectures: show the municipality instead.
_PLACEHOLDER_PREFECTURES = frozenset({"市辖区", "县", "市"})


@dataclass(frozen=True)
class NameSpan:
    """A name a code carried, with the first and last year of use (None = open-ended)."""

    name: str
    start: int | None
    end: int | None

    def covers(self, year: int) -> bool:
        """Whether the code carried this name in `year`."""
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@dataclass(frozen=True)
class Region:
    """One GB/T 2260 code with its latest name and the names of the units above it."""

    code: str
    name: str
    level: Level
    province: str
    prefecture: str | None  # None for a province; the unit's own name for a prefecture
    current: bool
    history: tuple[NameSpan, ...]

    def name_in(self, year: int) -> str | None:
        """The name the code carried in `year`, None if it was not in use then."""
        for span in self.history:
            if span.covers(year):
                return span.name
        return None


def is_known(code: str) -> bool:
    """Whether `code` is a GB/T 2260 code, current or retired."""
    return code in _table()


def lookup(code: str) -> Region | None:
    """The region for a six-digit code, or None when the code never existed."""
    return _table().get(code)


def regions() -> Mapping[str, Region]:
    """Every known code, current and retired (read-only)."""
    return _table()


def parent_code(code: str) -> str | None:
    """The code one level up: county → prefecture ``xxxx00`` → province ``xx0000`` → None.

    A county directly under its province (no ``xxxx00`` entry) gets the province.
    Raises ValueError when `code` is not six digits.
    """
    if not _CODE.fullmatch(code):
        raise ValueError("行政区划代码应为 6 位数字 region code must be 6 digits")
    level = _level(code)
    province = code[:2] + "0000"
    if level == "province":
        return None
    if level == "prefecture":
        return province
    prefecture = code[:4] + "00"
    return prefecture if is_known(prefecture) else province


def _level(code: str) -> Level:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


@cache
def _table() -> Mapping[str, Region]:
    # Two passes: first every code's name history, then the names of the units above it,
    # which needs the whole table because entries are not guaranteed to be in order.
    histories = dict(_raw_entries())
    province_props = {code[:2]: name for code, name in _province_names()}
    table: dict[str, Region] = {}
    for code, history in histories.items():
        table[code] = Region(
            code=code,
            name=history[-1].name,
            level=_level(code),
            province=_province_name(code, histories, province_props),
            prefecture=_prefecture_name(code, histories, province_props),
            current=history[-1].end is None,
            history=history,
        )
    return MappingProxyType(table)


def _province_name(
    code: str, histories: Mapping[str, tuple[NameSpan, ...]], props: Mapping[str, str]
) -> str:
    own = histories.get(code[:2] + "0000")
    return own[-1].name if own else props.get(code[:2], "")


def _prefecture_name(
    code: str, histories: Mapping[str, tuple[NameSpan, ...]], props: Mapping[str, str]
) -> str | None:
    level = _level(code)
    if level == "province":
        return None
    own = histories.get(code[:4] + "00")
    if own is None or own[-1].name in _PLACEHOLDER_PREFECTURES:
        return _province_name(code, histories, props)
    return own[-1].name


def _database_entries() -> Iterator[tuple[str, dict[str, str], list[Any]]]:
    """(two-digit province code, props, children) for each top-level entry of loc.dat."""
    for _length, low, high, props, children in numdb.get("cn/loc").prefixes:
        for prefix in _expand(low, high):
            yield prefix, props, children


def _province_names() -> Iterator[tuple[str, str]]:
    for prefix, props, _children in _database_entries():
        if "province" in props:
            yield prefix + "0000", props["province"]


def _raw_entries() -> Iterator[tuple[str, tuple[NameSpan, ...]]]:
    for prefix, _props, children in _database_entries():
        for _length, low, high, props, _grandchildren in children:
            if "county" not in props:
                continue
            history = _parse_history(props["county"])
            for suffix in _expand(low, high):
                yield prefix + suffix, history


def _expand(low: str, high: str) -> Iterator[str]:
    # numdb allows ranges such as 0101-0105; loc.dat uses single codes today, but be safe.
    width = len(low)
    for number in range(int(low), int(high) + 1):
        yield str(number).zfill(width)


def _parse_history(text: str) -> tuple[NameSpan, ...]:
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part)
        if match is None:
            spans.append(NameSpan(part, None, None))
            continue
        start, end = match["start"], match["end"]
        spans.append(
            NameSpan(match["name"], int(start) if start else None, int(end) if end else None)
        )
    # Sort so the latest name is last even if the source lists them out of order.
    return tuple(sorted(spans, key=lambda span: (span.start or 0, span.end or 9999)))

"""What an indicator is 督导指标: its definition, the school year it covers, and its result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from hub.predicates import SCHOOL_YEAR_FIRST_MONTH

Unit = Literal["rate", "count", "yuan", "days"]
Op = Literal[">=", "<="]


@dataclass(frozen=True)
class SchoolYear:
    """School year ``year`` 学年: 1 September ``year`` to 31 August ``year + 1``.

    Ages are taken on 31 August of ``year`` (a child who is 6 on that day starts primary school
    that September, the Chinese school-entry rule), so a child's stage band is fixed for the
    whole year: one born on 1 September turns six a day too late and waits a year. The census
    day for school status 学籍 is the first day of the year (学年初统计).
    """

    year: int

    @classmethod
    def of(cls, day: dt.date) -> SchoolYear:
        """The school year ``day`` falls in (``hub.predicates.school_year_of`` in Cypher)."""
        return cls(day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, SCHOOL_YEAR_FIRST_MONTH, 1)

    @property
    def end(self) -> dt.date:
        return SchoolYear(self.year + 1).start - dt.timedelta(days=1)

    @property
    def age_day(self) -> dt.date:
        return dt.date(self.year, 8, 31)

    @property
    def census(self) -> dt.date:
        return self.start

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def born(self, youngest: int, oldest: int) -> tuple[dt.date, dt.date]:
        """Birth dates (earliest, latest) of children aged youngest..oldest on 31 August."""
        return dt.date(self.year - oldest - 1, 9, 1), dt.date(self.year - youngest, 8, 31)


@dataclass(frozen=True)
class Definition:
    """One indicator, written once: what it counts, the rule's target and where the rule is.

    Texts that state a figure of the rules name it, e.g. ``{hours}``, instead of writing it
    (``Rules.figures()`` lists the names): :meth:`resolve` fills in the figures of the rules in
    force, so a region that sets 100 hours reads 100. Each text has a Chinese twin (``_zh``).
    """

    key: str
    family: str
    chinese: str
    english: str
    unit: Unit
    numerator: str  # what is counted above the line
    denominator: str | None  # … and below it (None for a plain count or sum)
    children: str  # which children the list behind it holds
    source: str  # file and section in shared/seeds, as DOMAIN.md cites them
    target: float | None = None
    op: Op | None = None
    note: str = ""
    numerator_zh: str = ""
    denominator_zh: str | None = None
    children_zh: str = ""
    note_zh: str = ""
    numerator_unit: Unit = "count"  # yuan where the numerator is money due

    @property
    def title(self) -> str:
        return f"{self.chinese} {self.english}"

    def resolve(self, figures: Mapping[str, str]) -> Definition:
        """This definition with the figures of the rules in force written into its texts."""

        def fill(text: str | None) -> str | None:
            return None if text is None else text.format_map(figures)

        return replace(
            self,
            chinese=self.chinese.format_map(figures),
            english=self.english.format_map(figures),
            numerator=self.numerator.format_map(figures),
            denominator=fill(self.denominator),
            children=self.children.format_map(figures),
            note=self.note.format_map(figures),
            numerator_zh=self.numerator_zh.format_map(figures),
            denominator_zh=fill(self.denominator_zh),
            children_zh=self.children_zh.format_map(figures),
            note_zh=self.note_zh.format_map(figures),
        )


@dataclass
class Item:
    """One row of detail: a child, a class, a school, a stage pair, a placement type."""

    kind: str  # Child, SchoolClass, School, StagePair, PlacementType, Band
    id: str
    label: str
    values: dict[str, float | None] = field(default_factory=dict)
    flagged: bool = False
    child: bool = False  # a row about one child: hidden from subjects who see no child


class Status(StrEnum):
    """Where an indicator stands against its target 指标状态.

    NO_DATA comes first: a rate or a count over a denominator of 0 (no classes, no special
    school, no child checked) says nothing about the rule, so it is neither met nor missed.
    """

    MET = "MET"
    NOT_MET = "NOT_MET"
    NO_DATA = "NO_DATA"
    NO_TARGET = "NO_TARGET"

    @property
    def label(self) -> str:
        """Chinese and English, as reports and the console show it."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.MET: "达标 met",
    Status.NOT_MET: "未达标 not met",
    Status.NO_DATA: "无数据 no data",
    Status.NO_TARGET: "无目标 no target",
}


@dataclass
class Result:
    definition: Definition
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    children: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def status(self) -> Status:
        d = self.definition
        # An indicator defined over a denominator has no data when that denominator is 0 or
        # unknown, even if its value could be read as 0 (0 classes over the limit of 0 classes).
        if self.value is None or (d.denominator is not None and not self.denominator):
            return Status.NO_DATA
        if self.target is None or d.op is None:
            return Status.NO_TARGET
        ok = self.value >= self.target if d.op == ">=" else self.value <= self.target
        return Status.MET if ok else Status.NOT_MET

    @property
    def meets_target(self) -> bool | None:
        """True or False only for MET and NOT_MET (kept beside ``status`` for old clients)."""
        return {Status.MET: True, Status.NOT_MET: False}.get(self.status)


@dataclass
class Report:
    region: str
    region_name: str | None
    year: SchoolYear
    as_of: dt.date
    children_visible: bool
    results: list[Result]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "regionName": self.region_name,
            "year": self.year.year,
            "from": self.year.start.isoformat(),
            "to": self.year.end.isoformat(),
            "census": self.year.census.isoformat(),
            "asOf": self.as_of.isoformat(),
            "childrenVisible": self.children_visible,
            "indicators": [
                {
                    "key": r.definition.key,
                    "name": r.definition.title,
                    "definition": r.definition.numerator,
                    "definitionChinese": r.definition.numerator_zh,
                    "denominatorDefinition": r.definition.denominator,
                    "denominatorDefinitionChinese": r.definition.denominator_zh,
                    "unit": r.definition.unit,
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "value": r.value,
                    "target": r.target,
                    "op": r.definition.op,
                    "meetsTarget": r.meets_target,
                    "status": r.status.value,
                    "source": r.definition.source,
                    "children": r.children,
                    "items": [
                        {"kind": i.kind, "id": i.id, "label": i.label, "values": i.values,
                         "flagged": i.flagged}
                        for i in r.items
                    ],
                }
                for r in self.results
            ],
        }


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None

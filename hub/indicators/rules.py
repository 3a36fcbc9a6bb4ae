"""The figures the indicators apply 督导规则参数, with per-region overrides.

The defaults are the figures of ``shared/DOMAIN.md``. A deployment may override any of them for
a region subtree in a YAML or JSON file named by ``HUB_INDICATOR_RULES``::

    default:            # optional: replaces the built-in defaults
      stalled_after_days: 45
    regions:
      "310116":         # 金山区: per-pupil funding ≥ 10,000 yuan (002 七1)
        per_pupil_yuan: 10000
      "140400":
        hollow_window_days: {HOME_DELIVERY: 21}
        targets: {enrolment.compulsory: 0.99}
        spring_term_ends: "07-10"          # last teaching day of every school year
        last_teaching_days: {2025: 2026-07-03}   # … or of one year exactly

The rules of a report on region R are the defaults, then the overrides of R's province, then
of its prefecture, then of R itself. Per-pupil funding is resolved per school, by the school's
own region (so a city report funds each county at its own rate).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.indicators.model import SchoolYear
from hub.vocabulary import PlacementType


class RulesError(Exception):
    """A rules file that cannot be used; the message names the file and the problem."""


class Rules(BaseModel):
    """One region's figures. Every field has the default of DOMAIN.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # 000 三(三), 001 §11: ≥ 7,000 yuan a pupil a year (Jinshan ≥ 10,000: 002 七1)
    per_pupil_yuan: float = Field(default=7000.0, gt=0)
    minimum_per_pupil_yuan: float = Field(default=7000.0, gt=0)
    # 001 §11, 003 五(一): a special school under 100 pupils is funded as 100
    funded_minimum_pupils: int = Field(default=100, ge=0)
    # a placement ended and no next one within this many days: stalled (002 四(四)1)
    stalled_after_days: int = Field(default=30, ge=1, le=3650)
    # placement type → days without evidence before active school status is suspect (000 一(四))
    hollow_window_days: dict[PlacementType, int] = Field(
        default_factory=lambda: {PlacementType.HOME_DELIVERY: 30, PlacementType.REMOTE: 30}
    )
    # 000 一(三): 1–2 visits a week, 2–4 class hours a visit, ≥ 120 class hours a year
    home_delivery_hours: float = Field(default=120.0, gt=0)
    visits_per_week: tuple[float, float] = (1.0, 2.0)
    hours_per_visit: tuple[float, float] = (2.0, 4.0)
    # teaching weeks in a school year, the denominator of "visits per week" (义务教育课程方案:
    # 35 teaching weeks a year); an assumption, not a figure of the plans
    teaching_weeks: float = Field(default=35.0, gt=0, le=52)
    # 001 §12: 50 yuan per teacher per home-delivery visit
    subsidy_per_visit_yuan: float = Field(default=50.0, ge=0)
    # 000 一(二): at most 3 inclusion pupils in an ordinary class
    inclusion_per_class: int = Field(default=3, ge=1)
    # The last teaching day of a school year 学年最后教学日: the end of its spring term 春季学期,
    # "MM-DD" in the year's second calendar year. A year whose teaching is over has its live
    # lists taken on that day, not in the summer holiday (when placements have ended for the
    # summer and no home-delivery visit is due). No plan in shared/seeds sets term dates (000
    # 一(五) only speaks of comparing rolls before and after term starts): mid-July, the usual
    # end of the spring term of compulsory schools, is an assumption; set it per region.
    spring_term_ends: str = "07-15"
    # Exact last teaching days of given school years (calendars move a few days each year),
    # by the year's first year: {2025: 2026-07-10}; they win over spring_term_ends.
    last_teaching_days: dict[int, dt.date] = Field(default_factory=dict)
    # indicator key → target replacing the registry's
    targets: dict[str, float] = Field(default_factory=dict)

    @field_validator("spring_term_ends")
    @classmethod
    def _month_day(cls, value: str) -> str:
        try:
            day = dt.datetime.strptime(f"2001-{value}", "%Y-%m-%d").date()
        except ValueError:
            raise ValueError(f"{value}: the last teaching day is written MM-DD") from None
        if day.month > 8 or len(value) != 5:
            raise ValueError(f"{value}: the spring term ends between January and August (MM-DD)")
        return value

    @field_validator("last_teaching_days")
    @classmethod
    def _in_the_year(cls, value: dict[int, dt.date]) -> dict[int, dt.date]:
        for year, day in value.items():
            school_year = SchoolYear(year)
            if not school_year.start <= day <= school_year.end:
                raise ValueError(f"{year}: {day} is not in school year {year} "
                                 f"({school_year.start} – {school_year.end})")
        return value

    def last_teaching_day(self, year: SchoolYear) -> dt.date:
        """The school year's last teaching day under these rules."""
        exact = self.last_teaching_days.get(year.year)
        if exact is not None:
            return exact
        month, day = (int(part) for part in self.spring_term_ends.split("-"))
        return dt.date(year.year + 1, month, day)

    def with_overrides(self, overrides: dict[str, Any]) -> Rules:
        return Rules.model_validate(self.model_dump() | overrides)

    def figures(self) -> dict[str, str]:
        """The figures indicator labels state, by the name a label uses (``{hours}``).

        Labels never write a figure of these rules themselves: ``Definition.resolve`` fills them
        from here, so what a report says is what it applied.
        """
        windows = sorted(self.hollow_window_days.items())
        return {
            "hours": _number(self.home_delivery_hours),
            "visits_lo": _number(self.visits_per_week[0]),
            "visits_hi": _number(self.visits_per_week[1]),
            "visit_lo": _number(self.hours_per_visit[0]),
            "visit_hi": _number(self.hours_per_visit[1]),
            "weeks": _number(self.teaching_weeks),
            "subsidy": _number(self.subsidy_per_visit_yuan),
            "per_class": _number(self.inclusion_per_class),
            "floor": _number(self.funded_minimum_pupils),
            "stalled_days": _number(self.stalled_after_days),
            "hollow_types": ", ".join(kind.value for kind, _ in windows),
            "hollow_types_zh": "、".join(kind.label for kind, _ in windows),
            "hollow_days": ", ".join(f"{kind.value} {days}" for kind, days in windows),
            "hollow_days_zh": "、".join(f"{kind.label} {days} 天" for kind, days in windows),
        }


class RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: dict[str, Any] = Field(default_factory=dict)
    regions: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("regions")
    @classmethod
    def _codes(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for code in value:
            if not (len(code) == 6 and code.isdigit()):
                raise ValueError(f"{code}: regions are six-digit GB/T 2260 codes")
        return value


class RuleBook:
    """The defaults and the per-region overrides, resolved for a region on demand."""

    def __init__(self, spec: RulesFile | None = None) -> None:
        self.spec = spec or RulesFile()
        try:
            self.default = Rules().with_overrides(self.spec.default)
            for overrides in self.spec.regions.values():
                self.default.with_overrides(overrides)  # validates every override now
        except ValidationError as exc:
            raise RulesError(f"indicator rules: {_first_error(exc)}") from None

    @classmethod
    def load(cls, path: Path | None) -> RuleBook:
        if path is None:
            return cls()
        try:
            text = path.read_text(encoding="utf-8")
            raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            return cls(RulesFile.model_validate(raw or {}))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            message = _first_error(exc) if isinstance(exc, ValidationError) else str(exc)
            raise RulesError(f"indicator rules {path}: {message}") from None

    def for_region(self, code: str) -> Rules:
        rules = self.default
        for ancestor in _ancestors(code):
            overrides = self.spec.regions.get(ancestor)
            if overrides:
                rules = rules.with_overrides(overrides)
        return rules

    def per_pupil_by_region(self) -> dict[str, float]:
        """Region code → per-pupil yuan, for every region that sets it (resolved per school)."""
        return {
            code: float(overrides["per_pupil_yuan"])
            for code, overrides in self.spec.regions.items()
            if "per_pupil_yuan" in overrides
        }


def _number(value: float) -> str:
    """7000.0 → "7,000", 112.5 → "112.5": a figure as a label writes it."""
    return f"{value:,.10g}"


def _ancestors(code: str) -> list[str]:
    """Province, prefecture, county codes of ``code``, outermost first, without repeats."""
    chain = [code[:2] + "0000", code[:4] + "00", code]
    return list(dict.fromkeys(chain))


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


@cache
def rule_book(path: Path | None) -> RuleBook:
    return RuleBook.load(path)

"""Date scalars. Values come out of Cypher already as ISO strings; inputs are checked here."""

from __future__ import annotations

import datetime as dt
from typing import Any, NewType

import strawberry

Date = NewType("Date", dt.date)
DateTime = NewType("DateTime", dt.datetime)


def _parse_date(value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError("日期格式应为 YYYY-MM-DD date must be YYYY-MM-DD") from None


def _parse_datetime(value: object) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError("时间格式应为 ISO 8601 datetime must be ISO 8601") from None


SCALARS: dict[object, Any] = {
    Date: strawberry.scalar(
        name="Date",
        serialize=str,
        parse_value=_parse_date,
        description="日期 A calendar date, ISO 8601 (YYYY-MM-DD)",
    ),
    DateTime: strawberry.scalar(
        name="DateTime",
        serialize=str,
        parse_value=_parse_datetime,
        description="时间 An instant, ISO 8601 with time zone",
    ),
}

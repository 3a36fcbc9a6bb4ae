"""The indicator workbook 督导指标工作簿: an overview and one sheet per indicator.

Headings are Chinese with English beside. Each indicator's sheet has its figures, its rule and
source, its definitions (Chinese in one column, English in the next), its detail rows, and the
children behind it (id and name).

Figures are numbers with a number format, never text, so staff can sum, sort and chart them:
rates as percentages, counts as integers, yuan with two decimals and thousands separators,
days with one decimal. A figure that does not exist (no data) is an empty cell; the status
column says why.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hub.indicators import Report, Result, Status
from hub.indicators.model import Unit
from hub.reports import status_text

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BAD_FILL = PatternFill("solid", fgColor="FCE4D6")
_NO_DATA_FILL = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="top")

# Excel number formats per unit; LibreOffice and WPS read them the same way.
NUMBER_FORMATS: dict[Unit, str] = {
    "rate": "0.0%",
    "count": "#,##0",
    "yuan": '#,##0.00" 元"',
    "days": '0.0" 天"',
}
# Detail-row figures by name (``Item.values`` keys); names not listed keep Excel's General.
_VALUE_UNITS: dict[str, Unit] = {
    "share": "rate", "rate": "rate", "partOfYear": "rate",
    "perPupilYuan": "yuan", "dueYuan": "yuan", "subsidyYuan": "yuan",
    "daysWithoutEvidence": "days", "daysSinceEnd": "days",
    "pupils": "count", "fundedPupils": "count", "visits": "count", "roster": "count",
    "enrolled": "count", "classes": "count", "children": "count", "transitions": "count",
    "inclusionPupils": "count", "limit": "count", "mostVisitsInAWeek": "count",
    "window": "count",
}
_HOURS = "0.0"  # class hours and visits a week: one decimal, no unit word
_INVALID = str.maketrans({c: " " for c in "[]:*?/\\"})

OVERVIEW_HEADINGS = (
    "指标 Indicator", "键 Key", "分子 Numerator", "分母 Denominator", "值 Value",
    "比较 Comparison", "目标 Target", "状态 Status", "依据 Source", "名单人数 Children listed",
    "分子口径 Numerator counts (中文)", "Numerator counts (English)",
)
_OP_TEXT = {">=": "≥", "<=": "≤"}


def sheet_title(n: int, result: Result) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet's name."""
    return f"{n:02d} {result.definition.chinese}".translate(_INVALID)[:31]


def _heading(sheet: Worksheet, row: int, headings: tuple[str, ...] | list[str]) -> None:
    for col, text in enumerate(headings, start=1):
        cell = sheet.cell(row=row, column=col, value=text)
        cell.font = _BOLD
        cell.fill = _HEAD_FILL


def _widths(sheet: Worksheet, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = width


def build(report: Report, names: dict[str, str]) -> Workbook:
    book = Workbook()
    overview = book.active
    assert overview is not None
    overview.title = "概览 Overview"
    region = f"{report.region_name or ''} {report.region}".strip()
    overview["A1"] = (
        f"督导指标 Supervision indicators — {region}, 学年 school year {report.year.year}"
    )
    overview["A1"].font = _TITLE
    overview["A2"] = (
        f"学年 {report.year.start} – {report.year.end}; 学籍统计日 census {report.year.census}; "
        f"名单截至 lists as of {report.as_of}; 年龄按 8 月 31 日计 ages on 31 August"
    )
    _heading(overview, 4, OVERVIEW_HEADINGS)
    for n, result in enumerate(report.results, start=1):
        d = result.definition
        row = 4 + n
        values: tuple[tuple[object, str | None], ...] = (
            (d.title, None), (d.key, None),
            (result.numerator, NUMBER_FORMATS[d.numerator_unit]),
            (result.denominator, NUMBER_FORMATS["count"]),
            (result.value, NUMBER_FORMATS[d.unit]),
            (_OP_TEXT.get(d.op or ""), None),
            (result.target if d.op else None, NUMBER_FORMATS[d.unit]),
            (status_text(result.status), None), (d.source, None),
            (len(result.children), NUMBER_FORMATS["count"]),
            (d.numerator_zh, None), (d.numerator, None),
        )
        for col, (value, number_format) in enumerate(values, start=1):
            _put(overview, row, col, value, number_format)
        link = overview.cell(row=row, column=1)
        link.hyperlink = f"#'{sheet_title(n, result)}'!A1"
        fill = {Status.NOT_MET: _BAD_FILL, Status.NO_DATA: _NO_DATA_FILL}.get(result.status)
        if fill is not None:
            for col in range(1, len(values) + 1):
                overview.cell(row=row, column=col).fill = fill
    _widths(overview, {1: 44, 2: 26, 3: 16, 4: 14, 5: 16, 6: 8, 7: 16, 8: 16, 9: 30, 10: 14,
                       11: 60, 12: 60})
    overview.freeze_panes = "A5"

    for n, result in enumerate(report.results, start=1):
        _indicator_sheet(book.create_sheet(sheet_title(n, result)), result, names)
    return book


def _put(sheet: Worksheet, row: int, col: int, value: object, number_format: str | None = None
         ) -> None:
    """A cell: numbers stay numbers, with the format that shows them as staff read them."""
    cell = sheet.cell(row=row, column=col, value=value)
    if number_format is not None and isinstance(value, int | float):
        cell.number_format = number_format
    elif isinstance(value, str) and len(value) > 40:
        cell.alignment = _WRAP


def _value_format(key: str) -> str | None:
    unit = _VALUE_UNITS.get(key)
    if unit is not None:
        return NUMBER_FORMATS[unit]
    return _HOURS if "hours" in key.lower() or "visit" in key.lower() else None


def _indicator_sheet(sheet: Worksheet, result: Result, names: dict[str, str]) -> None:
    d = result.definition
    sheet["A1"] = d.title
    sheet["A1"].font = _TITLE
    # (label, Chinese or the figure, English, number format of the figure)
    facts: tuple[tuple[str, object, str | None, str | None], ...] = (
        ("键 Key", d.key, None, None),
        ("分子 Numerator", result.numerator, None, NUMBER_FORMATS[d.numerator_unit]),
        ("分子口径 Numerator counts", d.numerator_zh, d.numerator, None),
        ("分母 Denominator", result.denominator, None, NUMBER_FORMATS["count"]),
        ("分母口径 Denominator counts", d.denominator_zh or "—", d.denominator or "—", None),
        ("值 Value", result.value, None, NUMBER_FORMATS[d.unit]),
        ("比较 Comparison", _OP_TEXT.get(d.op or "", "—"), None, None),
        ("目标 Target", result.target if d.op else None, None, NUMBER_FORMATS[d.unit]),
        ("状态 Status", status_text(result.status), None, None),
        ("依据 Source", d.source, None, None),
        ("名单口径 Children listed", d.children_zh, d.children, None),
        ("说明 Note", d.note_zh or "—", d.note or "—", None),
    )
    sheet.cell(row=2, column=2, value="中文").font = _BOLD
    sheet.cell(row=2, column=3, value="English").font = _BOLD
    for row, (label, value, english, number_format) in enumerate(facts, start=3):
        sheet.cell(row=row, column=1, value=label).font = _BOLD
        _put(sheet, row, 2, value, number_format)
        if english is not None:
            _put(sheet, row, 3, english)
        for col in (2, 3):
            sheet.cell(row=row, column=col).alignment = _WRAP
    row = 3 + len(facts) + 1
    if result.items:
        keys = list(dict.fromkeys(k for item in result.items for k in item.values))
        sheet.cell(row=row, column=1, value="明细 Detail").font = _BOLD
        row += 1
        _heading(sheet, row, ["类型 Kind", "标识 Id", "说明 Label", "姓名 Name",
                              "需关注 Flagged", *keys])
        formats = [_value_format(k) for k in keys]
        for item in result.items:
            row += 1
            name = names.get(item.id, "") if item.child else ""
            values = [item.kind, item.id, item.label, name, "是 yes" if item.flagged else ""]
            for col, value in enumerate(values, start=1):
                sheet.cell(row=row, column=col, value=value)
            for col, (key, number_format) in enumerate(zip(keys, formats, strict=True),
                                                        start=len(values) + 1):
                _put(sheet, row, col, item.values.get(key), number_format)
        row += 2
    sheet.cell(row=row, column=1, value=f"相关儿童 Children behind it ({len(result.children)})"
               ).font = _BOLD
    row += 1
    _heading(sheet, row, ["儿童编号 Child id", "姓名 Name"])
    for child in result.children:
        row += 1
        sheet.cell(row=row, column=1, value=child)
        sheet.cell(row=row, column=2, value=names.get(child, ""))
    _widths(sheet, {1: 26, 2: 50, 3: 50, 4: 14, 5: 14})


def write(report: Report, names: dict[str, str], path: Path) -> Path:
    build(report, names).save(path)
    return path

"""The indicator workbook 督导指标工作簿: an overview and one sheet per indicator.

Headings are Chinese with English beside. Each indicator's sheet has its figures, its rule and
source, its detail rows, and the children behind it (id and name).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from hub.indicators import Report, Result
from hub.reports import fmt, status_text, target_text

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BAD_FILL = PatternFill("solid", fgColor="FCE4D6")
_INVALID = str.maketrans({c: " " for c in "[]:*?/\\"})

OVERVIEW_HEADINGS = (
    "指标 Indicator", "键 Key", "分子 Numerator", "分母 Denominator", "值 Value",
    "目标 Target", "状态 Status", "依据 Source", "名单人数 Children listed",
)


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
        values = (
            d.title, d.key, result.numerator, result.denominator,
            fmt(result.value, d.unit), target_text(d.op, result.target, d.unit),
            status_text(result.status), d.source, len(result.children),
        )
        for col, value in enumerate(values, start=1):
            overview.cell(row=row, column=col, value=value)
        link = overview.cell(row=row, column=1)
        link.hyperlink = f"#'{sheet_title(n, result)}'!A1"
        if result.meets_target is False:
            for col in range(1, len(values) + 1):
                overview.cell(row=row, column=col).fill = _BAD_FILL
    _widths(overview, {1: 44, 2: 26, 3: 14, 4: 14, 5: 16, 6: 16, 7: 16, 8: 30, 9: 14})
    overview.freeze_panes = "A5"

    for n, result in enumerate(report.results, start=1):
        _indicator_sheet(book.create_sheet(sheet_title(n, result)), result, names)
    return book


def _indicator_sheet(sheet: Worksheet, result: Result, names: dict[str, str]) -> None:
    d = result.definition
    sheet["A1"] = d.title
    sheet["A1"].font = _TITLE
    facts = (
        ("键 Key", d.key),
        ("分子 Numerator", result.numerator),
        ("分子口径 Numerator counts", d.numerator),
        ("分母 Denominator", result.denominator),
        ("分母口径 Denominator counts", d.denominator or "—"),
        ("值 Value", fmt(result.value, d.unit)),
        ("目标 Target", target_text(d.op, result.target, d.unit)),
        ("状态 Status", status_text(result.status)),
        ("依据 Source", d.source),
        ("名单口径 Children listed", d.children),
        ("说明 Note", d.note or "—"),
    )
    for row, (label, value) in enumerate(facts, start=3):
        sheet.cell(row=row, column=1, value=label).font = _BOLD
        cell = sheet.cell(row=row, column=2, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    row = 3 + len(facts) + 1
    if result.items:
        keys = list(dict.fromkeys(k for item in result.items for k in item.values))
        sheet.cell(row=row, column=1, value="明细 Detail").font = _BOLD
        row += 1
        _heading(sheet, row, ["类型 Kind", "标识 Id", "说明 Label", "姓名 Name",
                              "需关注 Flagged", *keys])
        for item in result.items:
            row += 1
            name = names.get(item.id, "") if item.child else ""
            values = [item.kind, item.id, item.label, name, "是 yes" if item.flagged else "",
                      *[item.values.get(k) for k in keys]]
            for col, value in enumerate(values, start=1):
                sheet.cell(row=row, column=col, value=value)
        row += 2
    sheet.cell(row=row, column=1, value=f"相关儿童 Children behind it ({len(result.children)})"
               ).font = _BOLD
    row += 1
    _heading(sheet, row, ["儿童编号 Child id", "姓名 Name"])
    for child in result.children:
        row += 1
        sheet.cell(row=row, column=1, value=child)
        sheet.cell(row=row, column=2, value=names.get(child, ""))
    _widths(sheet, {1: 26, 2: 60, 3: 30, 4: 14, 5: 14})


def write(report: Report, names: dict[str, str], path: Path) -> Path:
    build(report, names).save(path)
    return path

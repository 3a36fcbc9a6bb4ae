"""Indicator reports 督导报告: an Excel workbook, an HTML page with charts, or JSON.

The console user (``hub report``) acts as the hub itself and sees every child, so the workbook
lists the children behind each indicator with their names. Names are read in one query for the
ids the report already holds.
"""

from __future__ import annotations

from typing import Any

from hub.graph import Graph
from hub.indicators import Report, Status

FORMATS = ("xlsx", "html", "json")


async def child_names(graph: Graph, report: Report) -> dict[str, str]:
    ids = sorted({c for r in report.results for c in r.children}
                 | {i.id for r in report.results for i in r.items if i.child})
    if not ids:
        return {}
    rows = await graph.run(
        "UNWIND $ids AS id MATCH (c:Child {id: id}) RETURN c.id AS id, c.name AS name",
        {"ids": ids},
    )
    return {str(r["id"]): str(r["name"] or "") for r in rows}


def fmt(value: Any, unit: str) -> str:
    """A figure as staff read it: 97.5 %, 1,234, 7,000.00 元, 12.5 天."""
    if value is None:
        return "—"
    if unit == "rate":
        return f"{float(value) * 100:.1f} %"
    if unit == "yuan":
        return f"{float(value):,.2f} 元"
    if unit == "days":
        return f"{float(value):.1f} 天 days"
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"


def target_text(op: str | None, target: float | None, unit: str) -> str:
    if op is None or target is None:
        return "—"
    return f"{'≥' if op == '>=' else '≤'} {fmt(target, unit)}"


def status_text(status: Status) -> str:
    """达标 met, 未达标 not met, 无数据 no data (a denominator of 0), 无目标 no target."""
    return status.label

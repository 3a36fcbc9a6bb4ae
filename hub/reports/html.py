"""The indicator page 督导指标页面: one self-contained HTML file with inline SVG bar charts.

No script and no network: the charts are SVG drawn here, so the page opens offline and prints.
Every text is escaped. Charts: rates against their targets, the placement ladder of
compulsory-stage pupils, the cases to act on, and stalled transitions by stage pair.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.indicators import Report, Result, Status
from hub.reports import fmt, status_text, target_text

_GOOD, _BAD, _NEUTRAL, _TARGET = "#2e7d32", "#c62828", "#1565c0", "#111111"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    colour: str = _NEUTRAL
    target: float | None = None  # drawn as a tick, in the bar's scale


def bar_chart(title: str, bars: Sequence[Bar], maximum: float | None = None) -> str:
    """A horizontal bar chart as inline SVG; ``maximum`` fixes the scale (1.0 for rates)."""
    label_w, bar_w, row_h, top = 260, 420, 26, 34
    width, height = label_w + bar_w + 120, top + row_h * max(len(bars), 1) + 12
    top_value = maximum or max([b.value for b in bars] + [b.target or 0 for b in bars] + [1])
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{html.escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="{top + 16}" font-size="13">无数据 no data</text>')
    for n, bar in enumerate(bars):
        y = top + n * row_h
        length = 0.0 if top_value <= 0 else max(0.0, min(1.0, bar.value / top_value)) * bar_w
        parts += [
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="13" text-anchor="end">'
            f"{html.escape(bar.label)}</text>",
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{length:.1f}" height="16" '
            f'fill="{bar.colour}"><title>{html.escape(bar.label)}: '
            f"{html.escape(bar.text)}</title></rect>",
            f'<text x="{label_w + length + 6:.1f}" y="{y + 16}" font-size="12">'
            f"{html.escape(bar.text)}</text>",
        ]
        if bar.target is not None and top_value > 0:
            x = label_w + min(1.0, bar.target / top_value) * bar_w
            parts.append(
                f'<line class="target" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + 23}" '
                f'stroke="{_TARGET}" stroke-width="2" stroke-dasharray="3,2"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _colour(result: Result) -> str:
    if result.meets_target is None:
        return _NEUTRAL
    return _GOOD if result.meets_target else _BAD


def _figure(result: Result) -> str:
    """The value beside a bar; "no data" rather than a 0 that would read as met."""
    if result.status is Status.NO_DATA:
        return status_text(result.status)
    return fmt(result.value, result.definition.unit)


def charts(report: Report) -> list[str]:
    by_key = {r.definition.key: r for r in report.results}
    rates = [
        Bar(r.definition.chinese, r.value or 0.0,
            f"{_figure(r)} (目标 {target_text(r.definition.op, r.target, 'rate')})",
            _colour(r), r.target)
        for r in report.results if r.definition.unit == "rate"
    ]
    out = [bar_chart("比率与目标 Rates against their targets", rates, maximum=1.0)]
    pupils = by_key.get("placement.compulsoryPupils")
    if pupils is not None:
        ladder = [
            Bar(i.label, float(i.values.get("share") or 0.0),
                f"{fmt(i.values.get('share'), 'rate')} ({fmt(i.values.get('pupils'), 'count')})")
            for i in pupils.items
        ]
        out.append(bar_chart("义务教育阶段安置结构 Placement of compulsory-stage pupils", ladder,
                             maximum=1.0))
    cases = [
        Bar(r.definition.chinese, float(r.value or 0), _figure(r), _colour(r))
        for r in report.results
        if r.definition.unit == "count" and r.definition.op == "<="
    ]
    out.append(bar_chart("待处理个案 Cases to act on", cases))
    stalled = by_key.get("transitions.stalled")
    if stalled is not None:
        pairs = [Bar(i.label, float(i.values.get("children") or 0),
                     fmt(i.values.get("children"), "count"), _BAD)
                 for i in stalled.items if i.kind == "StagePair"]
        out.append(bar_chart("中断的转衔(按学段) Stalled transitions by stage pair", pairs))
    return out


def render(report: Report) -> str:
    region = html.escape(f"{report.region_name or ''} {report.region}".strip())
    rows = []
    for result in report.results:
        d = result.definition
        status = {Status.MET: "met", Status.NOT_MET: "missed", Status.NO_DATA: "nodata",
                  Status.NO_TARGET: "none"}[result.status]
        rows.append(
            f'<tr class="{status}"><td>{html.escape(d.chinese)}<br><small>'
            f"{html.escape(d.english)}</small></td>"
            f"<td>{html.escape(fmt(result.numerator, d.numerator_unit))}</td>"
            f"<td>{html.escape(fmt(result.denominator, 'count'))}</td>"
            f"<td><b>{html.escape(fmt(result.value, d.unit))}</b></td>"
            f"<td>{html.escape(target_text(d.op, result.target, d.unit))}</td>"
            f"<td>{html.escape(status_text(result.status))}</td>"
            f"<td>{html.escape(d.source)}</td>"
            f"<td>{len(result.children)}</td></tr>"
        )
    year = report.year
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>督导指标 Supervision indicators — {region} {year.year}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 24px; }}
table {{ border-collapse: collapse; margin: 16px 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #ddebf7; }}
tr.missed td {{ background: #fce4d6; }}
tr.nodata td {{ color: #555; font-style: italic; }}
.chart {{ display: block; margin: 20px 0; }}
small {{ color: #555; }}
</style></head><body>
<h1>督导指标 Supervision indicators — {region}</h1>
<p>学年 School year {year.year}: {year.start} – {year.end}; 学籍统计日 census {year.census};
名单截至 lists as of {report.as_of}; 年龄按 8 月 31 日计 ages on 31 August.</p>
{"".join(charts(report))}
<table><thead><tr><th>指标 Indicator</th><th>分子 Numerator</th><th>分母 Denominator</th>
<th>值 Value</th><th>目标 Target</th><th>状态 Status</th><th>依据 Source</th>
<th>名单 Children</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<p><small>定义见 docs/indicators.md. Definitions: docs/indicators.md.</small></p>
</body></html>
"""


def write(report: Report, path: Path) -> Path:
    path.write_text(render(report), encoding="utf-8")
    return path

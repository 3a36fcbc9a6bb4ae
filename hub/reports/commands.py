"""``hub report``, ``hub dropout check``, ``hub transitions check``.

Registered on the ``hub`` command by :func:`register` (shell/cli.py). Console text is Chinese
with English beside it. The console user acts as the hub itself: it sees every child.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hub.graph import Graph
from hub.indicators import RulesError, compute, rule_book
from hub.reports import FORMATS, child_names, fmt, status_text

dropout_app = typer.Typer(help="控辍保学 Dropout control", no_args_is_help=True)
transitions_app = typer.Typer(help="转衔 Transitions", no_args_is_help=True)

Region = Annotated[str, typer.Option("--region", help="行政区划代码 six-digit region code")]


def _say(text: str) -> None:
    typer.secho(text, err=True)  # progress on stderr, so --format json stays clean on stdout


def _check_region(code: str) -> str:
    from hub import regions
    from hub.commandline import fail

    if not regions.is_known(code):
        raise fail(f"未知的行政区划代码 unknown region code: {code}", 2)
    return code


def report(
    region: Region,
    year: Annotated[int, typer.Option("--year", min=2000, max=2100,
                                      help="学年(起始年) school year, 2025 = 2025-09..2026-08")],
    format: Annotated[str, typer.Option("--format", help="xlsx | html | json")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件 output file")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="名单截至日 YYYY-MM-DD day the live lists are taken (默认今天或最后"
        "教学日 default: today, or the year's last teaching day once it has passed)")] = None,
) -> None:
    """督导指标报告 Indicators of a region and school year: Excel, HTML page or JSON."""
    from hub.commandline import fail, settings, with_graph
    from hub.reports import html as html_report
    from hub.reports import xlsx as xlsx_report

    if format not in FORMATS:
        raise fail(f"格式应为 format must be one of {', '.join(FORMATS)}", 2)
    code = _check_region(region)
    day = _date(as_of)
    conf = settings()
    try:
        book = rule_book(conf.indicator_rules)
    except RulesError as exc:
        raise fail(str(exc), 2) from None
    target = out or Path(f"indicators-{code}-{year}.{format}")

    async def work(graph: Graph) -> tuple[Any, dict[str, str]]:
        _say(f"正在计算指标 computing indicators for {code}, school year {year} ...")
        result = await compute(graph, code, year, as_of=day, book=book)
        _say(f"已计算 {len(result.results)} 项指标, 用时 {result.timings_ms['total']:.0f} 毫秒; "
             f"computed {len(result.results)} indicators in {result.timings_ms['total']:.0f} ms")
        names = await child_names(graph, result) if format == "xlsx" else {}
        return result, names

    result, names = with_graph(work)
    if format == "json":
        text = json.dumps(result.as_json(), ensure_ascii=False, indent=1)
        if out is None:
            typer.echo(text)
            return
        target.write_text(text, encoding="utf-8")
    elif format == "xlsx":
        _say("正在写入工作簿 writing the workbook ...")
        xlsx_report.write(result, names, target)
    else:
        _say("正在生成页面 writing the HTML page ...")
        html_report.write(result, target)
    for r in result.results:
        d = r.definition
        _say(f"  {d.chinese} {d.english}: {fmt(r.value, d.unit)} {status_text(r.status)}")
    _say(f"已写入 wrote {target}")


def _date(text: str | None) -> dt.date | None:
    from hub.commandline import fail

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail("日期格式应为 YYYY-MM-DD dates are YYYY-MM-DD", 2) from None


@dropout_app.command("check")
def dropout_check(
    term: Annotated[str, typer.Option("--term", help="学期 YYYY-MM, e.g. 2026-09")],
    region: Annotated[str | None, typer.Option("--region", help="行政区划代码 region")] = None,
    grace_days: Annotated[int, typer.Option(
        "--grace-days", min=0, max=60, help="开学后宽限天数 days after the term starts")] = 0,
) -> None:
    """开学前后学籍比对, 未返校者立控辍个案 Open dropout cases for children who did not return."""
    from hub import workflows
    from hub.commandline import fail, with_graph
    from hub.errors import HubError
    from hub.services.common import today

    code = _check_region(region) if region else None

    async def work(graph: Graph) -> workflows.DropoutCheck:
        return await workflows.check_dropout(graph, term, today=today(), region=code,
                                             grace_days=grace_days)

    _say(f"正在比对学籍 comparing school status before and after term {term} ...")
    try:
        found = with_graph(work)
    except HubError as exc:
        raise fail(exc.message, 2) from None
    typer.echo(
        f"开学前 before: {found.before[0]} – {found.before[1]}; 开学后 after: {found.after}; "
        f"新立案 {found.opened} 件 opened {found.opened} dropout cases"
    )


@transitions_app.command("check")
def transitions_check(
    region: Annotated[str | None, typer.Option("--region", help="行政区划代码 region")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="截至日 YYYY-MM-DD")] = None,
    days: Annotated[int | None, typer.Option(
        "--days", min=1, help="超过多少天未入新安置即为中断 days before a gap is a stall")] = None,
) -> None:
    """标记中断的转衔 Mark stalled transitions (placement ended, no next one within N days)."""
    from hub import workflows
    from hub.commandline import settings, with_graph
    from hub.services.common import today

    code = _check_region(region) if region else None
    rules = rule_book(settings().indicator_rules).for_region(code or "000000")
    limit = days or rules.stalled_after_days
    day = _date(as_of) or today()

    async def work(graph: Graph) -> workflows.TransitionCheck:
        return await workflows.check_transitions(graph, day, limit, code)

    _say(f"正在检查转衔 checking transitions as of {day} (limit {limit} days) ...")
    found = with_graph(work)
    typer.echo(
        f"已完成 {found.resolved}, 标记中断 {found.marked}, 新登记中断 {found.raised}; "
        f"completed {found.resolved}, marked stalled {found.marked}, "
        f"raised {found.raised} stalled transitions"
    )


def register(app: typer.Typer) -> None:
    """Adds the commands to the ``hub`` application."""
    app.command("report")(report)
    app.add_typer(dropout_app, name="dropout")
    app.add_typer(transitions_app, name="transitions")

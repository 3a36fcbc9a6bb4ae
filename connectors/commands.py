"""``hub ingest`` and ``hub export children`` 导入与导出.

Registered on the ``hub`` command by :func:`register` (shell/cli.py). Console text is Chinese with
English beside it; ``--report json`` prints only the JSON report on stdout.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated, LiteralString, TypeVar

import typer

from audit.service import audit_writable, record_command
from audit.store import AuditUnavailable
from connectors.pipeline import LoadReport, UnreadableFile, load
from connectors.sources import SOURCES
from hub.commandline import fail, with_graph
from hub.commandline import settings as cli_settings
from hub.graph import Graph
from hub.identity import IdProtector

T = TypeVar("T")

export_app = typer.Typer(help="导出 Export data from the hub", no_args_is_help=True)

_PROGRESS_FROM_ROWS = 5000  # smaller files finish before a bar is worth drawing


def ingest(
    source: Annotated[str, typer.Argument(help="来源 " + " | ".join(SOURCES))],
    file: Annotated[Path, typer.Argument(help="导出文件 .csv 或 .xlsx the export file")],
    report: Annotated[
        str, typer.Option("--report", help="报告格式 report format: text | json")
    ] = "text",
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=100, max=20000, hidden=True)
    ] = 2000,
    as_of: Annotated[
        str | None, typer.Option(
            "--as-of", metavar="YYYY-MM-DD",
            help="快照日期（edu-status 必填）the day a snapshot describes (edu-status: required)")
    ] = None,
    partial: Annotated[
        bool, typer.Option(
            "--partial",
            help="快照不是所列学校的完整名册：不判断离册 the snapshot is not the whole roll of "
                 "the schools it lists: nobody is taken as having left the roll")
    ] = False,
) -> None:
    """导入部门导出文件 Load a department export file (FORMATS.md)."""
    if source not in SOURCES:
        raise fail(f"未知来源 unknown source {source!r}; 可用 known: {', '.join(SOURCES)}", 2)
    if report not in ("text", "json"):
        raise fail("--report 只能是 text 或 json must be text or json", 2)
    day = _snapshot_day(source, as_of)
    settings = cli_settings()
    protector = IdProtector(settings)
    show_bar = report == "text" and sys.stdout.isatty() and _large(file)

    async def work(graph: Graph) -> LoadReport:
        if not show_bar:
            return await load(graph, SOURCES[source], file, protector, batch_size=batch_size,
                              as_of=day, complete=not partial)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn()) as bar:
            task = bar.add_task("导入中 loading", total=_count_rows(file))
            return await load(graph, SOURCES[source], file, protector, batch_size=batch_size,
                              progress=lambda done: bar.update(task, completed=done),
                              as_of=day, complete=not partial)

    async def audited(graph: Graph) -> LoadReport:
        # On the audit record (hub audit): checked writable first, so a load never runs unlogged.
        started = time.perf_counter()
        await audit_writable(graph, settings)
        try:
            loaded = await work(graph)
        except UnreadableFile:
            await record_command(graph, settings, "ingest", outcome="error", started=started,
                                 detail={"command": "ingest", "source": source})
            raise
        await record_command(graph, settings, "ingest", started=started, detail={
            "command": "ingest", "source": source, "sha256": _digest(file),
            "rows": loaded.rows, "loaded": loaded.loaded, "rejected": loaded.rejected,
            "newChildren": loaded.new_children, "linkedChildren": loaded.linked_children})
        return loaded

    try:
        result = with_graph(audited, settings)
    except UnreadableFile as exc:
        raise fail(str(exc), 3) from None
    except AuditUnavailable as exc:
        raise fail(f"审计日志不可用 the audit log is unavailable: {exc}") from None
    if report == "json":
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        _print_summary(result)


def _snapshot_day(source: str, as_of: str | None) -> date | None:
    """The snapshot day: required for a snapshot source, refused for the others."""
    if not SOURCES[source].snapshot:
        if as_of is not None:
            raise fail(f"--as-of 只用于快照来源 is only for snapshot sources (edu-status), "
                       f"not {source}", 2)
        return None
    if as_of is None:
        raise fail(
            f"{source} 是某一天的学籍快照，请用 --as-of YYYY-MM-DD 给出快照日期"
            f"（不默认今天：晚导入的旧快照会被当成今天的名册）{source} is a snapshot of one "
            "day: give that day with --as-of YYYY-MM-DD (no default: an old export loaded "
            "late would pass for today's roll)", 2)
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise fail("--as-of 应写作 YYYY-MM-DD must be written YYYY-MM-DD", 2) from None
    if day > date.today():
        raise fail("--as-of 不能是将来的日期 cannot be a day in the future", 2)
    return day


def _digest(file: Path) -> str | None:
    """The file's sha256 for the audit record (its name may carry personal data)."""
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None


def _large(file: Path) -> bool:
    try:
        return file.stat().st_size > _PROGRESS_FROM_ROWS * 100
    except OSError:
        return False


def _count_rows(file: Path) -> int | None:
    """Lines in a CSV (an upper bound on rows, good enough for a bar); None for xlsx."""
    if file.suffix.lower() != ".csv":
        return None
    with file.open("rb") as stream:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b""))
                   - 1)


def _print_summary(report: LoadReport) -> None:
    lines = [
        f"来源 source: {report.source}    文件 file: {report.file}",
        f"读取行数 rows read: {report.rows}",
        f"已导入 loaded: {report.loaded} (其中未变化 unchanged: {report.unchanged})",
        f"已拒绝 rejected: {report.rejected}",
        f"新建儿童 new children: {report.new_children}",
        f"关联到已有儿童 linked to existing children: {report.linked_children}",
        f"新增疑似重复待核 new duplicate review items: {report.review_items}",
    ]
    if report.as_of is not None:
        lines.append(f"快照日期 snapshot day: {report.as_of.isoformat()}    "
                     f"离册 left the roll: {report.left_roll or 0}")
    if report.extra_columns:
        lines.append(f"忽略的列 ignored columns: {'、'.join(report.extra_columns)}")
    for reject in report.rejects[:50]:
        column = reject.column or "-"
        lines.append(f"  第 {reject.row} 行 row {reject.row} [{column}]: {reject.reason}")
    if len(report.rejects) > 50:
        lines.append(f"  …另有 {len(report.rejects) - 50} 行 and {len(report.rejects) - 50} more "
                     "(--report json 查看全部 for all)")
    if report.warnings:
        lines.append(f"提醒 warnings: {len(report.warnings)}")
    for warning in report.warnings[:50]:
        lines.append(f"  第 {warning.row} 行 row {warning.row} [{warning.column or '-'}]: "
                     f"{warning.reason}")
    typer.echo("\n".join(lines))


_EXPORT: LiteralString = """
MATCH (c:Child)
WHERE $after IS NULL OR c.id > $after
WITH c ORDER BY c.id LIMIT $limit
OPTIONAL MATCH (c)-[:HAS_FACT]->(f:Fact)
WITH c, f ORDER BY f.source, f.sourceKey
RETURN c.id AS id,
       [x IN collect(DISTINCT CASE WHEN f IS NULL THEN NULL
                     ELSE {source: f.source, key: f.sourceKey} END) WHERE x IS NOT NULL] AS sources
ORDER BY id
"""


async def export_children_lines(graph: Graph, page: int = 5000) -> list[str]:
    """Every child as a JSON line ``{"id", "sources": [{"source", "key"}]}``, in id order."""
    lines: list[str] = []
    after: str | None = None
    while True:
        rows = await graph.run(_EXPORT, {"after": after, "limit": page})
        for row in rows:
            lines.append(json.dumps({"id": row["id"], "sources": row["sources"]},
                                    ensure_ascii=False))
        if len(rows) < page:
            return lines
        after = rows[-1]["id"]


@export_app.command("children")
def export_children(
    out: Annotated[
        Path | None, typer.Option("--out", help="输出文件 write to FILE, not stdout")
    ] = None,
) -> None:
    """导出儿童及其来源记录 Children and their source records, as JSON Lines."""
    settings = cli_settings()

    async def audited(graph: Graph) -> list[str]:
        started = time.perf_counter()
        lines = await export_children_lines(graph)
        # A disclosure: on the audit record before a line is written out.
        await record_command(graph, settings, "export", started=started,
                             children=[json.loads(line)["id"] for line in lines],
                             detail={"command": "export-children"})
        return lines

    try:
        lines = with_graph(audited, settings)
    except AuditUnavailable as exc:
        raise fail(f"审计日志不可用,未导出 the audit log is unavailable, nothing exported: "
                    f"{exc}") from None
    text = "".join(f"{line}\n" for line in lines)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已导出 exported {len(lines)} 名儿童 children → {out}", err=True)


def register(app: typer.Typer) -> None:
    """Adds the commands to the ``hub`` application."""
    app.command("ingest")(ingest)
    app.add_typer(export_app, name="export")

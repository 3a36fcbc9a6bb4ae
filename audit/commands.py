"""``hub audit``: verify, export, checkpoint, archive 审计日志命令.

Registered on the ``hub`` command by :func:`register` (shell/cli.py). Console text is Chinese
with English beside it. ``verify`` exits 1 when the log (or an archive) does not verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from audit import archive as arch
from audit import signing
from audit.reports import utc_text
from audit.service import record_command
from audit.store import AuditLog, AuditUnavailable
from hub.graph import Graph
from hub.settings import Settings

audit_app = typer.Typer(help="审计日志 The access audit log", no_args_is_help=True)


def _settings() -> Settings:
    from hub.commandline import settings

    return settings()


def _fail(message: str, code: int = 1) -> typer.Exit:
    from hub.commandline import fail

    return fail(message, code)


def _run(work: Any) -> Any:
    from hub.commandline import with_graph

    try:
        return with_graph(work)
    except (arch.ArchiveError, AuditUnavailable, signing.SigningKeyError) as exc:
        raise _fail(str(exc)) from None


def _moment(text: str | None, settings: Settings) -> dt.datetime | None:
    """A date or an ISO instant; without a zone it is read in HUB_AUDIT_TIMEZONE."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"时间无效 not a date or ISO time: {text}", 2) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.audit_timezone))
    return moment


def _public_key(settings: Settings, given: Path | None) -> Any:
    try:
        if given is not None:
            return signing.load_public_key(given)
        return signing.load_or_create(settings.audit_signing_key_file).public_key()
    except signing.SigningKeyError as exc:
        raise _fail(str(exc)) from None


@audit_app.command("verify")
def verify(
    archive: Annotated[Path | None, typer.Option(
        "--archive", help="校验导出文件(无需数据库) verify an export file, offline")] = None,
    public_key: Annotated[Path | None, typer.Option(
        "--public-key", help="指定公钥 pin the public key (PEM)")] = None,
) -> None:
    """校验审计日志 Verify the hash chain and signed checkpoints; exit 1 on any problem."""
    if archive is not None:
        pinned = signing.load_public_key(public_key) if public_key else None
        try:
            lines = archive.read_text(encoding="utf-8").splitlines()
            report, was_pinned = arch.verify_archive(lines, pinned)
        except (OSError, arch.ArchiveError, ValueError) as exc:
            raise _fail(f"无法校验 cannot verify {archive}: {exc}") from None
        if not was_pinned:
            typer.echo("注意 note: 使用文件自带的公钥 using the key the file carries; "
                       "用 --public-key 固定 pin it with --public-key", err=True)
    else:
        settings = _settings()
        public = _public_key(settings, public_key)
        report = _run(lambda graph: arch.verify_online(graph, public))
    typer.echo(f"事件 events: {report.events} (seq {report.first_seq}–{report.last_seq}), "
               f"检查点 checkpoints: {report.checkpoints}")
    if report.problem is not None:
        raise _fail(f"校验失败 verification failed: {report.problem}")
    typer.echo("校验通过 verified: 链完整、签名有效 chain intact, checkpoints signed")


@audit_app.command("checkpoint")
def checkpoint() -> None:
    """立即签署检查点 Sign a checkpoint of the log as it stands now."""
    settings = _settings()

    async def work(graph: Graph) -> dict[str, Any] | None:
        return await AuditLog(graph, settings).checkpoint("manual")

    cp = _run(work)
    if cp is None:
        typer.echo("无新事件 nothing new since the last checkpoint")
    else:
        typer.echo(f"已签署 signed checkpoint: size {cp['size']}, root {cp['root']}")


@audit_app.command("export")
def export(
    from_: Annotated[str | None, typer.Option("--from", help="起 from (date or ISO time)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="止(不含) to, exclusive")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="输出文件 write to FILE")] = None,
    format: Annotated[str, typer.Option("--format", help="jsonl | csv")] = "jsonl",
) -> None:
    """导出审计日志 Export events (JSON Lines with signed checkpoints, or CSV)."""
    if format not in ("jsonl", "csv"):
        raise _fail("--format 只能是 jsonl 或 csv must be jsonl or csv", 2)
    settings = _settings()
    since, until = _moment(from_, settings), _moment(to, settings)

    async def work(graph: Graph) -> tuple[str, int]:
        started = time.perf_counter()
        log = AuditLog(graph, settings)
        found = await arch.seq_range(
            graph, utc_text(since, settings.audit_timezone) if since else None,
            utc_text(until, settings.audit_timezone) if until else None)
        if found is None:
            raise arch.ArchiveError("该时间段无事件 no events in that range")
        first, last = found
        lines, _ = await arch.export(log, first, last)
        events = [item for item in map(json.loads, lines) if item["type"] == "event"]
        text = (arch.csv_text(events) if format == "csv"
                else "".join(f"{line}\n" for line in lines))
        # The export of the log is itself an access: on the record before the file exists.
        await record_command(graph, settings, "audit", started=started, detail={
            "command": "audit-export", "from": first, "to": last, "format": format,
            "sha256": hashlib.sha256(text.encode()).hexdigest()})
        return text, len(events)

    text, count = _run(work)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已导出 exported {count} 条事件 events → {out}", err=True)


@audit_app.command("archive")
def archive_(
    out: Annotated[Path, typer.Option("--out", help="归档文件 the archive file")],
    before: Annotated[str | None, typer.Option(
        "--before", help="早于此日期 events before this date (default: the retention period)")
    ] = None,
) -> None:
    """归档旧事件 Export events older than the retention period, verify, then remove them."""
    settings = _settings()
    cutoff = _moment(before, settings) or (
        dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.audit_retention_days))
    assert cutoff is not None
    if out.exists():
        raise _fail(f"{out} 已存在 already exists: choose a new file", 2)

    async def work(graph: Graph) -> tuple[int, int] | None:
        started = time.perf_counter()
        moved = await arch.archive(AuditLog(graph, settings), cutoff, out)
        if moved is not None:
            await record_command(graph, settings, "audit", started=started, detail={
                "command": "audit-archive", "from": moved[0], "to": moved[1],
                "sha256": arch.file_digest(out)})
        return moved

    moved = _run(work)
    if moved is None:
        typer.echo("无需归档 nothing older than the cut-off")
    else:
        typer.echo(f"已归档 archived events {moved[0]}–{moved[1]} → {out} (已校验 verified)")


@audit_app.command("public-key")
def public_key_(
    out: Annotated[Path | None, typer.Option("--out", help="输出文件 write to FILE")] = None,
) -> None:
    """导出公钥 Print the checkpoint public key (PEM), to pin when verifying archives."""
    pem = signing.public_pem(_public_key(_settings(), None))
    if out is None:
        sys.stdout.write(pem)
    else:
        out.write_text(pem, encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")

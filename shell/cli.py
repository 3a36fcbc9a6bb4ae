"""The ``hub`` command. 中文在前, English beside it: staff and engineers both read this console."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import typer

from hub import envfile, localdb, migrate
from hub.commandline import fail, settings, with_graph
from hub.settings import Settings

app = typer.Typer(help="特殊教育数据枢纽 Special-education data hub", no_args_is_help=True)
db_app = typer.Typer(help="本地数据库 The local Neo4j database", no_args_is_help=True)
app.add_typer(db_app, name="db")
secrets_app = typer.Typer(help="生产密钥 Production secrets (.env)", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")


@secrets_app.command("init")
def secrets_init(
    path: Path = typer.Option(envfile.DEFAULT_FILE, "--file",  # noqa: B008
                              help="写到 where to write (beside "
                              "docker-compose.yml)"),
    issuer: str = typer.Option(..., "--issuer",
                               help="枢纽的公开 https 地址 the hub's public https URL "
                               "(HUB_ISSUER; production refuses plain http and loopback)"),
    force: bool = typer.Option(False, "--force", help="覆盖已有文件 replace an existing file"),
) -> None:
    """生成生产密钥 Write .env with fresh random secrets for production (mode 0600)."""
    try:
        envfile.write(path, envfile.fresh_values(issuer), force=force)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    except envfile.EnvFileExists:
        raise fail(f"{path} 已存在 exists: its secrets protect existing data; "
                   "--force replaces them", 2) from None
    typer.echo(f"已写入 written: {path} (0600; {', '.join(envfile.SECRETS)}, HUB_ISSUER)")


@db_app.command("start")
def db_start() -> None:
    """启动本地数据库 Start the local Neo4j (builds its launcher on first use)."""
    conf = settings()
    was_running = localdb.status(conf).running
    if not was_running:
        typer.echo("正在启动 Neo4j starting Neo4j ...")
    try:
        status = localdb.start(conf)
    except localdb.LocalDbError as exc:
        raise fail(str(exc)) from None
    state = "已在运行 already running" if was_running else "已启动 started"
    typer.echo(f"Neo4j {state}: {status.uri} (pid {status.pid}, data {status.home})")


@db_app.command("stop")
def db_stop() -> None:
    """停止本地数据库 Stop the local Neo4j."""
    stopped = localdb.stop(settings())
    typer.echo("Neo4j 已停止 stopped" if stopped else "Neo4j 未在运行 was not running")


@db_app.command("status")
def db_status() -> None:
    """数据库状态 Whether the local Neo4j runs (exit 0) or not (exit 3)."""
    status = localdb.status(settings())
    if status.running:
        typer.echo(f"运行中 running: {status.uri} (pid {status.pid}, data {status.home})")
    else:
        typer.echo(f"未运行 stopped (data {status.home})")
        raise typer.Exit(3)


@db_app.command("migrate")
def db_migrate() -> None:
    """应用数据库迁移 Apply schema migrations (constraints and indexes)."""
    applied = with_graph(migrate.migrate)
    for migration in applied:
        typer.echo(f"已应用 applied {migration.version:04d}_{migration.name}")
    version = with_graph(migrate.applied_version)
    typer.echo(f"数据库结构版本 schema version: {version}")


@db_app.command("reset")
def db_reset(
    yes: bool = typer.Option(False, "--yes", help="确认清空 confirm emptying the graph"),
) -> None:
    """清空图数据(保留迁移) Empty the graph, keeping migrations."""
    if not yes:
        raise fail("这会删除全部数据 this deletes every node: add --yes to confirm", 2)
    deleted = with_graph(lambda graph: graph.empty())
    typer.echo(f"已清空 emptied: {deleted} nodes deleted, migrations kept")


@app.command("serve")
def serve(
    workers: int | None = typer.Option(
        None, "--workers", min=0,
        help="进程数 server processes on the socket (default HUB_WORKERS; 0: one per core)"),
) -> None:
    """启动服务 Serve the hub (GraphQL at /graphql)."""
    from shell import serving

    conf = settings()
    count = serving.worker_count(workers, conf)
    typer.echo(f"服务地址 serving on http://{conf.host}:{conf.port}/graphql "
               f"({count} 进程 processes)")
    serving.run(conf, count, proxy_options(conf))


def proxy_options(conf: Settings) -> dict[str, Any]:
    """uvicorn's proxy-header options: without HUB_FORWARDED_ALLOW_IPS no header is believed.
    Explicit, because uvicorn given None would fall back to $FORWARDED_ALLOW_IPS or 127.0.0.1
    (any local process could then name another address to the audit and the sign-in limits)."""
    trusted = conf.forwarded_allow_ips.strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or ""}


# hub ingest / export children (connectors/commands.py)
from connectors.commands import register as _register_ingest  # noqa: E402 - after app exists

_register_ingest(app)


# hub clients / keys / policy (auth/commands.py); a client's trusted documents are checked
# against the schema (schema/trusted.py), which auth sits below
from auth.commands import register as _register_auth  # noqa: E402 - after app exists
from schema.trusted import reader as _document_reader  # noqa: E402

_register_auth(app, _document_reader)


# hub audit (audit/commands.py)
from audit.commands import register as _register_audit  # noqa: E402 - after app exists

_register_audit(app)


# hub report / dropout check / transitions check (hub/reports/commands.py)
from hub.reports.commands import register as _register_reports  # noqa: E402 - after app exists

_register_reports(app)


# hub webhooks (notify/commands.py)
from notify.commands import register as _register_webhooks  # noqa: E402 - after app exists

_register_webhooks(app)


# hub schema export / breaking (schema/commands.py): the published contract
from schema.commands import register as _register_schema  # noqa: E402 - after app exists

_register_schema(app)


# hub bench …, hub demo-data: the tools beside the product (devtools/), named as plugins in
# pyproject.toml's "hub.commands" group. devtools drives the app (its benchmarks serve it), so
# the shell finds them by name rather than importing them: no circle between the two.
for _tool in entry_points(group="hub.commands"):
    _tool.load()(app)


def main() -> None:
    app()

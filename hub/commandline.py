"""What every ``hub`` command shares: one-line errors, the settings, a connected graph.

Kept apart from ``shell/cli.py`` (which imports every command group) so that command modules can
import it at the top without an import cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from neo4j.exceptions import DriverError

from hub.graph import Graph
from hub.settings import Settings, SettingsError, load_settings

T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    # One line, always: the driver's messages span several, and scripts read the last line.
    typer.secho(f"错误 error: {' '.join(message.split())}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise fail(f"配置无效 bad settings: {exc}", 2) from None


def with_graph(work: Callable[[Graph], Awaitable[T]], conf: Settings | None = None) -> T:
    """Runs ``work`` with a connected graph, closing it after.

    An operator's command reads without the API's read timeout (``hub/graph.py``): verifying or
    archiving the audit log reads it whole, and ingest must not stop half-way through a file.
    """
    graph = Graph.connect(conf or settings(), bounded_reads=False)

    async def run() -> T:
        try:
            return await work(graph)
        finally:
            await graph.close()

    try:
        return asyncio.run(run())
    except (OSError, DriverError) as exc:  # DriverError: ServiceUnavailable, SessionExpired …
        raise fail(f"数据库不可达 database unreachable: {exc}") from None

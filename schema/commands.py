"""``hub schema export`` and ``hub schema breaking`` (schema/contract.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.commandline import fail, settings
from schema import contract


def register(app: typer.Typer) -> None:
    schema_app = typer.Typer(help="接口契约 The published GraphQL contract (SDL)",
                             no_args_is_help=True)
    app.add_typer(schema_app, name="schema")

    @schema_app.command("export")
    def export(
        out: Annotated[Path, typer.Option("--out", help="写到 where to write the SDL")] = (
            contract.SDL_FILE),
    ) -> None:
        """导出 SDL Write the schema's SDL (default: schema/schema.graphql, committed)."""
        written = contract.export(settings(), out)
        typer.echo(f"已写出 written: {written}")

    @schema_app.command("breaking")
    def breaking(
        against: Annotated[Path | None, typer.Option(
            "--against", help="旧版 SDL the SDL clients built against (default: the last "
                              "release in schema/releases/)")] = None,
        schema_file: Annotated[Path | None, typer.Option(
            "--schema", help="新版 SDL the new SDL (default: the code's)")] = None,
    ) -> None:
        """破坏性变更 Report changes that break clients of the old SDL; exit 1 if any."""
        old = against or contract.last_release()
        if old is None:
            raise fail("没有已发布的 SDL no release SDL in schema/releases/; give --against", 2)
        if not old.exists():
            raise fail(f"找不到 not found: {old}", 2)
        new_sdl = (schema_file.read_text(encoding="utf-8") if schema_file
                   else contract.current_sdl(settings()))
        found = contract.changes(old.read_text(encoding="utf-8"), new_sdl)
        for line in found.lines():
            typer.echo(line)
        if found.breaking:
            raise fail(f"{len(found.breaking)} 处破坏性变更 breaking change(s) against {old}: "
                       "a client built on it would fail; publish a new release on purpose", 1)
        typer.echo(f"无破坏性变更 no breaking change against {old}")

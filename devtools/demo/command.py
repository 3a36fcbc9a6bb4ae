"""``hub demo-data`` 演示数据: the synthetic city (长治市), written as the departments' files and
loaded through the connectors, the rest through the recording services. Registered on the
``hub`` command by the shell (shell/cli.py), beside the benchmarks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from devtools.demo.load import Loaded, has_children, load_demo
from hub.commandline import fail, settings, with_graph
from hub.graph import Graph

DEMO_FOLDER = Path("var/demo")  # where `hub demo-data` writes the departments' files


def demo_data(
    children: Annotated[int, typer.Option(
        "--children", min=0, help="儿童人数 number of children")] = 400,
    seed: Annotated[int, typer.Option(
        "--seed", help="随机种子 seed: the same seed, the same city")] = 1,
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="已有儿童时跳过 do nothing when any child exists")] = False,
    via_files: Annotated[Path, typer.Option(
        "--via-files", help="部门导出文件写到此目录 the folder the departments' files are "
                            "written to, and loaded from")] = DEMO_FOLDER,
) -> None:
    """生成演示数据 Load a deterministic synthetic city (长治市) for demos and benchmarks.

    The city's department files (the seven sources, one school-status snapshot per school
    year) are written under --via-files and loaded through the connectors, as ``hub ingest``
    does; what no file carries is recorded through the recording services. Prints each file's
    rows and the seconds each source took.
    """
    conf = settings()
    if conf.env == "prod":
        raise fail("演示数据不能写入生产环境 demo data is refused in production", 2)

    async def work(graph: Graph) -> tuple[int, Loaded, float] | None:
        if if_empty and await has_children(graph):
            return None
        started = time.perf_counter()
        typer.echo(f"正在生成 generating {children:,} children (seed {seed}); 部门文件 "
                   f"department files in {via_files}/ ...")
        _, loaded = await load_demo(graph, conf, children, seed, via_files, typer.echo)
        rows = await graph.run("MATCH (c:Child) RETURN count(c) AS n")
        return int(rows[0]["n"]), loaded, time.perf_counter() - started

    result = with_graph(work)
    if result is None:
        typer.echo("已有儿童数据，跳过 children already present: nothing written (--if-empty)")
        return
    in_hub, loaded, seconds = result
    facts = sum(r.loaded for r in loaded.reports if r.source != "schools")
    typer.echo("用时 seconds per source: " + ", ".join(
        f"{what} {value:.1f}" for what, value in loaded.seconds.items()))
    typer.echo(
        f"已载入 {in_hub:,} 名儿童、{facts:,} 行部门数据、{sum(loaded.records.values()):,} 次接口"
        f"记录，用时 {seconds:.1f} 秒; loaded {in_hub:,} children, {facts:,} department rows "
        f"and {sum(loaded.records.values()):,} recorded calls in {seconds:.1f} s"
    )


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)

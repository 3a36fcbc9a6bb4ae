"""``hub bench api|peer|ingest|indicators|audit|load|scale|grow`` 基准测试: commands that write
test data, refused in production. Registered on the ``hub`` command by the shell (shell/cli.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from hub import regions
from hub.commandline import fail, settings, with_graph
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings

bench_app = typer.Typer(help="基准测试 Benchmarks", no_args_is_help=True)
AsJson = Annotated[bool, typer.Option("--json", help="输出 JSON print one JSON object")]


def _writable() -> Settings:
    conf = settings()
    if conf.env == "prod":
        raise fail("基准测试会写入数据,生产环境禁止 the benchmark writes data: not in prod", 2)
    return conf


def _say(text: str) -> None:
    typer.secho(text, err=True)  # progress on stderr, so --json stays clean on stdout


@bench_app.command("api")
def bench_api(
    children: Annotated[int, typer.Option(
        help="儿童数 children in the data set (loaded if empty)")] = 2000,
    requests: Annotated[int, typer.Option(help="每项请求数 requests per measured query")] = 200,
    concurrency: Annotated[int, typer.Option(
        help="吞吐量测试并发数 concurrency for requests/s")] = 8,
    as_json: AsJson = False,
) -> None:
    """接口基准 GraphQL latency against raw Cypher and a naive resolver-per-field version."""
    from devtools import bench_api

    result = asyncio.run(bench_api.run(_writable(), children, requests, concurrency))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for name in ("timeline", "children_page"):
        typer.echo(f"{name}: {json.dumps(result[name], ensure_ascii=False)}")


@bench_app.command("peer")
def bench_peer(
    children: Annotated[int, typer.Option(
        "--children", min=1, help="图为空时生成的儿童数 children to generate")] = 10000,
    requests: Annotated[int, typer.Option(
        "--requests", min=1,
        help="每项每个并发数的请求数 requests per query and concurrency")] = 200,
    as_json: AsJson = False,
) -> None:
    """同类对照 The hub against the Neo4j GraphQL Library on the same graph (bench/peer)."""
    from devtools import bench_peer as bench

    conf = _writable()
    try:
        result = asyncio.run(bench.run(conf, children, requests, say=_say))
    except bench.PeerBenchError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for line in bench.describe(result):
        typer.echo(line)


@bench_app.command("ingest")
def bench_ingest(
    rows: Annotated[int, typer.Option("--rows", min=100, help="edu-status 行数 rows")] = 100_000,
    as_json: AsJson = False,
    reset: Annotated[bool, typer.Option("--reset", help="先清空图 empty the graph first")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=100, max=20000)] = 2000,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="只导入这些来源（edu-status 总会导入）load only these sources")] = None,
    profile: Annotated[bool, typer.Option(
        "--profile", help="分阶段测量时 PROFILE 每条写语句 db hits per write statement")] = False,
    warm_up: Annotated[int, typer.Option(
        "--warm-up", min=0,
        help="计时前先写入并丢弃的行数（预热 JVM）rows written and thrown away before timing")
    ] = 6000,
) -> None:
    """导入基准 Generate exports of each source and time their load end to end."""
    from devtools import bench_ingest as bench
    from hub import localdb

    conf = _writable()
    status = localdb.status(conf)  # a local database: its JVM's CPU is read from /proc
    try:
        result = with_graph(lambda graph: bench.run(
            graph, IdProtector(conf), rows, reset=reset, batch_size=batch_size,
            jvm_pid=status.pid if status.running else None, sources=tuple(source or ()),
            profile=profile, warm_up=warm_up), conf)
    except bench.NotEmpty as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        for line in bench.describe(result):
            typer.echo(line)


@bench_app.command("indicators")
def bench_indicators(
    children: Annotated[int, typer.Option(
        "--children", min=1, help="图为空时生成的儿童数 children to generate")] = 20000,
    region: Annotated[str, typer.Option("--region", help="区划 region")] = "140000",
    year: Annotated[int, typer.Option("--year", help="学年 school year")] = 2026,
    repeat: Annotated[int, typer.Option("--repeat", min=1, max=50)] = 5,
    as_json: AsJson = False,
) -> None:
    """指标基准 Time all indicators; loads the demo city first if the graph has no child."""
    from devtools import bench_indicators as bench

    conf = _writable()
    if not regions.is_known(region):
        raise fail(f"未知的行政区划代码 unknown region code: {region}", 2)
    result = with_graph(lambda graph: bench.run(graph, conf, region, year, children, repeat,
                                                _say))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{result['children']:,} 名儿童 children, {result['facts']:,} facts")
    typer.echo(f"冷启动 cold: {result['coldMs']:.0f} ms; 预热后 warm median "
               f"{result['warmMs']['median']:.0f} ms (min {result['warmMs']['min']:.0f})")
    typer.echo(f"仅数值 figures only: warm median {result['figuresOnlyWarmMs']['median']:.0f} ms")
    for family, ms in result["familyMsAlone"].items():
        typer.echo(f"  {family}: {ms:.0f} ms")
    for name, figures in result["consolePage"].items():
        typer.echo(f"  控制台 console {name}: {figures['medianMs']:.0f} ms, {figures['bytes']:,} "
                   f"bytes, {figures['childrenNamed']:,} children named")


@bench_app.command("audit")
def bench_audit(
    requests: Annotated[int, typer.Option("--requests", min=10, help="每种各多少次 each")] = 400,
    as_json: AsJson = False,
) -> None:
    """审计开销 p50 of a child query over HTTP, audit on vs off (writes a test child)."""
    from devtools.bench_audit import measure

    result = asyncio.run(measure(_writable(), requests))
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"p50 审计开 audit on {result['p50_ms']['on']} ms, 审计关 off "
               f"{result['p50_ms']['off']} ms, 比值 ratio {result['ratio_p50']}")
    typer.echo(f"p95 on {result['p95_ms']['on']} ms, off {result['p95_ms']['off']} ms; "
               f"{result['concurrent']['clients']} 并发 concurrent → "
               f"{result['concurrent']['events_written']} 事件 events")


@bench_app.command("load")
def bench_load(
    clients: Annotated[int, typer.Option(
        "--clients", min=1, max=200, help="并发客户端数 virtual department systems")] = 50,
    minutes: Annotated[float, typer.Option(
        "--minutes", min=0.5, max=60, help="运行时长(分钟) how long")] = 10,
    processes: Annotated[int, typer.Option(
        "--processes", min=1, max=8, help="枢纽进程数 hub processes (loopback)")] = 3,
    children: Annotated[int, typer.Option(
        "--children", min=10, help="图为空时生成的儿童数 children if the graph is empty")] = 2000,
    faults: Annotated[bool, typer.Option(
        "--faults/--no-faults", help="注入故障 kill Neo4j, a hub, fill a journal, slow Neo4j")
    ] = True,
    as_json: AsJson = False,
) -> None:
    """负载与故障 Department workloads over several hub processes while faults are injected;
    then: every answer's audit event in the verified chain, every acknowledged write kept."""
    from devtools import bench_load as bench

    conf = _writable()
    try:
        result = asyncio.run(bench.run(conf, clients_count=clients, seconds=minutes * 60,
                                       processes=processes, children=children, faults=faults,
                                       say=_say))
    except bench.LoadError as exc:
        raise fail(f"负载测试无法运行 the load test cannot run: {exc}", 1) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        for key in ("requests", "answered", "requestsPerSecond", "answersByCode",
                    "latencyMsOk", "faults", "invariant"):
            typer.echo(f"{key}: {json.dumps(result[key], ensure_ascii=False)}")
    if bench.broken(result):
        raise typer.Exit(1)


@bench_app.command("scale")
def bench_scale(
    requests: Annotated[int, typer.Option("--requests", min=20, help="每项请求数 per query")] = 300,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", min=1, help="吞吐量测试并发数 concurrency for requests/s")] = 8,
    year: Annotated[int, typer.Option("--year", help="学年 school year")] = 2026,
    as_json: AsJson = False,
) -> None:
    """规模曲线 Timeline, page, indicators and memory at the graph's present size."""
    from devtools import bench_scale as bench

    try:
        result = asyncio.run(bench.run(_writable(), requests, concurrency, year, _say))
    except RuntimeError as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{result['children']:,} 名儿童 children, {result['facts']:,} facts")
    for key in ("timeline", "children_page", "indicators", "memory"):
        typer.echo(f"{key}: {json.dumps(result[key], ensure_ascii=False)}")


@bench_app.command("grow")
def bench_grow(
    copies: Annotated[int, typer.Option(
        "--copies", min=1, max=20, help="每名儿童复制几份 copies of every child")] = 2,
) -> None:
    """扩充规模 Copy every child with its whole record (new ids, same regions), for the scale
    curve beyond what the demo city loads in a session (devtools/grow.py)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from devtools import grow

    async def work(graph: Graph) -> dict[str, int]:
        originals = await grow.originals(graph)
        if originals["copies"]:
            raise fail(f"图中已有 {originals['copies']:,} 个副本 the graph already holds copies: "
                       "grow a graph once", 2)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True)) as bar:
            task = bar.add_task("复制中 copying", total=originals["children"])
            return await grow.grow(graph, copies,
                                   progress=lambda done: bar.advance(task, done))

    _writable()
    written = with_graph(work)
    typer.echo(f"已复制 copied: {written['children']:,} 名儿童 children, "
               f"{written['facts']:,} facts")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")

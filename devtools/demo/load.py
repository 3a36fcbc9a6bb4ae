"""Loading the demo city 载入演示城市: its files through the connectors, the rest through the API.

The order is the departments': reference data first (regions, departments, each county's expert
committee: ``hub.reference``), then the school register, the school-status snapshots oldest
first (each loaded ``--as-of`` its day, as ``hub ingest`` does, with the transitions recorded
between them: ``records``), then the other departments' files, then what is recorded through
the recording services. Children exist only because the connectors' identity linkage made them
from rows. Each step reports its rows (loaded, rejected, warnings) and seconds, so the load time
of a big city can be read source by source.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from connectors.pipeline import LoadReport, load
from connectors.sources import SOURCES
from devtools.demo.city import City, county_codes, generate
from devtools.demo.exports import export_files, write_files
from devtools.demo.records import Recorder
from hub.graph import Graph
from hub.identity import IdProtector
from hub.reference import ensure_committees, ensure_departments, ensure_regions
from hub.settings import Settings

Say = Callable[[str], None]


@dataclass
class Loaded:
    """What loading a city did: the connectors' reports and the recording services' calls."""

    reports: list[LoadReport] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # calls per service
    seconds: dict[str, float] = field(default_factory=dict)  # per source, and "api", "files"

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def add(self, what: str, seconds: float) -> None:
        self.seconds[what] = self.seconds.get(what, 0.0) + seconds


def describe(report: LoadReport) -> str:
    """One progress line per file, Chinese first and English beside it."""
    left = f", {report.left_roll} 离册 left the roll" if report.as_of is not None else ""
    return (f"{report.source:17} {report.file:30} {report.rows:>7} 行 rows, "
            f"{report.loaded} 已导入 loaded, {report.rejected} 拒绝 rejected, "
            f"{len(report.warnings)} 警告 warnings{left}, {report.seconds:.1f} 秒 s")


async def load_city(graph: Graph, city: City, settings: Settings, folder: Path,
                    say: Say | None = None) -> Loaded:
    """Writes the city's department files under ``folder`` and loads everything."""
    out = Loaded()
    started = time.perf_counter()
    await ensure_regions(graph)
    await ensure_departments(graph, city.region_codes)
    await ensure_committees(graph, county_codes())
    out.add("reference", time.perf_counter() - started)
    started = time.perf_counter()
    files = export_files(city)
    paths = write_files(folder, files)
    out.add("files", time.perf_counter() - started)
    protector = IdProtector(settings)
    recorder = Recorder(graph, city, protector)
    for export, path in zip(files, paths, strict=True):
        report = await load(graph, SOURCES[export.source], path, protector, as_of=export.as_of)
        out.reports.append(report)
        out.add(export.source, report.seconds)
        if say:
            say(describe(report))
        if export.as_of is not None:
            await recorder.after_snapshot(export.as_of.year)
    await recorder.welfare_placements()
    await recorder.rest()
    out.records = dict(sorted(recorder.counts.items()))
    out.add("api", recorder.seconds)
    if say:
        calls = ", ".join(f"{name} {n}" for name, n in out.records.items())
        say(f"{'api':17} {'recording services 记录服务':30} {sum(out.records.values()):>7} "
            f"次 calls ({calls}), {recorder.seconds:.1f} 秒 s")
    return out


async def load_demo(graph: Graph, settings: Settings, children: int, seed: int,
                    folder: Path | None = None, say: Say | None = None) -> tuple[City, Loaded]:
    """Generates the city and loads it; the files go to a temporary folder unless one is
    given (benchmarks and tests need the graph, not the files)."""
    city = generate(children, seed)
    if folder is not None:
        return city, await load_city(graph, city, settings, folder, say)
    with tempfile.TemporaryDirectory(prefix="hub-demo-") as scratch:
        return city, await load_city(graph, city, settings, Path(scratch), say)


async def has_children(graph: Graph) -> bool:
    rows = await graph.run("MATCH (c:Child) RETURN c.id AS id LIMIT 1")
    return bool(rows)

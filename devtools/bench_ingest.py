"""``hub bench ingest``: end-to-end load speed against the bare-UNWIND ceiling 导入基准.

Generates an edu-status file of N rows and files of the other sources for the same children,
then measures (1) the ceiling: the same edu-status rows, already parsed, written with bare
``UNWIND … CREATE`` statements in batches of the same size, and (2) the real path, each file
through ``connectors.pipeline.load`` (parse + validate + link + write), on an empty graph.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, LiteralString

from connectors.pipeline import BuildContext, load, parse_row
from connectors.reading import read_table
from connectors.sources import SOURCES
from devtools import generate
from hub.graph import Graph
from hub.identity import IdProtector


class NotEmpty(Exception):
    """The benchmark needs an empty graph and was not told it may empty it."""


SNAPSHOT_DAY = date(2024, 9, 1)  # the day the generated edu-status snapshot describes
# What a snapshot row carries for its write statement, not as placement properties.
_SNAPSHOT_ONLY = frozenset({"ends", "klass", "enrolledOn", "listedOn"})

_CEILING: LiteralString = """
UNWIND $rows AS row
CREATE (c:Child) SET c = row.child
CREATE (f:Fact:Placement) SET f = row.fact
CREATE (c)-[:HAS_FACT]->(f)
WITH f, row MATCH (s:School {code: row.school})
CREATE (f)-[:AT]->(s)
"""
_SCHOOLS: LiteralString = (
    "UNWIND $codes AS code MERGE (s:School {code: code}) ON CREATE SET s:Organisation, s.id = code"
)


async def run(
    graph: Graph, protector: IdProtector, rows: int, *, reset: bool, batch_size: int = 2000
) -> dict[str, Any]:
    counted = await graph.run("MATCH (n) WHERE NOT n:Migration RETURN count(n) AS n")
    if counted[0]["n"] and not reset:
        raise NotEmpty("图中已有数据，加 --reset 清空后再测 the graph is not empty: add --reset")
    await graph.empty()
    population = generate.Population.generate(int(rows / 0.8) + 10, seed=7)
    exports = generate.all_exports(population, seed=7)
    exports[0].rows = exports[0].rows[:rows]
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as folder:
        paths = {
            export.source: generate.write_csv(Path(folder) / f"{export.source}.csv",
                                              export.header, export.rows)
            for export in exports
        }
        ceiling = await _ceiling(graph, protector, paths["edu-status"], batch_size)
        await graph.empty()
        results: list[dict[str, Any]] = []
        for export in exports:
            report = await load(graph, SOURCES[export.source], paths[export.source], protector,
                                batch_size=batch_size, as_of=SNAPSHOT_DAY)
            results.append({"source": export.source, "rows": report.rows,
                            "loaded": report.loaded, "seconds": round(report.seconds, 3),
                            "rows_per_s": round(report.rows / report.seconds)})
    edu = results[0]
    return {
        "rows": rows, "batch_size": batch_size, "sources": results,
        "edu_status_rows_per_s": edu["rows_per_s"],
        "ceiling_rows_per_s": ceiling,
        "share_of_ceiling": round(edu["rows_per_s"] / ceiling, 2) if ceiling else None,
    }


async def _ceiling(graph: Graph, protector: IdProtector, path: Path, batch_size: int) -> int:
    source = SOURCES["edu-status"]
    ctx = BuildContext(source.name, source.department, protector, SNAPSHOT_DAY)
    payload: list[dict[str, Any]] = []
    rng = random.Random(1)  # noqa: S311 - ids only need to be distinct
    for number, cells in read_table(path):
        record = parse_row(source, cells, ctx)
        fact = record.facts[0]
        identity = record.identity
        payload.append({
            "child": {"id": f"ch_{number}", "name": identity.name, "sex": identity.sex,
                      "birthDate": identity.birth_date, "regionCode": identity.region_code,
                      "idHash": f"{rng.getrandbits(128):032x}"},
            "fact": {**{k: v for k, v in fact.props.items() if k not in _SNAPSHOT_ONLY},
                     "date": fact.props["enrolledOn"], "id": f"plc_{number}"},
            "school": fact.org,
        })
    await graph.write(_SCHOOLS, {"codes": sorted({row["school"] for row in payload})})
    started = time.perf_counter()
    for start in range(0, len(payload), batch_size):
        await graph.write(_CEILING, {"rows": payload[start:start + batch_size]})
    return round(len(payload) / (time.perf_counter() - started))


def describe(result: dict[str, Any]) -> list[str]:
    lines = [f"{item['source']:18} {item['rows']:>8} 行 rows  {item['seconds']:>8.2f} s  "
             f"{item['rows_per_s']:>7} 行/秒 rows/s" for item in result["sources"]]
    ceiling = result["ceiling_rows_per_s"]
    lines.append(f"上限（裸 UNWIND）ceiling, bare UNWIND: {ceiling} 行/秒 rows/s")
    lines.append(f"edu-status 占上限比例 share of ceiling: {result['share_of_ceiling']}")
    return lines

"""``hub bench ingest``: end-to-end load speed against the bare-UNWIND ceiling 导入基准.

Generates an edu-status file of N rows and files of the other sources for the same children,
then measures (1) the ceiling: the same edu-status rows, already parsed, written with bare
``UNWIND … CREATE`` statements in batches of the same size, and (2) the real path, each file
through ``connectors.pipeline.load`` (parse + validate + link + write), on an empty graph.

Every timing comes with the CPU spent for it, the Python process's and the database's JVM's
(``connectors.stages``): the machine is shared, and wall time alone misleads. ``stages`` is a
second load of the edu-status file with its stages one after another, each span's wall and CPU
(and, with ``profile``, each write statement's database hits).
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString

from connectors import linkage, pipeline
from connectors.pipeline import BuildContext, load, parse_row
from connectors.reading import read_table
from connectors.sources import SOURCES, edu_status
from connectors.stages import Stages, jvm_cpu_seconds
from devtools import generate
from hub import current, names
from hub.graph import Graph
from hub.identity import IdProtector
from hub.services import placements


class NotEmpty(Exception):
    """The benchmark needs an empty graph and was not told it may empty it."""


# Rows of both paths written, and thrown away, before anything is timed: the JVM compiles its
# hot paths during the first writes after a start (a 20,000-row ceiling run first after ``db
# start`` cost 5× the JVM CPU of the next, bench/ingest-notes.md), and whichever path ran first
# used to pay for it — the ceiling, which made it look slower than it is.
WARM_UP_ROWS = 6000
SNAPSHOT_DAY = date(2024, 9, 1)  # the day the generated edu-status snapshot describes
RELIST_DAY = SNAPSHOT_DAY + timedelta(days=1)  # the same file again, as the next day's
# What a snapshot row carries for its write statement, not as placement properties.
_SNAPSHOT_ONLY = frozenset({"ends", "klass", "enrolledOn"})

# The ceiling writes what the real path writes for a new pupil, and nothing else: the child with
# every property the linker gives it (and its LIVES_IN region, when the region is in the graph),
# the placement with every property the snapshot statement sets, HAS_FACT, AT its school,
# IN_CLASS of its class and the current-placement pointer with the child's mirror of its type
# and stage (hub/current.py ``point_if``) — from values prepared beforehand,
# in one bare statement per batch. Schools and classes (a few hundred, upserted by the real
# path once each) are created before the clock starts.
_CEILING: LiteralString = """
UNWIND $rows AS row
CREATE (c:Child) SET c = row.child
CREATE (c)-[:HAS_FACT]->(f:Fact:Placement)
SET f = row.fact, f.recordedAt = $at
""" + current.point_if("true", "c", "f") + """
WITH c, f, row
CALL (c, row) { MATCH (r:Region {code: row.child.regionCode}) CREATE (c)-[:LIVES_IN]->(r) }
MATCH (s:School {code: row.school})
CREATE (f)-[:AT]->(s)
WITH f, row
MATCH (k:SchoolClass {key: row.klass})
CREATE (f)-[:IN_CLASS]->(k)
"""
_SCHOOLS: LiteralString = """
UNWIND $schools AS school
MERGE (s:School {code: school.code}) ON CREATE SET s:Organisation, s.id = school.code,
  s.name = school.name, s.regionCode = school.regionCode
WITH s, school UNWIND school.classes AS klass
MERGE (k:SchoolClass {key: klass.key}) ON CREATE SET k += klass
MERGE (s)-[:HAS_CLASS]->(k)
"""

# The write statements by name, for the stages' breakdown.
STATEMENTS: dict[str, str] = {
    linkage._CREATE_CHILDREN: "children.create",
    linkage._UPDATE_CHILDREN: "children.update",
    linkage._FOLD: "children.fold",
    linkage._REVIEWS: "reviews",
    edu_status.ORG_WRITE: "schools",
    placements.SNAPSHOT_NEW: "placements.new",
    placements.SNAPSHOT_KNOWN: "placements.known",
    placements._END_SUPERSEDED: "end_superseded",
    current._SYNC: "sync_current",
    pipeline._DROP: "facts.drop",
    pipeline._EXISTING: "read.existing",
    linkage._BY_HASH: "read.by_hash",
    linkage._BY_ID: "read.by_id",
    linkage._BY_MOTHER: "read.by_mother",
    linkage._BY_STUDENT: "read.by_student",
    linkage._SAME_NAME_BIRTH: "read.near_matches",
}


class _Clock:
    """Wall, this process's CPU and the JVM's CPU since it was made."""

    def __init__(self, jvm_pid: int | None) -> None:
        self.jvm_pid = jvm_pid
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.jvm = jvm_cpu_seconds(jvm_pid)

    def read(self, rows: int) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        now = jvm_cpu_seconds(self.jvm_pid)
        jvm = None if now is None or self.jvm is None else now - self.jvm
        return {
            "seconds": round(wall, 3), "rows_per_s": round(rows / wall) if wall else None,
            "cpu_s": round(cpu, 3), "jvm_cpu_s": None if jvm is None else round(jvm, 3),
            "cpu_us_per_row": round(cpu * 1e6 / rows, 1) if rows else None,
            "jvm_cpu_us_per_row": None if jvm is None or not rows else round(jvm * 1e6 / rows, 1),
        }


async def run(
    graph: Graph, protector: IdProtector, rows: int, *, reset: bool, batch_size: int = 2000,
    jvm_pid: int | None = None, sources: tuple[str, ...] = (), profile: bool = False,
    warm_up: int = WARM_UP_ROWS,
) -> dict[str, Any]:
    """``sources`` limits which files are loaded (edu-status always is); ``jvm_pid`` is the
    local database's process, whose CPU is read from /proc (None: not measured); ``warm_up``
    rows of the edu-status file go through the ceiling and the real path, untimed, first."""
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
        if warm_up:
            await _warm_up(graph, protector, export_rows(exports[0], warm_up, folder),
                           batch_size)
        load_before = os.getloadavg()
        ceiling_run = await _ceiling(graph, protector, paths["edu-status"], batch_size, jvm_pid)
        ceiling = ceiling_run["rows_per_s"]
        await graph.empty()
        results: list[dict[str, Any]] = []
        stages: dict[str, Any] = {}
        relist: dict[str, Any] = {}
        for export in exports:
            if sources and export.source != "edu-status" and export.source not in sources:
                continue
            clock = _Clock(jvm_pid)
            report = await load(graph, SOURCES[export.source], paths[export.source], protector,
                                batch_size=batch_size, as_of=SNAPSHOT_DAY)
            results.append({"source": export.source, "rows": report.rows,
                            "loaded": report.loaded, **clock.read(report.rows)})
            if export.source != "edu-status":
                continue
            # The next day's snapshot listing the same pupils as they were: every row is known
            # and only its listedOn changes (what most rows of a real snapshot are).
            clock = _Clock(jvm_pid)
            report = await load(graph, SOURCES[export.source], paths[export.source], protector,
                                batch_size=batch_size, as_of=RELIST_DAY)
            relist = {"source": "edu-status (re-listed)", "rows": report.rows,
                      "loaded": report.loaded, **clock.read(report.rows)}
            # Both again on an empty graph, their stages one at a time.
            await graph.empty()
            for name, day in (("first", SNAPSHOT_DAY), ("relist", RELIST_DAY)):
                spans = Stages(jvm_pid, profile=profile, names=STATEMENTS)
                clock = _Clock(jvm_pid)
                report = await load(graph, SOURCES[export.source], paths[export.source],
                                    protector, batch_size=batch_size, as_of=day, stages=spans)
                stages[name] = {"serial": clock.read(report.rows),
                                "spans": spans.as_json(report.rows)}
            stages["profiled"] = profile
        load_after = os.getloadavg()
    edu = results[0]
    return {
        "rows": rows, "batch_size": batch_size, "sources": results,
        "edu_status_rows_per_s": edu["rows_per_s"],
        "ceiling_rows_per_s": ceiling,
        "ceiling": ceiling_run,
        "share_of_ceiling": round(edu["rows_per_s"] / ceiling, 2) if ceiling else None,
        "relist": relist,
        "stages": stages,
        "warm_up_rows": min(warm_up, rows),
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in load_after]},
    }


def export_rows(export: generate.Export, rows: int, folder: str) -> Path:
    """The export's first ``rows`` rows as a file of their own."""
    return generate.write_csv(Path(folder) / f"warm-up-{export.source}.csv", export.header,
                              export.rows[:rows])


async def _warm_up(graph: Graph, protector: IdProtector, path: Path, batch_size: int) -> None:
    """Both paths once over a few batches, then an empty graph again (nothing is timed)."""
    await _ceiling(graph, protector, path, batch_size, None)
    await graph.empty()
    await load(graph, SOURCES["edu-status"], path, protector, batch_size=batch_size,
               as_of=SNAPSHOT_DAY)
    await graph.empty()


async def _ceiling(
    graph: Graph, protector: IdProtector, path: Path, batch_size: int, jvm_pid: int | None
) -> dict[str, Any]:
    source = SOURCES["edu-status"]
    ctx = BuildContext(source.name, source.department, protector, SNAPSHOT_DAY)
    payload: list[dict[str, Any]] = []
    schools: dict[str, dict[str, Any]] = {}
    digest_key = pipeline.row_hash_key(protector)
    for _, cells in read_table(path):
        record = parse_row(source, cells, ctx)
        fact, identity, org = record.facts[0], record.identity, record.orgs[0]
        props = fact.props
        protected = protector.protect(identity.id_number or "")
        klass = props["klass"]
        school = schools.setdefault(fact.org or "", {**org, "classes": {}})
        school["classes"][klass["key"]] = klass
        child = {"id": linkage.new_id("ch"), "name": identity.name, **names.derived(identity.name),
                 "sex": identity.sex, "birthDate": identity.birth_date,
                 "idHash": protected.hash, "idCipher": protected.cipher,
                 "idMasked": protected.masked, "regionCode": identity.region_code,
                 "disabilityCategory": identity.disability_category}
        ends = props["ends"]
        payload.append({
            "child": {k: v for k, v in child.items() if v is not None},
            "fact": {**{k: v for k, v in props.items() if k not in _SNAPSHOT_ONLY},
                     "id": linkage.new_id("plc"), "rowHash": pipeline.row_hash(digest_key, record),
                     "date": props["enrolledOn"] or props["listedOn"],
                     "endDate": props["listedOn"] if ends else None,
                     "endReason": props["status"] if ends else None,
                     "endedBy": "SNAPSHOT" if ends else None, "sourceFile": path.name},
            "school": fact.org, "klass": klass["key"],
        })
    await graph.write(_SCHOOLS, {"schools": [
        {"code": code, "name": school["name"], "regionCode": school["regionCode"],
         "classes": list(school["classes"].values())} for code, school in schools.items()]})
    at = datetime.now(UTC)
    clock = _Clock(jvm_pid)
    for start in range(0, len(payload), batch_size):
        await graph.write(_CEILING, {"rows": payload[start:start + batch_size], "at": at})
    return clock.read(len(payload))


def describe(result: dict[str, Any]) -> list[str]:
    lines = [f"{item['source']:18} {item['rows']:>8} 行 rows  {item['seconds']:>8.2f} s  "
             f"{item['rows_per_s']:>7} 行/秒 rows/s" for item in result["sources"]]
    relist = result.get("relist")
    if relist:
        lines.append(f"{'edu-status 再次列出 re-listed':18} {relist['rows']:>8} 行 rows  "
                     f"{relist['seconds']:>8.2f} s  {relist['rows_per_s']:>7} 行/秒 rows/s")
    ceiling = result["ceiling_rows_per_s"]
    lines.append(f"上限（裸 UNWIND）ceiling, bare UNWIND: {ceiling} 行/秒 rows/s")
    lines.append(f"edu-status 占上限比例 share of ceiling: {result['share_of_ceiling']}")
    return lines

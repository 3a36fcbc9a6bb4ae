"""Where a load's time goes 导入耗时分解: wall and CPU per stage, per write statement.

The machine the hub is measured on is shared (two cores, other work running), so wall time
alone misleads: each span also records the CPU the Python process spent (``getrusage``, as
``time.process_time``) and the CPU the database's JVM spent (``/proc/<pid>/stat``, user +
system). The pipeline records spans only when it is given a :class:`Stages`, and then runs its
stages one after another (no overlap), so that each span's CPU belongs to that stage alone.

Spans: ``read`` (file → cells), ``validate`` (the row model and the record), ``hash`` (row
hash), ``link`` (the batch's reads and linkage), ``write`` (the batch's transaction, commit
included) and ``write.<statement>`` for each statement in it, ``finish`` (left the roll).
With ``profile``, each write statement runs under ``PROFILE`` and its database hits are summed
(profiling costs time of its own: the timings of such a run are not the headline figures).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from hub.graph import Graph, Record, Transaction

__all__ = ["Span", "Stages", "jvm_cpu_seconds"]

_TICKS = os.sysconf("SC_CLK_TCK")


def jvm_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds the process has used so far (None when it cannot be read)."""
    if pid is None:
        return None
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


@dataclass
class Span:
    calls: int = 0
    rows: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # this Python process
    jvm: float = 0.0  # the database
    db_hits: int = 0
    operators: dict[str, int] = field(default_factory=dict)  # plan operator → db hits

    def as_json(self, per: int) -> dict[str, Any]:
        micro = 1e6 / per if per else 0.0
        out: dict[str, Any] = {
            "calls": self.calls, "rows": self.rows,
            "wall_s": round(self.wall, 3), "cpu_s": round(self.cpu, 3),
            "jvm_cpu_s": round(self.jvm, 3),
            "wall_us_per_row": round(self.wall * micro, 1),
            "cpu_us_per_row": round(self.cpu * micro, 1),
            "jvm_cpu_us_per_row": round(self.jvm * micro, 1),
        }
        if self.db_hits:
            out["db_hits"] = self.db_hits
            out["db_hits_per_row"] = round(self.db_hits / per, 1) if per else None
            top = sorted(self.operators.items(), key=lambda item: -item[1])[:5]
            out["top_operators"] = {name: hits for name, hits in top if hits}
        return out


class Stages:
    """Spans of one load, keyed by stage name; ``names`` names the statements it knows."""

    def __init__(self, jvm_pid: int | None, *, profile: bool = False,
                 names: Mapping[str, str] | None = None) -> None:
        self.jvm_pid = jvm_pid
        self.profile = profile
        self.names = dict(names or {})
        self.spans: dict[str, Span] = {}

    @contextmanager
    def span(self, name: str, rows: int = 0, *, jvm: bool = True) -> Iterator[Span]:
        """``jvm=False`` for the per-row Python spans: reading /proc twice a row would cost
        more than what is measured, and the database has nothing to do then."""
        found = self.spans.setdefault(name, Span())
        pid = self.jvm_pid if jvm else None
        wall, cpu, before = time.perf_counter(), time.process_time(), jvm_cpu_seconds(pid)
        try:
            yield found
        finally:
            found.calls += 1
            found.rows += rows
            found.wall += time.perf_counter() - wall
            found.cpu += time.process_time() - cpu
            after = jvm_cpu_seconds(pid)
            if before is not None and after is not None:
                found.jvm += after - before

    def statement(self, cypher: str) -> str:
        known = self.names.get(cypher)
        if known is not None:
            return known
        return "other:" + " ".join(cypher.split())[:60]

    def wrap(self, tx: Transaction) -> Transaction:
        return _Measured(tx, self)

    def reader(self, graph: Graph) -> Reads:
        """Reads through ``graph``, each timed (and profiled) as ``link.<statement>``."""
        return Reads(graph, self)

    def as_json(self, rows: int) -> dict[str, Any]:
        return {name: span.as_json(rows) for name, span in self.spans.items()}


def _hits(plan: Mapping[str, Any] | None, operators: dict[str, int]) -> int:
    """The plan's database hits, also added up per operator (type and what it works on)."""
    if not plan:
        return 0
    own = int(plan.get("dbHits", 0) or 0)
    details = str((plan.get("args") or {}).get("Details", ""))[:70]
    name = f"{str(plan.get('operatorType', '?')).split('@')[0]} {details}".strip()
    operators[name] = operators.get(name, 0) + own
    return own + sum(_hits(child, operators) for child in plan.get("children", ()) or ())


def _rows(values: dict[str, Any]) -> int:
    """How many rows a statement carries: the length of its first list parameter."""
    return next((len(v) for v in values.values() if isinstance(v, list)), 0)


async def _profiled(runner: Any, cypher: LiteralString, values: dict[str, Any],
                    span: Span) -> list[Record]:
    """Runs ``cypher`` under PROFILE on ``runner`` (a session or a transaction), adding its db
    hits to ``span``."""
    result = await runner.run("PROFILE " + cypher, values)
    records = [record.data() async for record in result]
    span.db_hits += _hits((await result.consume()).profile, span.operators)
    return records


class Reads:
    """A linkage reader (``Graph.run``'s signature) whose reads are timed one by one."""

    def __init__(self, graph: Graph, stages: Stages) -> None:
        self._graph = graph
        self._stages = stages

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        values = dict(params or {})
        with self._stages.span("link." + self._stages.statement(cypher), _rows(values)) as span:
            if not self._stages.profile:
                return await self._graph.run(cypher, values)
            async with self._graph.driver.session(database=self._graph.database) as session:
                return await _profiled(session, cypher, values, span)


class _Measured(Transaction):
    """A transaction whose statements are timed (and profiled) one by one."""

    def __init__(self, tx: Transaction, stages: Stages) -> None:
        super().__init__(tx._tx)
        self._stages = stages

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[Record]:
        values = dict(params or {})
        with self._stages.span("write." + self._stages.statement(cypher), _rows(values)) as span:
            if not self._stages.profile:
                return await super().run(cypher, values)
            return await _profiled(self._tx, cypher, values, span)

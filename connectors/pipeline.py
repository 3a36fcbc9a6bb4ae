"""The one load pipeline every source shares 数据导入流程.

read (connectors.reading) → normalise + validate each row (the source's pydantic model, whose
validators call connectors.normalise) → build the row's child identity and facts (the source) →
link (connectors.linkage, per batch) → write (UNWIND with parameters, one transaction per batch) →
report (FORMATS.md: rows == loaded + rejected).

A row is a no-op when its fact already exists with the same row hash, so loading a file again
changes nothing and a crashed load can simply be run again. A rejected row writes nothing.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, LiteralString, ParamSpec, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.linkage import ChildState, Identity, Linker, LinkWrites, new_id, write_links
from connectors.reading import Table, UnreadableFile, read_table
from connectors.stages import Stages
from hub.graph import Graph, Transaction
from hub.identity import IdProtector

__all__ = [
    "BuildContext",
    "FactOut",
    "LoadReport",
    "Record",
    "Reject",
    "RowError",
    "SnapshotEnd",
    "Source",
    "UnreadableFile",
    "check_header",
    "fact_writes",
    "load",
    "open_source_file",
]

DEFAULT_BATCH = 2000
# Rows parsed or linked between two turns of the event loop: the transaction in flight waits
# for a turn to send its next statement, so a turn must come every few milliseconds.
_YIELD_EVERY = 50


class RowError(Exception):
    """A row that cannot be loaded; the reason never repeats personal data."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class FactOut:
    """One fact a row yields. ``props`` hold every property (None removes it on update)."""

    label: str  # key into Source.writes
    ref: str  # sourceRef, unique among facts
    id_prefix: str
    props: dict[str, Any]
    org: str | None = None  # the organisation's code, for sources that link one


@dataclass(frozen=True)
class Record:
    """A valid row: the child it is about and the facts it states."""

    key: str  # the key as stored (hashed when it embeds an ID number)
    identity: Identity
    facts: tuple[FactOut, ...]
    drop: tuple[str, ...] = ()  # refs of facts the row no longer states (emptied column)
    orgs: tuple[dict[str, Any], ...] = ()  # organisations to upsert before the facts
    # (column, reason) of what the row loads with but a clerk should check (FORMATS.md).
    warnings: tuple[tuple[str | None, str], ...] = ()

    @property
    def ref(self) -> str:
        return self.facts[0].ref


@dataclass(frozen=True)
class BuildContext:
    source: str
    department: str
    protector: IdProtector
    as_of: date | None = None  # the snapshot day of a snapshot source (edu-status --as-of)

    def ref(self, key: str) -> str:
        return f"{self.source}/{key}"

    def hashed_key(self, number: str) -> str:
        """A key that embeds a resident ID is stored as its keyed hash, never in clear."""
        return f"hmac:{self.protector.hash(number)}"


# A row's (organisation code, stored key), read leniently from its raw cells.
RollOf = Callable[[Mapping[str, object], BuildContext], tuple[str | None, str | None]]


@dataclass(frozen=True)
class Source:
    """What one department export is and how its rows become facts (one small module each)."""

    name: str
    chinese: str
    key_column: str
    department: str  # recordedBy
    required: tuple[str, ...]
    optional: tuple[str, ...]
    model: type[BaseModel]
    build: Callable[[Any, BuildContext], Record]
    writes: Mapping[str, FactWrite]  # FactOut.label → the statements writing those facts
    org_write: LiteralString | None = None  # UNWIND $orgs upsert, run before the facts
    # A snapshot source (edu-status) states the whole situation on a day given at load time:
    # ``load`` needs ``as_of``; ``after_write`` runs in each batch's transaction with the ids
    # of the children whose facts may need reconciling (the source ends superseded placements,
    # moves the current-placement pointer): those its rows created facts for, moved facts from
    # or to, and those its ``update`` statements return as ``changed``; ``finish`` runs once
    # after the last batch. ``settle_new`` reconciles in memory, instead, the new facts of a
    # child the batch itself created (the graph holds no other fact of it): it is given that
    # child's rows of the ``create`` statement and may add to them.
    snapshot: bool = False
    # A register (schools) describes organisations, not children: its rows' ``orgs`` are
    # written with ``org_write`` and nothing is linked to a child.
    register: bool = False
    after_write: Callable[[Transaction, list[str]], Awaitable[None]] | None = None
    settle_new: Callable[[list[dict[str, Any]]], None] | None = None
    roll_of: RollOf | None = None
    finish: Callable[[Graph, SnapshotEnd], Awaitable[int]] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class SnapshotEnd:
    """What a snapshot file listed, for the source's ``finish`` step (left the roll).

    ``schools`` are the organisation codes the file lists (each listed school's roll is taken
    as whole, unless ``complete`` is false); ``unsure`` are keys of rows that were rejected
    (such a pupil is in the file, whatever was wrong with the row); ``unsure_schools`` are
    schools with a rejected row whose key could not be read, and ``unsure_all`` is true when a
    rejected row's school could not be read either: those rolls are not compared.
    """

    as_of: date
    complete: bool
    schools: set[str] = field(default_factory=set)
    unsure: set[str] = field(default_factory=set)
    unsure_schools: set[str] = field(default_factory=set)
    unsure_all: bool = False

    def note(self, roll: tuple[str | None, str | None], accepted: bool) -> None:
        school, key = roll
        if school is not None:
            self.schools.add(school)
        if accepted:
            return
        if key is not None:
            self.unsure.add(key)
        elif school is not None:
            self.unsure_schools.add(school)
        else:
            self.unsure_all = True

    @property
    def compared(self) -> list[str]:
        """The schools whose roll this snapshot replaces."""
        if not self.complete or self.unsure_all:
            return []
        return sorted(self.schools - self.unsure_schools)


# --- report -------------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    row: int
    column: str | None
    reason: str


@dataclass
class LoadReport:
    source: str
    file: str
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    new_children: int = 0
    linked_children: int = 0
    unchanged: int = 0  # loaded rows that were already in the hub as they are
    review_items: int = 0  # new DuplicateCandidate items this load opened
    extra_columns: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # Rows loaded with something a clerk should check (same shape as rejects; not counted).
    warnings: list[Reject] = field(default_factory=list)
    as_of: date | None = None  # a snapshot's day
    left_roll: int | None = None  # placements this snapshot found off their school's roll
    seconds: float = 0.0

    def reject(self, row: int, column: str | None, reason: str) -> None:
        self.rejected += 1
        self.rejects.append(Reject(row, column, reason))

    def warn(self, row: int, column: str | None, reason: str) -> None:
        self.warnings.append(Reject(row, column, reason))

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "file": self.file, "rows": self.rows,
            "loaded": self.loaded, "rejected": self.rejected,
            "new_children": self.new_children, "linked_children": self.linked_children,
            "unchanged": self.unchanged, "review_items": self.review_items,
            "extra_columns": self.extra_columns,
            "rejects": [{"row": r.row, "column": r.column, "reason": r.reason}
                        for r in self.rejects],
            "warnings": [{"row": r.row, "column": r.column, "reason": r.reason}
                         for r in self.warnings],
            **({"as_of": self.as_of.isoformat(), "left_roll": self.left_roll}
               if self.as_of is not None else {}),
            "seconds": round(self.seconds, 3),
        }


# --- reading and validating ---------------------------------------------------


def check_header(source: Source, header: Sequence[str]) -> list[str]:
    """Raises UnreadableFile unless every required column is there; returns extra columns."""
    present = set(header)
    if not present & set(source.columns):
        raise UnreadableFile(
            f"表头中没有 {source.name}（{source.chinese}）的任何已知列，请确认文件类型 "
            f"no known {source.name} column in the header: is this the right kind of file?"
        )
    missing = [name for name in source.required if name not in present]
    if missing:
        raise UnreadableFile(
            f"缺少必需的列 missing required columns: {'、'.join(missing)}"
        )
    return [name for name in header if name and name not in source.columns]


def open_source_file(source: Source, path: str | Path) -> tuple[Table, list[str]]:
    table = read_table(path)
    return table, check_header(source, table.header)


def parse_row(source: Source, cells: Mapping[str, object], ctx: BuildContext) -> Record:
    """Validates one row and builds its record; raises RowError naming the column."""
    values = {name: cells.get(name) for name in source.columns}
    try:
        model = source.model.model_validate(values)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        column = str(first["loc"][0]) if first["loc"] else None
        message = str(first["msg"]).removeprefix("Value error, ")
        raise RowError(column, message) from None
    return source.build(model, ctx)


def row_hash_key(protector: IdProtector) -> bytes:
    """The key row digests are made with, derived from the ID hashing key."""
    return protector.hash("row-hash").encode()


def row_hash(key: bytes, record: Record) -> str:
    """A keyed digest of everything the row states: equal digests mean nothing changed.

    Keyed (HMAC) because the row includes the ID number, which a plain hash would let anyone
    recover by trying every plausible number.
    """
    identity = record.identity
    payload = {
        "i": [identity.id_number, identity.name, identity.sex, identity.birth_date,
              identity.mother_id, identity.region_code, identity.student_key,
              identity.disability_category, identity.disability_grade],
        "f": [[fact.ref, fact.props, fact.org] for fact in record.facts],
        "d": list(record.drop),
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=_json_default)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- writing ------------------------------------------------------------------

@dataclass(frozen=True)
class FactWrite:
    """The two UNWIND statements writing facts of one label: new ones, and changed ones."""

    create: LiteralString
    update: LiteralString


def fact_writes(
    label: LiteralString, org: LiteralString = "", rel: LiteralString = ""
) -> FactWrite:
    """Statements for facts labelled ``label``, linked by ``rel`` to the ``org`` with code
    ``row.org`` when the row names one. Labels are literals chosen by the source module, never
    values from a file; an organisation's region becomes the fact's ``recordedIn`` when the row
    gives none.
    """
    create: LiteralString = (
        "UNWIND $rows AS row MATCH (c:Child {id: row.childId}) CREATE (f:Fact:" + label + ") "
        "SET f = row.props, f.id = row.factId, f.sourceFile = $file, f.recordedAt = $at "
        "CREATE (c)-[:HAS_FACT]->(f) "
    )
    update: LiteralString = (
        "UNWIND $rows AS row MATCH (c:Child {id: row.childId}) "
        "MERGE (f:Fact {sourceRef: row.ref}) ON CREATE SET f:" + label + ", f.id = row.factId "
        "SET f += row.props, f.sourceFile = $file, f.recordedAt = $at "
        "WITH row, c, f "
        "CALL (c, f) { OPTIONAL MATCH (o:Child)-[r:HAS_FACT]->(f) WHERE o <> c DELETE r } "
        "MERGE (c)-[:HAS_FACT]->(f) "
    )
    if not org:
        return FactWrite(create, update)
    link: LiteralString = (
        "WITH f, row WHERE row.org IS NOT NULL MATCH (o:" + org + " {code: row.org}) "
        "SET f.recordedIn = coalesce(f.recordedIn, o.regionCode) "
    )
    return FactWrite(
        create + link + "CREATE (f)-[:" + rel + "]->(o)",
        update
        + "WITH f, row CALL (f, row) { OPTIONAL MATCH (f)-[r:" + rel + "]->(o) "
        "WHERE row.org IS NULL OR o.code <> row.org DELETE r } "
        + link + "MERGE (f)-[:" + rel + "]->(o)",
    )


# One record holding every answer: the async driver reads each record as a message of its own,
# through the event loop, ≈ 70 µs of Python a record; one list is read in a few large chunks.
_EXISTING: LiteralString = """
UNWIND $refs AS ref
MATCH (f:Fact {sourceRef: ref})
OPTIONAL MATCH (c:Child)-[:HAS_FACT]->(f)
RETURN collect([ref, f.rowHash, c.id]) AS found
"""
_DROP: LiteralString = "UNWIND $refs AS ref MATCH (f:Fact {sourceRef: ref}) DETACH DELETE f"


@dataclass
class _Pending:
    number: int
    record: Record
    hash: str


class _Batch:
    def __init__(self) -> None:
        self.rows: list[_Pending] = []

    def __len__(self) -> int:
        return len(self.rows)


Progress = Callable[[int], None]

# A load allocates a few objects per cell and keeps large caches (memoised cells, hashes, the
# linker's children): with the collector's default thresholds it ran ~350 young and several
# full collections per 10,000 rows, each full one walking every cached object — ≈ 15 % of the
# load's Python CPU (issue 14). During a load the young generation is collected 50 times less
# often and what existed before the load is left out of collections; both are restored after.
_YOUNG_THRESHOLD = 50_000
_P = ParamSpec("_P")
_R = TypeVar("_R")
_deferring = 0


@contextmanager
def _fewer_collections() -> Iterator[None]:
    global _deferring
    _deferring += 1
    if _deferring > 1:  # a load inside a load (none today): the outer one restores
        try:
            yield
        finally:
            _deferring -= 1
        return
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(_YOUNG_THRESHOLD, before[1], before[2])
    try:
        yield
    finally:
        _deferring -= 1
        gc.set_threshold(*before)
        gc.unfreeze()


def _deferring_collections(
    func: Callable[_P, Awaitable[_R]]
) -> Callable[_P, Awaitable[_R]]:
    @functools.wraps(func)
    async def deferred(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _fewer_collections():
            return await func(*args, **kwargs)

    return deferred


@_deferring_collections
async def load(
    graph: Graph,
    source: Source,
    path: str | Path,
    protector: IdProtector,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    file_name: str | None = None,
    after_batch: Callable[[int], None] | None = None,
    as_of: date | None = None,
    complete: bool = True,
    stages: Stages | None = None,
) -> LoadReport:
    """Loads one export file; raises UnreadableFile when the file as a whole cannot be read.

    A snapshot source needs ``as_of``, the day the file describes (ValueError without it);
    ``complete`` (the default) takes the file as the whole roll of every school it lists, so a
    pupil of such a school the file does not list has left the roll (the source's ``finish``).

    Three stages overlap: parsing (Python), linking a batch (its reads, then Python), and
    writing the batch before it (one transaction). Batches are still written one after
    another, in file order, and each batch's linkage sees the children every earlier batch
    created: those of the batch still being written are carried over in memory.
    """
    if source.snapshot and as_of is None:
        raise ValueError(f"{source.name} is a snapshot: give as_of, the day it describes")
    started = time.perf_counter()
    table, extra = open_source_file(source, path)
    name = file_name or Path(path).name
    report = LoadReport(source=source.name, file=name, extra_columns=extra,
                        as_of=as_of if source.snapshot else None)
    ctx = BuildContext(source.name, source.department, protector,
                       as_of if source.snapshot else None)
    roll = SnapshotEnd(as_of, complete) if source.snapshot and as_of is not None else None
    if source.register:
        await _load_register(graph, source, table, ctx, report, batch_size, progress)
        report.loaded = report.rows - report.rejected
        report.seconds = time.perf_counter() - started
        return report
    writer = _Writer(graph, source, protector, report, name, stages)
    queue: asyncio.Queue[_Batch | None] = asyncio.Queue(maxsize=1)
    consumer = asyncio.create_task(writer.run(queue, after_batch))
    try:
        batch = _Batch()
        digest_key = row_hash_key(protector)
        for number, cells in _rows(table, stages):
            report.rows += 1
            try:
                if stages is None:
                    record = parse_row(source, cells, ctx)
                else:
                    with stages.span("validate", 1, jvm=False):
                        record = parse_row(source, cells, ctx)
            except RowError as error:
                report.reject(number, error.column, error.reason)
                accepted = False
            else:
                if stages is None:
                    digest = row_hash(digest_key, record)
                else:
                    with stages.span("hash", 1, jvm=False):
                        digest = row_hash(digest_key, record)
                batch.rows.append(_Pending(number, record, digest))
                for column, reason in record.warnings:
                    report.warn(number, column, reason)
                accepted = True
            if roll is not None:
                if accepted:
                    roll.note((record.facts[0].org if record.facts else None, None), True)
                elif source.roll_of is not None:
                    roll.note(source.roll_of(cells, ctx), False)
            if len(batch) >= batch_size:
                await _hand_over(queue, consumer, batch, drain=stages is not None)
                batch = _Batch()
            if report.rows % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the writer send its next statement
                if progress:
                    progress(report.rows)
        if batch:
            await _hand_over(queue, consumer, batch, drain=stages is not None)
        await _hand_over(queue, consumer, None)
        await consumer
    finally:
        if not consumer.done():
            consumer.cancel()
    if roll is not None and source.finish is not None:
        if stages is None:
            report.left_roll = await source.finish(graph, roll)
        else:
            with stages.span("finish"):
                report.left_roll = await source.finish(graph, roll)
    if progress:
        progress(report.rows)
    report.rejects.sort(key=lambda r: r.row)
    rejected_rows = {r.row for r in report.rejects}  # a row rejected while linking
    report.warnings = sorted((w for w in report.warnings if w.row not in rejected_rows),
                             key=lambda r: r.row)
    report.loaded = report.rows - report.rejected
    report.seconds = time.perf_counter() - started
    return report


async def _load_register(
    graph: Graph, source: Source, table: Table, ctx: BuildContext, report: LoadReport,
    batch_size: int, progress: Progress | None,
) -> None:
    """A register's rows upsert organisations, a transaction per batch; a later row with the
    same key wins. Writing the same values again changes nothing."""
    write = source.org_write
    assert write is not None
    batch: dict[str, dict[str, Any]] = {}

    async def flush() -> None:
        if batch:
            async with graph.transaction() as tx:
                await tx.run(write, {"orgs": list(batch.values())})
            batch.clear()

    for number, cells in table:
        report.rows += 1
        try:
            record = parse_row(source, cells, ctx)
        except RowError as error:
            report.reject(number, error.column, error.reason)
        else:
            for column, reason in record.warnings:
                report.warn(number, column, reason)
            for org in record.orgs:
                batch.pop(org["code"], None)
                batch[org["code"]] = org
        if len(batch) >= batch_size:
            await flush()
        if progress and report.rows % _YIELD_EVERY == 0:
            progress(report.rows)
    await flush()
    report.unchanged = 0


def _rows(table: Table, stages: Stages | None) -> Iterable[tuple[int, Mapping[str, object]]]:
    """The table's rows; with ``stages``, the reading of each is a ``read`` span."""
    if stages is None:
        yield from table
        return
    rows = iter(table)
    while True:
        with stages.span("read", 1, jvm=False):
            row = next(rows, None)
        if row is None:
            return
        yield row


async def _hand_over(
    queue: asyncio.Queue[_Batch | None], consumer: asyncio.Task[None], batch: _Batch | None,
    *, drain: bool = False,
) -> None:
    """Queues a batch for the writer, or raises the writer's error if it has failed; with
    ``drain``, also waits until the writer has written it (stages measured one at a time)."""
    put = asyncio.ensure_future(queue.put(batch))
    await asyncio.wait({put, consumer}, return_when=asyncio.FIRST_COMPLETED)
    if not put.done():
        put.cancel()
    if drain and not consumer.done():
        joined = asyncio.ensure_future(queue.join())
        await asyncio.wait({joined, consumer}, return_when=asyncio.FIRST_COMPLETED)
        if not joined.done():
            joined.cancel()
    if consumer.done() and (consumer.cancelled() or consumer.exception() is not None):
        consumer.result()  # raises


@dataclass
class _Prepared:
    """A linked batch: everything its transaction writes, as statement parameters."""

    links: LinkWrites
    orgs: list[dict[str, Any]]
    facts: dict[tuple[str, bool], list[dict[str, Any]]]  # (label, new) → rows
    drops: list[str]
    # Children the rows wrote facts to, and children whose facts a row moved to another child:
    # the source's ``after_write`` reconciles their facts (a new one with those from before,
    # one taken away with those left).
    touched: list[str] = field(default_factory=list)


_Carried = dict[str, tuple[str | None, str | None] | None]  # ref → (hash, child); None: gone


class _Writer:
    """Links and writes batches: reads and linking of one batch overlap the previous write.

    Each batch is one transaction, written strictly after the one before it. The reads of batch
    k run while batch k-1 is being written (batch k-2 is committed by then), so what batch k-1
    wrote is carried over in memory: its children (for the linker) and its facts' row hashes.
    """

    def __init__(
        self, graph: Graph, source: Source, protector: IdProtector, report: LoadReport, file: str,
        stages: Stages | None = None,
    ) -> None:
        self.graph = graph
        self.stages = stages
        self.source = source
        self.report = report
        self.file = file
        self.at = datetime.now(UTC)
        self.linker = Linker(protector)
        self.carried_children: list[ChildState] = []
        self.carried_facts: _Carried = {}
        self.orgs_written: dict[str, dict[str, Any]] = {}  # code → as last written (no id)

    async def run(
        self, queue: asyncio.Queue[_Batch | None], after_batch: Callable[[int], None] | None
    ) -> None:
        """Takes batches off the queue until None; at most one write is in flight."""
        written = 0
        writing: asyncio.Task[None] | None = None
        try:
            while (batch := await queue.get()) is not None:
                if self.stages is not None:  # one stage at a time: each span is its own
                    with self.stages.span("link", len(batch)):
                        prepared = await self.prepare(batch)
                    with self.stages.span("write", len(batch)):
                        await self.write(prepared)
                    written += 1
                    if after_batch:
                        after_batch(written)
                    queue.task_done()
                    continue
                prepared = await self.prepare(batch)
                if writing is not None:
                    await writing
                    written += 1
                    if after_batch:
                        after_batch(written)
                writing = asyncio.create_task(self.write(prepared))
            if writing is not None:
                await writing
                written += 1
                if after_batch:
                    after_batch(written)
        finally:
            if writing is not None:
                if not writing.done():
                    writing.cancel()  # its transaction rolls back
                # Retrieve its outcome even when it already failed: the error that stopped the
                # load is raised above, and an unretrieved one would be printed again at exit.
                await asyncio.gather(writing, return_exceptions=True)

    async def write(self, prepared: _Prepared) -> None:
        async with self.graph.transaction() as tx:
            await self._write(tx if self.stages is None else self.stages.wrap(tx), prepared)

    async def prepare(self, batch: _Batch) -> _Prepared:
        """Reads what the batch needs and links it; writes nothing."""
        reader = self.graph if self.stages is None else self.stages.reader(self.graph)
        refs = sorted({p.record.ref for p in batch.rows})
        [answer] = await reader.run(_EXISTING, {"refs": refs})
        existing: dict[str, tuple[str | None, str | None]] = {
            ref: (digest, child) for ref, digest, child in answer["found"]
        }
        for ref in refs:
            if ref in self.carried_facts:
                carried = self.carried_facts[ref]
                if carried is None:
                    existing.pop(ref, None)
                else:
                    existing[ref] = carried
        changed = self._changed(batch.rows, existing)
        await self.linker.prefetch(
            reader, (p.record.identity for p in changed),
            (existing[p.record.ref][1] or "" for p in changed
             if p.record.ref in existing and existing[p.record.ref][1]),
            carried=self.carried_children,
        )
        placed: dict[str, tuple[_Pending, ChildState, bool]] = {}
        created: set[str] = set()  # children this batch creates
        for number, pending in enumerate(changed, start=1):
            if number % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the write in flight send its next statement
            child_id = existing.get(pending.record.ref, (None, None))[1]
            current = self.linker.known(child_id) if child_id else None
            resolution = self.linker.resolve(pending.record.identity, current)
            if resolution is None:
                self.report.reject(
                    pending.number, "学籍号",
                    "找不到该学籍号的学生，请先导入学籍数据或填写身份证号 "
                    "no child with this student number: load edu-status first or give the ID",
                )
                continue
            if resolution.created:
                self.report.new_children += 1
                created.add(resolution.child.id)
            else:
                self.report.linked_children += 1
            # A later repeat of the key in the batch wins; "new" facts are created, not merged.
            is_new = pending.record.ref not in existing
            placed[pending.record.ref] = (pending, resolution.child, is_new)
        links = await self.linker.settle(reader)
        prepared = self._plan_facts(links, list(placed.values()))
        prepared.touched = self._touched(links, placed, existing, created, prepared)
        self.carried_children = self.linker.written()
        self.carried_facts = {ref: (pending.hash, child.final().id)
                              for ref, (pending, child, _) in placed.items()}
        for ref in prepared.drops:
            self.carried_facts[ref] = None
        return prepared

    def _changed(
        self, rows: Iterable[_Pending], existing: Mapping[str, tuple[str | None, str | None]]
    ) -> list[_Pending]:
        """Rows whose fact is new or differs; the rest are loaded no-ops."""
        seen = {ref: found[0] for ref, found in existing.items()}
        changed = []
        for pending in rows:
            ref = pending.record.ref
            if seen.get(ref) == pending.hash:
                self.report.unchanged += 1
                self.report.linked_children += 1
                continue
            seen[ref] = pending.hash
            changed.append(pending)
        return changed

    def _touched(
        self, links: LinkWrites, placed: Mapping[str, tuple[_Pending, ChildState, bool]],
        existing: Mapping[str, tuple[str | None, str | None]], created: set[str],
        prepared: _Prepared,
    ) -> list[str]:
        """The children ``after_write`` reconciles whatever the statements return: those given
        new facts, and both sides of a fact moved to another child. With ``settle_new``, the
        children this batch created and gave only new facts are settled here instead (a child
        a fold gives facts of the graph's is not one of them)."""
        touched: set[str] = set()
        alone: dict[str, bool] = {}  # created child → every fact of it is new
        for ref, (_, child, is_new) in placed.items():
            kept = child.final().id
            owner = existing.get(ref, (None, None))[1]
            if kept in created:
                alone[kept] = alone.get(kept, True) and is_new
            elif is_new:
                touched.add(kept)
            if owner and owner != kept:
                touched.update((owner, kept))
        settle = self.source.settle_new
        folded_into = {fold["into"] for fold in links.folds}
        in_memory = {kept for kept, only_new in alone.items()
                     if only_new and settle is not None and kept not in folded_into}
        touched.update(alone.keys() - in_memory)
        if settle is not None and in_memory:
            rows_of: dict[str, list[dict[str, Any]]] = {}
            for (_, is_new), rows in prepared.facts.items():
                for row in rows:
                    if is_new and row["childId"] in in_memory:
                        rows_of.setdefault(row["childId"], []).append(row)
            for rows in rows_of.values():
                settle(rows)
        return sorted(touched)

    def _plan_facts(
        self, links: LinkWrites, placed: Sequence[tuple[_Pending, ChildState, bool]]
    ) -> _Prepared:
        orgs: dict[str, dict[str, Any]] = {}
        by_label: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        drops: list[str] = []
        for pending, child, is_new in placed:
            record = pending.record
            for org in record.orgs:
                known = orgs.get(org["code"])
                if known is None or any(known.get(k) != v for k, v in org.items() if v is not None):
                    orgs[org["code"]] = _merge_org(known, org)
            child_id = child.final().id
            for number, fact in enumerate(record.facts):
                props = fact.props
                if number == 0:
                    props = {**props, "rowHash": pending.hash}
                by_label.setdefault((fact.label, is_new), []).append({
                    "childId": child_id, "ref": fact.ref, "org": fact.org,
                    "factId": new_id(fact.id_prefix), "props": props,
                })
            if not is_new:
                drops.extend(record.drop)
        # An organisation written the same way earlier in this load is left alone: the upsert
        # would change nothing, and dense organisation nodes are costly to touch.
        fresh = []
        for code, org in orgs.items():
            plain = {key: value for key, value in org.items() if key != "id"}
            if self.orgs_written.get(code) != plain:
                self.orgs_written[code] = plain
                fresh.append(org)
        return _Prepared(links, fresh, by_label, drops)

    async def _write(self, tx: Transaction, prepared: _Prepared) -> None:
        self.report.review_items += await write_links(tx, prepared.links, self.at)
        if prepared.orgs and self.source.org_write:
            await tx.run(self.source.org_write, {"orgs": prepared.orgs})
        changed: set[str] = set()  # children an update statement says need reconciling
        for (label, is_new), rows in prepared.facts.items():
            write = self.source.writes[label]
            for record in await tx.run(write.create if is_new else write.update,
                                       {"rows": rows, "file": self.file, "at": self.at}):
                changed.update(record.get("changed") or ())
        if prepared.drops:
            await tx.run(_DROP, {"refs": prepared.drops})
        touched = sorted(changed.union(prepared.touched))
        if self.source.after_write is not None and touched:
            await self.source.after_write(tx, touched)


def _merge_org(known: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if known is None:
        return {**new, "id": new_id(new.get("prefix", "org"))}
    return {key: new.get(key) if new.get(key) is not None else value
            for key, value in known.items()}

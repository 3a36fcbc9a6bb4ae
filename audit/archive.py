"""Exports, offline verification and retention of the audit log.

An export is JSON Lines: a header (range, anchor, the public key), the events in order, then
the signed checkpoints that cover them — always one at the last exported event, signed at
export time if the log had none there, so every line of the file is anchored by a signature.
``hub audit archive`` writes such an export of the events older than the retention period,
verifies the file, and only then removes those events, keeping the signed checkpoint at the
last one as the anchor the remaining chain starts from.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit import signing
from audit.events import GENESIS, now_iso
from audit.store import HEAD_ID, AuditLog
from audit.verify import Problem, Report, verify
from hub.graph import Graph

FORMAT = "hub-audit-export/1"
CSV_COLUMNS = (
    "seq", "id", "time", "kind", "action", "subtype", "requestId", "subjectId", "subjectKind",
    "department", "region", "roles", "organisations", "purpose", "clientAddress",
    "operationType", "operationName", "rootFields", "documentHash", "variablesDigest",
    "children", "childCount", "fields", "redacted", "outcome", "errorCodes", "status",
    "latencyMs", "policyVersion", "detail", "prevHash", "hash",
)


class ArchiveError(Exception):
    pass


@dataclass(frozen=True)
class Online:
    events: list[dict[str, Any]]
    checkpoints: list[dict[str, Any]]
    base: int
    head_seq: int


_EVENTS: LiteralString = """
MATCH (e:AuditEvent) WHERE e.seq >= $from AND e.seq <= $to
RETURN e {.*} AS e ORDER BY e.seq, e.id
"""


async def load(graph: Graph, first: int | None = None, last: int | None = None) -> Online:
    heads = await graph.run(
        "MATCH (h:AuditHead {id: $id}) RETURN h.seq AS seq, h.base AS base", {"id": HEAD_ID})
    head_seq = int(heads[0]["seq"]) if heads else 0
    base = int(heads[0]["base"] or 0) if heads else 0
    lo = base + 1 if first is None else first
    hi = head_seq if last is None else last
    # The whole log when asked for: numbers beyond the head too (an insertion at the end).
    rows = await graph.run(_EVENTS, {"from": lo, "to": hi if last is not None else 1 << 62})
    cps = await graph.run("MATCH (c:AuditCheckpoint) RETURN c {.*} AS c ORDER BY c.size")
    return Online([r["e"] for r in rows], [r["c"] for r in cps], base, head_seq)


def _anchor(online: Online, public: Ed25519PublicKey) -> tuple[str, Problem | None]:
    """The hash the online chain starts from: genesis, or the archive's signed checkpoint."""
    if online.base == 0:
        return GENESIS, None
    for checkpoint in online.checkpoints:
        if int(checkpoint["size"]) == online.base and signing.verify(public, checkpoint):
            return str(checkpoint["root"]), None
    return GENESIS, Problem("deleted", online.base, None,
                            "the signed checkpoint anchoring the archived part is missing")


async def verify_online(graph: Graph, public: Ed25519PublicKey) -> Report:
    online = await load(graph)
    anchor_hash, problem = _anchor(online, public)
    if problem is not None:
        return Report(len(online.events), len(online.checkpoints), online.base + 1,
                      online.head_seq, problem)
    return verify(online.events, [c for c in online.checkpoints
                                  if int(c["size"]) >= online.base],
                  public, online.base, anchor_hash, online.head_seq)


async def seq_range(graph: Graph, since: str | None, until: str | None
                    ) -> tuple[int, int] | None:
    """The contiguous numbers from the first event at/after ``since`` to the last before
    ``until`` (times are taken when an event is made, so they may not quite follow seq)."""
    rows = await graph.run(
        "MATCH (e:AuditEvent) WHERE ($since IS NULL OR e.time >= $since) "
        "AND ($until IS NULL OR e.time < $until) RETURN min(e.seq) AS lo, max(e.seq) AS hi",
        {"since": since, "until": until},
    )
    if not rows or rows[0]["lo"] is None:
        return None
    return int(rows[0]["lo"]), int(rows[0]["hi"])


async def export(log: AuditLog, first: int, last: int, kind: str = "export"
                 ) -> tuple[list[str], Report]:
    """The JSON lines of events first..last, after verifying the log they come from."""
    public = log.key.public_key()
    report = await verify_online(log.graph, public)
    if report.problem is not None:
        raise ArchiveError(f"the log does not verify, nothing exported: {report.problem}")
    online = await load(log.graph, first, last)
    events = online.events
    if not events:
        raise ArchiveError("no events in that range")
    end = events[-1]
    covering = [c for c in online.checkpoints if first <= int(c["size"]) <= last]
    if not any(int(c["size"]) == last for c in covering):
        covering.append(await log.sign_at(last, str(end["hash"]), kind))
    header = {
        "type": "header", "format": FORMAT, "from": first, "to": last,
        "anchorSeq": first - 1, "anchorHash": events[0]["prevHash"], "events": len(events),
        "checkpoints": len(covering), "exportedAt": now_iso(),
        "publicKey": signing.public_b64(public), "keyId": signing.key_id(public),
    }
    lines = [json.dumps(header, ensure_ascii=False, sort_keys=True)]
    lines += [json.dumps({"type": "event", **e}, ensure_ascii=False, sort_keys=True)
              for e in events]
    lines += [json.dumps({"type": "checkpoint", **c}, ensure_ascii=False, sort_keys=True)
              for c in sorted(covering, key=lambda c: int(c["size"]))]
    return lines, report


def csv_text(events: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow([";".join(v) if isinstance(v := event.get(c), list)
                         else ("" if v is None else v) for c in CSV_COLUMNS])
    return out.getvalue()


def verify_archive(lines: Iterable[str], pinned: Ed25519PublicKey | None = None
                   ) -> tuple[Report, bool]:
    """Verifies an export without the database. Returns the report and whether the key was
    pinned (an unpinned check trusts the key the file carries)."""
    header: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    checkpoints: list[dict[str, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            kind = item.pop("type")
        except (ValueError, KeyError, AttributeError):
            raise ArchiveError(f"line {number}: not an export line") from None
        if kind == "header":
            header = item
        elif kind == "event":
            events.append(item)
        elif kind == "checkpoint":
            checkpoints.append(item)
    if header is None or header.get("format") != FORMAT:
        raise ArchiveError("not an audit export (no header of format " + FORMAT + ")")
    public = pinned or signing.public_from_b64(str(header["publicKey"]))
    first, last = int(header["from"]), int(header["to"])
    report = verify(events, checkpoints, public, first - 1, str(header["anchorHash"]), last)
    if report.problem is None and not any(int(c["size"]) == last for c in checkpoints):
        report = Report(report.events, report.checkpoints, first, last, Problem(
            "deleted", last, None, "no signed checkpoint at the end of the export: "
            "its last events cannot be trusted"))
    return report, pinned is not None


async def archive(log: AuditLog, before: dt.datetime, out: Path) -> tuple[int, int] | None:
    """Moves events older than ``before`` to a verified export at ``out``; returns the range."""
    base = await load_head_base(log.graph)
    rows = await log.graph.run(
        "MATCH (e:AuditEvent) WHERE e.time < $until RETURN max(e.seq) AS hi",
        {"until": before.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
    )
    last = rows[0]["hi"] if rows else None
    if last is None or int(last) <= base:
        return None
    first, last = base + 1, int(last)
    lines, _ = await export(log, first, last, kind="archive")
    text = "".join(f"{line}\n" for line in lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    report, _ = verify_archive(out.read_text(encoding="utf-8").splitlines(),
                               log.key.public_key())
    if report.problem is not None:
        raise ArchiveError(f"the archive written does not verify, nothing removed: "
                           f"{report.problem}")
    # Only now, with a verified copy on disk, do the events leave the database. The anchor
    # moves first: events at or below it are the archive's, whatever is left of them.
    await log.graph.write(
        "MATCH (h:AuditHead {id: $id}) SET h.base = $last", {"id": HEAD_ID, "last": last})
    await log.graph.autocommit(
        "MATCH (e:AuditEvent) WHERE e.seq <= $last "
        "CALL (e) { DELETE e } IN TRANSACTIONS OF 10000 ROWS", {"last": last})
    log.forget_head()
    return first, last


async def load_head_base(graph: Graph) -> int:
    rows = await graph.run("MATCH (h:AuditHead {id: $id}) RETURN h.base AS base",
                           {"id": HEAD_ID})
    return int(rows[0]["base"] or 0) if rows else 0


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

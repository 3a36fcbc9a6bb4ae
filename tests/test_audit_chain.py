"""Tamper evidence: alter, delete, insert and reorder, in the database and in an export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from audit import archive as arch
from audit import signing
from audit.events import chain_hash, new_id, now_iso
from audit.store import AuditLog
from hub.graph import Graph
from hub.settings import Settings
from shell.cli import app as cli

N = 12


@pytest.fixture
def conf(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={
        "audit_signing_key_file": tmp_path / "ed25519.pem", "audit_checkpoint_every": 5})


def event(n: int, time: str | None = None) -> dict[str, Any]:
    return {"id": new_id(), "time": time or now_iso(), "kind": "graphql", "action": "R",
            "subjectId": f"cl_{n % 3}", "department": "EDU", "purpose": "SUPERVISION",
            "children": [f"ch_{n}"], "childCount": 1, "outcome": "ok", "latencyMs": 1.5}


@pytest.fixture
async def log(graph: Graph, conf: Settings) -> AuditLog:
    audit = AuditLog(graph, conf)
    for n in range(N):
        await audit.append(event(n))
    return audit


async def problem(log: AuditLog) -> Any:
    report = await arch.verify_online(log.graph, log.key.public_key())
    return report.problem


async def one(graph: Graph, seq: int) -> dict[str, Any]:
    rows = await graph.run("MATCH (e:AuditEvent {seq: $s}) RETURN e {.*} AS e", {"s": seq})
    return dict(rows[0]["e"])


async def test_intact_log_verifies_with_interval_checkpoints(log: AuditLog) -> None:
    report = await arch.verify_online(log.graph, log.key.public_key())
    assert report.ok and report.events == N and report.checkpoints >= 2
    assert await log.checkpoint() is not None
    assert await problem(log) is None


async def test_altered_event_is_named(log: AuditLog) -> None:
    target = await one(log.graph, 7)
    await log.graph.write("MATCH (e:AuditEvent {seq: 7}) SET e.purpose = 'AUDIT'")
    found = await problem(log)
    assert (found.kind, found.seq, found.event_id) == ("altered", 7, target["id"])


async def test_deleted_event_is_named(log: AuditLog) -> None:
    await log.graph.write("MATCH (e:AuditEvent {seq: 4}) DELETE e")
    found = await problem(log)
    assert (found.kind, found.seq) == ("deleted", 4)


async def test_deleted_last_event_is_named(log: AuditLog) -> None:
    await log.graph.write("MATCH (e:AuditEvent {seq: $n}) DELETE e", {"n": N})
    found = await problem(log)
    assert (found.kind, found.seq) == ("deleted", N)


async def test_inserted_event_is_named(log: AuditLog) -> None:
    # Behind the hub's back: make room at 6 and forge an event that chains from 5.
    before = await one(log.graph, 5)
    await log.graph.write("MATCH (e:AuditEvent) WHERE e.seq >= 6 SET e.seq = e.seq + 1000")
    await log.graph.write("MATCH (e:AuditEvent) WHERE e.seq >= 1000 SET e.seq = e.seq - 999")
    forged = {**event(99), "seq": 6, "prevHash": before["hash"]}
    forged["hash"] = chain_hash(before["hash"], forged)
    await log.graph.write("CREATE (e:AuditEvent) SET e = $e", {"e": forged})
    await log.graph.write("MATCH (h:AuditHead) SET h.seq = h.seq + 1")
    found = await problem(log)
    assert (found.kind, found.seq, found.event_id) == ("inserted", 6, forged["id"])


async def test_reordered_events_are_named(log: AuditLog) -> None:
    moved = await one(log.graph, 9)
    await log.graph.write("MATCH (a:AuditEvent {seq: 8}) SET a.seq = -8")
    await log.graph.write("MATCH (b:AuditEvent {seq: 9}) SET b.seq = 8")
    await log.graph.write("MATCH (a:AuditEvent {seq: -8}) SET a.seq = 9")
    found = await problem(log)
    assert (found.kind, found.seq, found.event_id) == ("reordered", 8, moved["id"])


async def test_rewritten_chain_is_caught_by_the_signed_checkpoint(log: AuditLog) -> None:
    # Alter event 7 and recompute every hash after it: only the signature can tell.
    rows = await log.graph.run("MATCH (e:AuditEvent) RETURN e {.*} AS e ORDER BY e.seq")
    chain = [dict(r["e"]) for r in rows]
    chain[6]["purpose"] = "AUDIT"
    prev = chain[5]["hash"]
    for item in chain[6:]:
        item["prevHash"] = prev
        item["hash"] = prev = chain_hash(prev, item)
    await log.graph.write("UNWIND $es AS x MATCH (e:AuditEvent {seq: x.seq}) SET e = x",
                          {"es": chain[6:]})
    await log.graph.write("MATCH (h:AuditHead) SET h.hash = $h", {"h": prev})
    found = await problem(log)
    assert found.kind == "altered" and found.seq == 6  # after the checkpoint at 5
    assert "rewritten" in found.message


# --- the same on an export ---------------------------------------------------------------


async def exported(log: AuditLog) -> list[str]:
    lines, _ = await arch.export(log, 1, N)
    return lines


def archive_problem(lines: list[str], pinned: Any = None) -> Any:
    report, _ = arch.verify_archive(lines, pinned)
    return report.problem


def event_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if json.loads(line)["type"] == "event"]


async def test_archive_verifies_and_each_tampering_is_named(log: AuditLog) -> None:
    lines = await exported(log)
    assert archive_problem(lines, log.key.public_key()) is None
    at = event_lines(lines)

    altered = list(lines)
    item = json.loads(altered[at[4]])
    item["subjectId"] = "cl_other"
    altered[at[4]] = json.dumps(item)
    found = archive_problem(altered)
    assert (found.kind, found.seq, found.event_id) == ("altered", 5, item["id"])

    deleted = [line for i, line in enumerate(lines) if i != at[2]]
    assert (archive_problem(deleted).kind, archive_problem(deleted).seq) == ("deleted", 3)

    inserted = list(lines)
    forged = {**json.loads(lines[at[6]]), "id": "aud_forged", "purpose": "AUDIT"}
    inserted.insert(at[6] + 1, json.dumps(forged))
    found = archive_problem(inserted)
    assert (found.kind, found.seq, found.event_id) == ("inserted", 7, "aud_forged")

    reordered = list(lines)
    reordered[at[3]], reordered[at[4]] = reordered[at[4]], reordered[at[3]]
    found = archive_problem(reordered)
    assert (found.kind, found.seq) == ("reordered", 5)

    truncated = [line for i, line in enumerate(lines)
                 if i != at[-1] and json.loads(line).get("size") != N]
    assert archive_problem(truncated).kind == "deleted"

    # Re-signed with another key: caught when the real key is pinned.
    other = Ed25519PrivateKey.generate()
    resigned = []
    for line in altered:
        item = json.loads(line)
        if item["type"] == "header":
            item["publicKey"] = signing.public_b64(other.public_key())
        resigned.append(json.dumps(item))
    assert archive_problem(resigned, log.key.public_key()) is not None


async def test_retention_archive_keeps_the_remaining_chain_anchored(
    graph: Graph, conf: Settings, tmp_path: Path
) -> None:
    audit = AuditLog(graph, conf)
    for n in range(6):
        await audit.append(event(n, time=f"2020-01-0{n + 1}T00:00:00.000000Z"))
    for n in range(4):
        await audit.append(event(n))
    out = tmp_path / "old.jsonl"
    import datetime as dt

    moved = await arch.archive(audit, dt.datetime(2021, 1, 1, tzinfo=dt.UTC), out)
    assert moved == (1, 6)
    assert (await graph.run("MATCH (e:AuditEvent) RETURN min(e.seq) AS lo"))[0]["lo"] == 7
    assert await problem(audit) is None
    offline, _ = arch.verify_archive(out.read_text().splitlines(), audit.key.public_key())
    assert offline.ok and offline.events == 6
    await audit.append(event(50))
    assert await problem(audit) is None
    await graph.write("MATCH (e:AuditEvent {seq: 7}) DELETE e")
    found = await problem(audit)
    assert (found.kind, found.seq) == ("deleted", 7)


def test_commands(graph: Graph, conf: Settings, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_AUDIT_SIGNING_KEY_FILE", str(conf.audit_signing_key_file))
    runner = CliRunner()
    import asyncio

    async def fill() -> None:
        local = Graph.connect(conf)
        try:
            audit = AuditLog(local, conf)
            for n in range(5):
                await audit.append(event(n))
        finally:
            await local.close()

    asyncio.run(fill())
    assert runner.invoke(cli, ["audit", "checkpoint"]).exit_code == 0
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    out = tmp_path / "all.jsonl"
    assert runner.invoke(cli, ["audit", "export", "--out", str(out)]).exit_code == 0
    key = tmp_path / "public.pem"
    assert runner.invoke(cli, ["audit", "public-key", "--out", str(key)]).exit_code == 0
    offline = runner.invoke(cli, ["audit", "verify", "--archive", str(out),
                                  "--public-key", str(key)])
    assert offline.exit_code == 0, offline.output
    text = out.read_text().replace('"SUPERVISION"', '"AUDIT"', 1)
    out.write_text(text)
    bad = runner.invoke(cli, ["audit", "verify", "--archive", str(out)])
    assert bad.exit_code == 1 and "altered at seq 1" in bad.stderr
    csv = runner.invoke(cli, ["audit", "export", "--format", "csv"])
    assert csv.exit_code == 0 and csv.stdout.startswith("seq,id,time")
    assert len(csv.stdout.strip().splitlines()) >= 6

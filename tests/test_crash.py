"""Crash safety (issue 6, item 4): kill the hub, or Neo4j itself, in the middle of a large load;
start again, load the file again: the graph ends identical to a clean load.

Each batch is one transaction and a row whose fact already holds its row hash is a no-op, so a
load cut short leaves whole batches behind and the rerun completes the rest.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from neo4j import AsyncGraphDatabase

from connectors.pipeline import load
from connectors.sources import SOURCES
from devtools import generate
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings

SNAPSHOT_DAY = date(2024, 9, 1)  # the day the edu-status snapshots describe

HUB = [sys.executable, "-m", "shell"]
ROWS = 20_000
_CLEAN: dict[str, dict[str, Any]] = {}  # the canonical clean load of the file, made once


async def clean_load(graph: Graph, settings: Settings, path: Path) -> dict[str, Any]:
    """The canonical graph of a clean load of ``path`` (on the session database)."""
    if "edu" not in _CLEAN:
        await graph.empty()
        await load(graph, SOURCES["edu-status"], path, IdProtector(settings), as_of=SNAPSHOT_DAY)
        _CLEAN["edu"] = await canonical(graph)
    return _CLEAN["edu"]


def edu_file(folder: Path, rows: int, seed: int) -> Path:
    population = generate.Population.generate(int(rows / 0.8) + 10, seed=seed)
    export = generate.edu_status(population, random.Random(seed))
    return generate.write_csv(folder / "edu.csv", export.header, export.rows[:rows])


async def canonical(graph: Graph) -> dict[str, Any]:
    """The graph without what differs between two loads of one file: generated ids, the ID
    ciphertext (random nonce) and load times. Facts by sourceRef, children by ID hash."""
    children = await graph.run(
        "MATCH (c:Child) OPTIONAL MATCH (c)-[:LIVES_IN]->(r:Region) "
        "WITH c, collect(r.code) AS regions "
        "RETURN c.idHash AS key, properties(c) AS props, regions ORDER BY key"
    )
    facts = await graph.run(
        "MATCH (f:Fact) OPTIONAL MATCH (c:Child)-[:HAS_FACT]->(f) "
        "OPTIONAL MATCH (f)-[:AT]->(o:Organisation) "
        "WITH f, collect(c.idHash) AS children, collect(o.code) AS orgs "
        "RETURN f.sourceRef AS ref, labels(f) AS labels, properties(f) AS props, children, "
        "orgs ORDER BY ref"
    )
    orgs = await graph.run(
        "MATCH (o:Organisation) OPTIONAL MATCH (o)-[:IN_REGION]->(r:Region) "
        "RETURN o.code AS code, labels(o) AS labels, o.name AS name, o.regionCode AS region, "
        "collect(r.code) AS regions ORDER BY code"
    )
    counts = await graph.run(
        "MATCH (n) WHERE n:Child OR n:Fact OR n:Organisation OR n:DuplicateCandidate "
        "OR n:MergedChild RETURN count(n) AS nodes, "
        "COUNT { (:Child)-[]->() } + COUNT { (:Fact)-[]->() } AS rels"
    )
    reviews = await graph.run("MATCH (d:DuplicateCandidate) RETURN count(d) AS n")

    def strip(props: dict[str, Any], *drop: str) -> str:
        kept = {k: v for k, v in props.items() if k not in drop}
        return json.dumps(kept, sort_keys=True, default=str, ensure_ascii=False)

    return {
        "children": [(r["key"], strip(r["props"], "id", "idCipher"), sorted(r["regions"]))
                     for r in children],
        "facts": [(r["ref"], sorted(r["labels"]), strip(r["props"], "id", "recordedAt"),
                   sorted(r["children"]), sorted(r["orgs"])) for r in facts],
        "orgs": [(r["code"], sorted(r["labels"]), r["name"], r["region"], r["regions"])
                 for r in orgs],
        "counts": counts[0],
        "reviews": reviews[0]["n"],
    }


async def placements(graph: Graph) -> int:
    rows = await graph.run("MATCH (p:Placement) RETURN count(p) AS n")
    return int(rows[0]["n"])


async def kill_midway(graph: Graph, rows: int, kill: Any, proc: subprocess.Popen[str]) -> int:
    """Polls the graph until a fifth of the rows are in, then calls ``kill``."""
    for _ in range(1200):
        done = await placements(graph)
        if done >= rows // 5:
            kill()
            return done
        if proc.poll() is not None:
            break
        await asyncio.sleep(0.05)
    pytest.fail(f"the load ended before it could be killed: {proc.communicate()}")


def ingest(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*HUB, "ingest", "edu-status", "--as-of", "2024-09-01", str(path), "--report", "json"],
        env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finished(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    report: dict[str, Any] = json.loads(out)
    assert report["rows"] == report["loaded"]
    return report


async def test_killing_the_hub_midway_then_loading_again_equals_a_clean_load(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    rows = ROWS
    path = edu_file(tmp_path, rows, seed=21)
    proc = ingest(dict(os.environ), path)
    try:
        done = await kill_midway(graph, rows, lambda: os.kill(proc.pid, signal.SIGKILL), proc)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert 0 < done < rows
    left = await placements(graph)
    assert left < rows and left % 2000 == 0  # whole batches only: each is one transaction

    again = finished(ingest(dict(os.environ), path))
    assert again["unchanged"] == left and again["new_children"] == rows - left
    resumed = await canonical(graph)
    clean = await clean_load(graph, settings, path)
    assert resumed == clean
    assert len(clean["facts"]) == rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
async def throwaway(tmp_path: Path, settings: Settings) -> AsyncIterator[tuple[dict[str, str],
                                                                               Graph]]:
    """A second Neo4j on its own port and data directory, migrated, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "HUB_NEO4J_URI": f"bolt://127.0.0.1:{port}",
           "HUB_NEO4J_HOME": str(tmp_path / "neo4j"), "HUB_NEO4J_HEAP_MB": "768",
           "HUB_NEO4J_PAGECACHE_MB": "128"}
    try:
        started = hub(env, "db", "start")
        assert started.returncode == 0, started.stderr
        assert hub(env, "db", "migrate").returncode == 0
        driver = AsyncGraphDatabase.driver(
            env["HUB_NEO4J_URI"],
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        )
        graph = Graph(driver, settings.neo4j_database)
        try:
            yield env, graph
        finally:
            await graph.close()
    finally:
        hub(env, "db", "stop")


async def test_killing_neo4j_midway_then_loading_again_equals_a_clean_load(
    throwaway: tuple[dict[str, str], Graph], graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    env, other = throwaway
    rows = ROWS
    path = edu_file(tmp_path, rows, seed=21)
    clean = await clean_load(graph, settings, path)
    graph = other
    launcher = int((Path(env["HUB_NEO4J_HOME"]) / "launcher.pid").read_text())
    proc = ingest(env, path)
    try:
        await kill_midway(graph, rows, lambda: os.kill(launcher, signal.SIGKILL), proc)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 1  # the driver logs its own traces; the command ends in one line
    assert err.strip().splitlines()[-1].startswith("错误 error: 数据库不可达 database unreachable")

    restarted = hub(env, "db", "start")  # recovers the store from its transaction log
    assert restarted.returncode == 0, restarted.stderr
    assert int((Path(env["HUB_NEO4J_HOME"]) / "launcher.pid").read_text()) != launcher
    left = await placements(graph)
    assert left < rows and left % 2000 == 0

    finished(ingest(env, path))
    assert await canonical(graph) == clean

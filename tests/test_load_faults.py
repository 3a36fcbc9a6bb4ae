"""The short load-and-fault run (issue 17): three real hub processes under eight department
systems while Neo4j is killed and restarted, a hub is killed and restarted, a journal's disk
fills and Neo4j is slowed — then every answer's audit event is in the verified chain, every
acknowledged write is in the graph, and every failure carried a code.

It kills its database, so it has one of its own (a fresh data directory on a free port), never
the session's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools import bench_load
from hub import localdb, migrate
from hub.graph import Graph
from hub.settings import Settings
from tests.processes import free_port


@pytest.fixture
def own_database(settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    port = free_port()
    conf = settings.model_copy(update={
        "neo4j_uri": f"bolt://127.0.0.1:{port}", "neo4j_home": tmp_path / "neo4j",
        "neo4j_heap_mb": 512, "neo4j_pagecache_mb": 128,
        "keys_dir": tmp_path / "keys", "audit_signing_key_file": tmp_path / "audit.pem"})
    localdb.start(conf)
    try:
        yield conf
    finally:
        localdb.stop(conf)


def test_faults_lose_no_audit_event_and_no_acknowledged_write(own_database: Settings) -> None:
    async def scenario() -> dict[str, object]:
        graph = Graph.connect(own_database)
        try:
            await migrate.migrate(graph)
        finally:
            await graph.close()
        return await bench_load.run(own_database, clients_count=8, seconds=45, processes=3,
                                    children=120, faults=True, say=print)

    result = asyncio.run(scenario())
    print(result)
    invariant = result["invariant"]
    assert isinstance(invariant, dict)
    assert invariant["auditChainVerified"], invariant["auditProblem"]
    assert invariant["answersNamingAnEvent"] > 100
    assert invariant["answersMissingFromChain"] == 0
    assert invariant["answersInChainTwice"] == 0
    assert invariant["answered200WithoutEvent"] == 0
    assert invariant["acknowledgedWrites"] > 0
    assert invariant["acknowledgedWritesLost"] == 0
    assert invariant["duplicateWrites"] == 0
    assert result["uncodedFailures"] == 0, result["answersByCode"]
    faults = {f["fault"]: f for f in result["faults"]}  # type: ignore[attr-defined]
    assert set(faults) == {"neo4j-kill", "hub-kill", "journal-disk-full", "neo4j-slowed"}
    # Neo4j gone: every hub said so on /readyz, and service came back after it.
    assert faults["neo4j-kill"]["readyzWhileDown"] == [503, 503, 503]
    assert 0 <= faults["neo4j-kill"]["serviceBackSecondsAfterNeo4jStart"] <= 30
    assert faults["hub-kill"]["restartSeconds"] > 0
    # The journal's disk full: that process refused (fail closed) once its room was used.
    full = faults["journal-disk-full"]
    if "skipped" not in full:  # mounting the small disk needs root
        assert full["firstRefusalSeconds"] is not None, full
        assert any(code.startswith("503 AUDIT_UNAVAILABLE") for code in full["answersDuring"]), full
    codes = result["answersByCode"]
    assert isinstance(codes, dict) and any(code.startswith("503 ") for code in codes)

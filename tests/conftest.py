"""One real Neo4j per test session (started by the project itself), a clean graph per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest

# The test database has its own port and data directory, apart from `make run`'s.
os.environ.setdefault("HUB_ENV", "test")
os.environ.setdefault("HUB_NEO4J_URI", "bolt://127.0.0.1:7688")
os.environ.setdefault("HUB_NEO4J_HOME", "var/neo4j-test")
os.environ.setdefault("HUB_NEO4J_HEAP_MB", "1024")
os.environ.setdefault("HUB_NEO4J_PAGECACHE_MB", "256")
# The tests' HTTP clients call http://hub (tests/auth_helpers.py): the console's sign-in redirect
# is checked against the issuer's origin, so the issuer is that too.
os.environ.setdefault("HUB_ISSUER", "http://hub")
# A journal of the session's own: a `make run` hub's unshipped events must not be recovered into
# the test database, nor the tests' into the demo's.
os.environ.setdefault("HUB_AUDIT_JOURNAL_DIR", tempfile.mkdtemp(prefix="hub-audit-journal-"))

from hub import localdb, migrate
from hub.graph import Graph
from hub.settings import Settings, load_settings


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def neo4j_server(settings: Settings) -> Iterator[localdb.Status]:
    """Starts the test database unless `make test` already did; stops it only if it started it."""
    started_here = not localdb.status(settings).running
    status = localdb.start(settings)
    yield status
    if started_here:
        localdb.stop(settings)


@pytest.fixture(scope="session")
async def session_graph(
    neo4j_server: localdb.Status, settings: Settings
) -> AsyncIterator[Graph]:
    graph = Graph.connect(settings)
    await migrate.migrate(graph)
    yield graph
    await graph.close()


@pytest.fixture
async def graph(session_graph: Graph) -> Graph:
    """The session's graph, emptied of data (migrations stay)."""
    await session_graph.empty()
    return session_graph


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The schema walk's counts (tests/test_schema_walk.py), whenever it ran."""
    import sys

    walk = sys.modules.get("tests.test_schema_walk")
    stats = getattr(walk, "STATS", None)
    if stats:
        terminalreporter.write_line(
            "schema walk 模式遍历: " + ", ".join(f"{k} {v}" for k, v in stats.items()))

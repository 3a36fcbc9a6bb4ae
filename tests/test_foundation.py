"""The foundation: settings, migrations, the app's health endpoints, on the real database."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hub import migrate
from hub.graph import Graph, counting
from hub.settings import Settings, SettingsError, load_settings
from shell.app import create_app


async def test_migrations_apply_once_and_are_recorded(graph: Graph, tmp_path: Path) -> None:
    (tmp_path / "0001_foundation.cypher").write_text(
        (migrate.MIGRATIONS_DIR / "0001_foundation.cypher").read_text()
    )
    (tmp_path / "0999_probe.cypher").write_text(
        "// a test migration\nCREATE INDEX probe_name IF NOT EXISTS FOR (p:Probe) ON (p.name);\n"
    )
    try:
        first = await migrate.migrate(graph, tmp_path)
        second = await migrate.migrate(graph, tmp_path)
        assert [m.version for m in first] == [999]
        assert second == []
        rows = await graph.run(
            "MATCH (m:Migration {version: 999}) RETURN m.name AS name, m.checksum AS checksum"
        )
        assert rows == [{"name": "probe", "checksum": first[0].checksum}]
        indexes = await graph.run("SHOW INDEXES YIELD name WHERE name = 'probe_name' RETURN name")
        assert indexes == [{"name": "probe_name"}]
    finally:
        await graph.autocommit("DROP INDEX probe_name IF EXISTS")
        await graph.write("MATCH (m:Migration {version: 999}) DELETE m")


async def test_repo_migrations_are_all_applied(graph: Graph) -> None:
    assert await migrate.applied_version(graph) == migrate.latest_version()
    assert await migrate.pending(graph) == []
    assert await migrate.migrate(graph) == []


async def test_a_lower_version_landing_late_is_still_applied(
    graph: Graph, tmp_path: Path
) -> None:
    for migration in migrate.MIGRATIONS_DIR.glob("*.cypher"):
        (tmp_path / migration.name).write_text(migration.read_text())
    (tmp_path / "0998_late.cypher").write_text(
        "CREATE INDEX late_probe IF NOT EXISTS FOR (p:LateProbe) ON (p.name);"
    )
    await graph.write("MERGE (:Migration {version: 999, name: 'newer', checksum: 'x'})")
    try:
        assert [m.version for m in await migrate.migrate(graph, tmp_path)] == [998]
    finally:
        await graph.autocommit("DROP INDEX late_probe IF EXISTS")
        await graph.write("MATCH (m:Migration) WHERE m.version IN [998, 999] DELETE m")


def test_migration_file_names_are_checked(tmp_path: Path) -> None:
    (tmp_path / "first.cypher").write_text("RETURN 1;")
    with pytest.raises(migrate.MigrationError, match="NNNN_name"):
        migrate.available(tmp_path)


async def test_reset_empties_data_but_keeps_migrations(graph: Graph) -> None:
    await graph.write("UNWIND range(1, 25) AS i CREATE (:Probe {i: i})")
    assert await graph.empty() == 25
    assert await graph.run("MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 0}]
    assert await migrate.applied_version(graph) == migrate.latest_version()


async def test_round_trips_are_counted(graph: Graph) -> None:
    async with counting() as trips:
        await graph.run("RETURN 1 AS one")
        await graph.run("RETURN 2 AS two")
    assert trips.count == 2


def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_NEO4J_URI", "http://example.org:7474")
    monkeypatch.setenv("HUB_PORT", "not-a-port")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "HUB_NEO4J_URI: must be a bolt:// or neo4j:// URI" in str(error.value)
    assert "HUB_PORT" in str(error.value)


def test_production_refuses_the_demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENV", "prod")
    monkeypatch.delenv("HUB_NEO4J_PASSWORD", raising=False)
    with pytest.raises(SettingsError, match=r"HUB_NEO4J_PASSWORD.*must be set in production"):
        load_settings()


async def _get(settings: Settings, path: str) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            return await client.get(path, headers={"X-Request-ID": "probe-1"})


async def test_healthz_and_readyz_with_the_database_up(graph: Graph, settings: Settings) -> None:
    health = await _get(settings, "/healthz")
    assert health.status_code == 200
    assert health.headers["x-request-id"] == "probe-1"
    ready = await _get(settings, "/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"


async def test_readyz_is_503_while_the_database_is_down(settings: Settings) -> None:
    unreachable = settings.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:1"})
    assert (await _get(unreachable, "/healthz")).status_code == 200
    ready = await _get(unreachable, "/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "reason": "database unreachable"}


async def test_graphiql_only_in_dev(graph: Graph, settings: Settings) -> None:
    html = {"Accept": "text/html"}
    for env, expected in (("dev", 200), ("test", 404)):
        app = create_app(settings.model_copy(update={"env": env}))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            response = await client.get("/graphql", headers=html)
        assert response.status_code == expected, env

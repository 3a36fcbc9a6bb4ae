"""Production starts as the README says: `hub secrets init`, then Compose's environment for the
hub service is enough for `hub serve` in HUB_ENV=prod (Docker cannot run here, so the test
builds that environment from docker-compose.yml and the Dockerfile itself)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from neo4j import GraphDatabase

from hub import envfile
from hub.settings import Settings
from tests.compose import (
    ROOT,
    MissingVariable,
    image_environment,
    interpolate,
    service_environment,
)
from tests.processes import free_port, wait_ready

HUB = [sys.executable, "-m", "shell"]
COMPOSE_USER = "hub_compose_test"


def secrets_init(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(directory)}  # no settings needed
    return subprocess.run([*HUB, "secrets", "init", *args], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_interpolation_as_compose_does() -> None:
    env = {"A": "a", "EMPTY": ""}
    assert interpolate("${A:-x}/${B:-x}/${EMPTY:-x}/${EMPTY-x}/$$A/$A", env) == "a/x/x//$A/a"
    with pytest.raises(MissingVariable):
        interpolate("${EMPTY:?say}", env)
    assert interpolate("${EMPTY?say}", env) == ""


def test_secrets_init_writes_fresh_private_values(tmp_path: Path) -> None:
    done = secrets_init(tmp_path, "--issuer", "https://hub.example.cn/")
    assert done.returncode == 0, done.stderr
    path = tmp_path / ".env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = envfile.read(path)
    assert set(first) == {*envfile.SECRETS, "HUB_ISSUER"}
    assert first["HUB_ISSUER"] == "https://hub.example.cn"
    # Production accepts every value as it is written.
    Settings(env="prod", **{k.removeprefix("HUB_").lower(): v for k, v in first.items()})

    again = secrets_init(tmp_path, "--issuer", "https://hub.example.cn")
    assert again.returncode == 2 and "--force" in again.stderr
    assert envfile.read(path) == first  # untouched
    forced = secrets_init(tmp_path, "--force", "--issuer", "https://hub.example.cn")
    assert forced.returncode == 0, forced.stderr
    second = envfile.read(path)
    assert all(second[name] != first[name] for name in envfile.SECRETS)  # fresh each time
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secrets_init(tmp_path, "--force", "--issuer", "hub.example.cn").returncode == 2
    # Production would refuse these at start (hub.settings.issuer_problem): refused here too.
    for unfit in ("http://hub.example.cn", "https://127.0.0.1:8000"):
        refused = secrets_init(tmp_path, "--force", "--issuer", unfit)
        assert refused.returncode == 2 and "HUB_ISSUER" in refused.stderr


def test_example_and_gitignore_match_what_init_writes() -> None:
    example = envfile.read(ROOT / ".env.example")
    assert set(example) == {*envfile.SECRETS, "HUB_ISSUER"}
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    # Every secret production requires is demanded by the Compose file (${NAME:?…}).
    compose = (ROOT / "docker-compose.yml").read_text()
    for name in [*envfile.SECRETS, "HUB_ISSUER"]:
        assert f"{name}: ${{{name}:?" in compose
    with pytest.raises(MissingVariable, match="hub secrets init"):
        service_environment("hub", {})


@pytest.fixture
def compose_user(neo4j_server: object, settings: Settings, tmp_path: Path
                 ) -> Iterator[dict[str, str]]:
    """The .env `hub secrets init` wrote, and a user of the test Neo4j with its password (the
    test server keeps its own; production refuses the demo password the tests use)."""
    assert secrets_init(tmp_path, "--issuer", "https://hub.example.cn").returncode == 0
    dotenv = envfile.read(tmp_path / ".env")
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        driver.execute_query(
            "CREATE OR REPLACE USER $name SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
            name=COMPOSE_USER, password=dotenv["HUB_NEO4J_PASSWORD"], database_="system")
        try:
            yield dotenv
        finally:
            driver.execute_query("DROP USER $name IF EXISTS", name=COMPOSE_USER,
                                 database_="system")


def test_hub_starts_in_prod_with_compose_environment(
    compose_user: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    given = {**image_environment(), **service_environment("hub", compose_user)}
    assert given["HUB_ENV"] == "prod"
    port = free_port()
    # Only where Neo4j is (the compose network's `neo4j` host is not here) and who connects;
    # the port stands for the container's published one. The password is the .env's.
    env = {**given, "HUB_NEO4J_URI": settings.neo4j_uri, "HUB_NEO4J_USER": COMPOSE_USER,
           "HUB_HOST": "127.0.0.1", "HUB_PORT": str(port),
           "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    work = tmp_path / "app"  # the image's /app: var/ (keys, audit journal) lives here
    work.mkdir()
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        server = subprocess.Popen([*HUB, "serve"], cwd=work, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, server, log)
            jwks = httpx.get(f"{base}/.well-known/openid-configuration", timeout=5)
            assert jwks.status_code == 200
            assert jwks.json()["issuer"] == compose_user["HUB_ISSUER"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "must be set in production" not in log.read_text()

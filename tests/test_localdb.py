"""`hub db start/stop/status/reset` on a second, throw-away Neo4j (its own port and directory)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import localdb

HUB = [sys.executable, "-m", "shell"]


def hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HUB, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def lifecycle_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {
        **os.environ,
        "HUB_ENV": "test",
        "HUB_NEO4J_URI": f"bolt://127.0.0.1:{free_port()}",
        "HUB_NEO4J_HOME": str(tmp_path / "neo4j"),
        "HUB_NEO4J_HEAP_MB": "512",
        "HUB_NEO4J_PAGECACHE_MB": "64",
    }
    yield env
    hub(env, "db", "stop")


def test_start_twice_status_reset_stop(lifecycle_env: dict[str, str]) -> None:
    assert hub(lifecycle_env, "db", "status").returncode == 3

    first = hub(lifecycle_env, "db", "start")
    assert first.returncode == 0, first.stderr
    assert lifecycle_env["HUB_NEO4J_URI"] in first.stdout
    pid = int((Path(lifecycle_env["HUB_NEO4J_HOME"]) / "launcher.pid").read_text())

    again = hub(lifecycle_env, "db", "start")
    assert again.returncode == 0
    assert "already running" in again.stdout
    assert f"pid {pid}" in again.stdout

    status = hub(lifecycle_env, "db", "status")
    assert status.returncode == 0 and "running" in status.stdout

    assert hub(lifecycle_env, "db", "migrate").returncode == 0
    assert hub(lifecycle_env, "db", "reset").returncode == 2  # without --yes nothing happens
    reset = hub(lifecycle_env, "db", "reset", "--yes")
    assert reset.returncode == 0 and "migrations kept" in reset.stdout

    stop = hub(lifecycle_env, "db", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert not localdb._is_launcher(pid)
    assert not Path(f"/proc/{pid}").exists() or b"Launcher" not in Path(
        f"/proc/{pid}/cmdline"
    ).read_bytes()
    assert hub(lifecycle_env, "db", "status").returncode == 3
    assert "was not running" in hub(lifecycle_env, "db", "stop").stdout


def test_port_taken_is_one_clear_line(lifecycle_env: dict[str, str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        env = {**lifecycle_env, "HUB_NEO4J_URI": f"bolt://127.0.0.1:{port}"}
        result = hub(env, "db", "start")
    assert result.returncode == 1
    assert f"port {port} is taken" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_java_says_what_to_install(lifecycle_env: dict[str, str], tmp_path: Path) -> None:
    env = {**lifecycle_env, "PATH": str(tmp_path)}  # neither java nor mvn
    result = hub(env, "db", "start")
    assert result.returncode == 1
    assert "install OpenJDK 17" in result.stderr


def test_bad_settings_stop_the_cli_with_the_variable_named(
    lifecycle_env: dict[str, str],
) -> None:
    result = hub({**lifecycle_env, "HUB_NEO4J_PAGECACHE_MB": "lots"}, "db", "status")
    assert result.returncode == 2
    assert "HUB_NEO4J_PAGECACHE_MB" in result.stderr
    assert "Traceback" not in result.stderr

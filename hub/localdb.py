"""The managed local Neo4j: a real Neo4j 5.26 Community in its own JVM, for machines without Docker.

``hub db start`` builds the launcher in ``deploy/neo4j`` with the machine's Maven (jars stay in the
local Maven cache), starts it detached with bounded heap and page cache, and waits until Bolt
answers with the configured credentials. The process id lives in ``<home>/launcher.pid``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from hub.settings import Settings

LAUNCHER_DIR = Path(__file__).resolve().parents[1] / "deploy" / "neo4j"
LAUNCHER_CLASS = "hub.neo4j.Launcher"
# What Neo4j's own server scripts pass to the JVM (netty and the page cache use these).
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dfile.encoding=UTF-8",
)


class LocalDbError(Exception):
    """A one-line reason the local database could not be started or stopped."""


@dataclass(frozen=True)
class Status:
    running: bool
    pid: int | None
    uri: str
    home: Path


def _home(settings: Settings) -> Path:
    return settings.neo4j_home.resolve()


def store_dir(settings: Settings) -> Path:
    """The local server's files of the hub's database (for the size a benchmark reports)."""
    return _home(settings) / "db" / "data" / "databases" / "neo4j"


def _pid_file(settings: Settings) -> Path:
    return _home(settings) / "launcher.pid"


def _log_file(settings: Settings) -> Path:
    return _home(settings) / "launcher.log"


def _uri(settings: Settings) -> str:
    return f"bolt://{settings.bolt_host}:{settings.bolt_port}"


def _is_launcher(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return LAUNCHER_CLASS.encode() in cmdline


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(_pid_file(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _is_launcher(pid) else None


def status(settings: Settings) -> Status:
    pid = _read_pid(settings)
    return Status(pid is not None, pid, _uri(settings), _home(settings))


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _require_tools() -> tuple[str, str]:
    java = shutil.which("java")
    if not java:
        raise LocalDbError(
            "Java not found on PATH: install OpenJDK 17 (Debian: apt-get install openjdk-17-jdk)"
        )
    version = subprocess.run(  # noqa: S603 - fixed argv
        [java, "-version"], capture_output=True, text=True, check=False
    ).stderr
    match = re.search(r'version "(\d+)', version)
    if not match or int(match.group(1)) < 17:
        raise LocalDbError("Java 17 or newer is needed: install OpenJDK 17")
    mvn = shutil.which("mvn")
    if not mvn:
        raise LocalDbError("Maven not found on PATH: install Maven 3.8+ (apt-get install maven)")
    return java, mvn


def _stale(built: Path) -> bool:
    if not built.exists():
        return True
    sources = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.glob("src/**/*.java")]
    return any(src.stat().st_mtime > built.stat().st_mtime for src in sources)


def build_launcher(mvn: str) -> Path:
    """Compiles the launcher once (and again only when its sources change)."""
    classpath = LAUNCHER_DIR / "target" / "classpath.txt"
    if _stale(classpath):
        done = subprocess.run(  # noqa: S603 - fixed argv
            [mvn, "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "package", "-DskipTests"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            raise LocalDbError("building the Neo4j launcher failed: " + " | ".join(tail))
    argfile = LAUNCHER_DIR / "target" / "java.args"
    cp = f"{LAUNCHER_DIR / 'target' / 'classes'}:{classpath.read_text().strip()}"
    argfile.write_text(f'-cp "{cp}"\n')
    return argfile


def _log_tail(settings: Settings, lines: int = 15) -> str:
    paths = [_log_file(settings), _home(settings) / "db" / "logs" / "debug.log"]
    for path in paths:
        if path.exists():
            text = path.read_text(errors="replace").strip().splitlines()
            if text:
                return f"\n--- {path} (last {lines} lines) ---\n" + "\n".join(text[-lines:])
    return ""


def _bolt_answers(settings: Settings) -> bool:
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    try:
        with GraphDatabase.driver(_uri(settings), auth=auth, connection_timeout=2) as driver:
            driver.verify_connectivity()
        return True
    except (ServiceUnavailable, AuthError, OSError):
        return False


def start(settings: Settings) -> Status:
    """Starts the database if it is not running; a second start is harmless."""
    current = status(settings)
    if current.running:
        return current
    java, mvn = _require_tools()
    host, port = settings.bolt_host, settings.bolt_port
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise LocalDbError(f"HUB_NEO4J_URI points at {host}: the local database runs on 127.0.0.1")
    if _port_in_use(host, port):
        raise LocalDbError(
            f"port {port} is taken by another program: stop it or set HUB_NEO4J_URI to another port"
        )
    argfile = build_launcher(mvn)
    home = _home(settings)
    home.mkdir(parents=True, exist_ok=True)
    heap = f"{settings.neo4j_heap_mb}m"
    argv = [java, f"-Xms{heap}", f"-Xmx{heap}", *JVM_FLAGS, f"@{argfile}", LAUNCHER_CLASS,
            str(home / "db"), host, str(port), str(settings.neo4j_pagecache_mb)]
    env = {**os.environ, "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value()}
    with _log_file(settings).open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )
    _pid_file(settings).write_text(str(process.pid))
    deadline = time.monotonic() + settings.neo4j_start_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _pid_file(settings).unlink(missing_ok=True)
            raise LocalDbError("Neo4j did not come up (exited)" + _log_tail(settings))
        if "READY" in _log_file(settings).read_text(errors="replace") and _bolt_answers(settings):
            return status(settings)
        time.sleep(0.5)
    _terminate(process.pid)
    _pid_file(settings).unlink(missing_ok=True)
    raise LocalDbError(
        f"Neo4j did not answer within {settings.neo4j_start_timeout_s} s" + _log_tail(settings)
    )


def _terminate(pid: int, timeout_s: float = 60.0) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            # Reap it if it is our child; otherwise just test whether it still exists.
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            if not _is_launcher(pid):
                return
        time.sleep(0.2)
    os.killpg(pid, signal.SIGKILL)


def stop(settings: Settings) -> bool:
    """Stops the database; returns False when it was not running."""
    pid = _read_pid(settings)
    _pid_file(settings).unlink(missing_ok=True)
    if pid is None:
        return False
    _terminate(pid)
    return True

"""Running the hub as a real server process in tests: a free port, and waiting until ready."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(port: int, keys: Path, audit: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``hub serve`` under test: this process's (the test database), a
    loopback port, its own signing keys and audit files, quiet logs; ``extra`` on top."""
    return {**os.environ, "HUB_PORT": str(port), "HUB_HOST": "127.0.0.1",
            "HUB_KEYS_DIR": str(keys),
            "HUB_AUDIT_SIGNING_KEY_FILE": str(audit / "ed25519.pem"),
            "HUB_AUDIT_JOURNAL_DIR": str(audit / "journal"),
            "HUB_LOG_LEVEL": "WARNING", **extra}


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path,
               seconds: float = 60) -> None:
    """Returns once ``/readyz`` answers 200; RuntimeError with the server's log otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the hub did not start: " + log.read_text())
        time.sleep(0.3)

"""``hub serve``: one process, or N worker processes on one socket (uvicorn's supervisor).

Every worker builds its own app from the environment (``worker_app``) and dies with the
supervisor. What they share
lives outside them (docs/operations.md): rate-limit buckets and credential status in the graph,
signing keys in ``HUB_KEYS_DIR`` (re-read every few seconds), the audit chain's head in the
graph. Each keeps its own audit journal segments, locked while it lives, in the shared journal
folder; a worker that dies is replaced by the supervisor, and the replacement ships what the
dead one left (``audit/journal.py``).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from audit import signing
from auth.keys import KeyStore
from hub.settings import Settings

SUPERVISOR_VARIABLE = "HUB_SERVE_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity, lowered by a cgroup v2 quota (a
    container's ``cpus`` limit), at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def worker_count(requested: int | None, settings: Settings) -> int:
    """``--workers``, else ``HUB_WORKERS``; 0 (the default) is one per available core."""
    count = requested if requested is not None else settings.workers
    return count if count > 0 else available_cores()


def prepare_shared_files(settings: Settings) -> None:
    """The first signing key and the audit key, made once before the workers start: workers
    starting together on an empty folder would otherwise each make their own."""
    KeyStore(settings.keys_dir).ensure()
    if settings.audit_enabled:
        signing.load_or_create(settings.audit_signing_key_file)


def run(settings: Settings, workers: int, proxy: dict[str, Any]) -> None:
    import uvicorn

    common: dict[str, Any] = {"host": settings.host, "port": settings.port,
                              "access_log": False, "log_config": None, **proxy}
    if workers == 1:
        from shell.app import create_app

        uvicorn.run(create_app(settings), **common)
        return
    prepare_shared_files(settings)
    os.environ[SUPERVISOR_VARIABLE] = str(os.getpid())  # the workers inherit it
    # An import string: each worker process builds its own app (its own driver, journal).
    uvicorn.run("shell.serving:worker_app", factory=True, workers=workers, **common)


def worker_app() -> Starlette:
    """A worker's app, in the worker process (uvicorn calls it there)."""
    _die_with_supervisor()
    from shell.app import create_app

    return create_app()


def _die_with_supervisor() -> None:
    """A worker ends when its supervisor is killed (``kill -9``, the OOM killer): otherwise it
    would go on serving on the socket unsupervised, holding its journal segments locked so no
    restarted hub could ship them, and the restarted hub could not bind the port. Its
    unshipped events are then shipped by the next start, as after any crash (Linux only;
    elsewhere the process manager must stop the whole group)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    expected = os.environ.get(SUPERVISOR_VARIABLE)
    if expected is not None and os.getppid() != int(expected):
        os._exit(1)  # the supervisor was gone before the request to die with it was made

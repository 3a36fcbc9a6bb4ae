"""The graphql-http audit suite (npm ``graphql-http``, tests/http_audit/) against a real
``hub serve`` with a department's token: no MUST failure and no SHOULD warning.

The hub runs with introspection on for this test only: several of the suite's probes ask for
``__type(name: ...)`` and expect no error, which a hub with introspection off (production's
default, ``HUB_GRAPHQL_INTROSPECTION``) answers with a validation error. That is the
introspection policy, not GraphQL over HTTP, which is what this suite checks.

Skips only where npm is missing; `make test` installs the suite (`make http-audit-deps`), and
without its node_modules the test runs ``npm ci`` itself and fails loudly if that fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import register, token_for
from tests.processes import free_port, serve_env, wait_ready

ROOT = Path(__file__).parent.parent
SUITE = Path(__file__).parent / "http_audit"

pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None,
    reason="npm 未安装 npm/node not found: the graphql-http audit suite (Node) cannot run")


def _installed() -> None:
    if (SUITE / "node_modules" / "graphql-http").exists():
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                          cwd=SUITE, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"npm ci in tests/http_audit failed:\n{done.stderr}"


async def test_graphql_http_audit_passes(graph: Graph, settings: Settings,
                                         tmp_path: Path) -> None:
    _installed()
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = serve_env(port, tmp_path / "keys", tmp_path / "audit", HUB_ISSUER=base,
                    HUB_GRAPHQL_INTROSPECTION="true")
    log = tmp_path / "hub.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "shell", "serve"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(base, server, log)
            async with httpx.AsyncClient(base_url=base) as client:
                token = await token_for(client, registered)
            run = subprocess.run(["node", "audit.mjs"], cwd=SUITE, capture_output=True,
                                 text=True, timeout=180, check=False,
                                 env={**os.environ, "HUB_URL": f"{base}/graphql",
                                      "HUB_TOKEN": token})
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{log.read_text()}"
    report = json.loads(run.stdout)
    print(json.dumps(report["counts"]))  # the figures for the docs
    failed = [f"{f['id']} {f['status']}: {f['name']} ({f['reason']}; HTTP {f['httpStatus']} "
              f"{f['body']})" for f in report["failed"] if f["status"] in ("error", "warn")]
    assert report["counts"]["error"] == 0 and report["counts"]["warn"] == 0, "\n".join(failed)
    assert report["counts"]["ok"] > 50, report["counts"]

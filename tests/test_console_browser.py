"""The console in a real browser: the hub serves the demo city on a free port, and a Node script
(console/browser/run.mjs, playwright-core) drives Debian's Chromium headless through it as a
resource-centre teacher, a supervisor and an auditor. Screenshots go to docs/screenshots/.

Skips, saying why, where Node, Chromium or the console's npm packages are missing
(`make test` installs them: `npm ci` in console/, Chromium from Debian's packages).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from auth import people
from auth.policy import default_policy
from devtools.demo.city import CITY_CODE
from devtools.demo.load import load_demo
from hub import names
from hub.graph import Graph
from hub.predicates import current_pupil
from hub.settings import Settings
from tests.processes import free_port, serve_env, wait_ready

ROOT = Path(__file__).parent.parent
CONSOLE = ROOT / "console"
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHILDREN = 150  # the demo city, small enough to load in a few seconds
PASSWORDS = {"staff": "staff-password-1", "supervisor": "super-password-1",
             "auditor": "audit-password-1"}


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the console's browser tests run playwright-core on Node)"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (make system-deps installs Debian's chromium)"
    if not (CONSOLE / "node_modules" / "playwright-core").exists():
        return "console/node_modules missing: run `npm ci` in console/ (make test does)"
    if not (CONSOLE / "static" / "vendor" / "echarts.min.js").exists():
        return "ECharts not copied into console/static/vendor: run `npm run build` in console/"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
async def console_hub(session_graph: Graph, settings: Settings,
                      tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, str]]:
    graph = session_graph
    await graph.empty()
    await load_demo(graph, settings, CHILDREN, 1)  # through its department files, as `make run`
    rows = await graph.run(
        "MATCH (rc:ResourceCenter)-[:SERVES]->(:School)<-[:AT]-"
        + current_pupil("p", ":Child") + " "
        "RETURN rc.id AS id, rc.regionCode AS region, count(*) AS n ORDER BY n DESC LIMIT 1")
    centre = rows[0]
    policy = default_policy()
    staff_id = await people.add_person(
        graph, policy, username="wang.li", password=PASSWORDS["staff"], department="EDU",
        region=centre["region"], roles=["resource-centre-staff"], works_at=[centre["id"]])
    await people.add_person(graph, policy, username="chen.sup", password=PASSWORDS["supervisor"],
                            department="EDU", region=CITY_CODE, roles=["supervisor"])
    await people.add_person(graph, policy, username="audit.zhao", password=PASSWORDS["auditor"],
                            department="EDU", region=CITY_CODE, roles=["auditor"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = tmp_path_factory.mktemp("console-hub")
    env = serve_env(port, work / "keys", work / "audit", HUB_ISSUER=base)
    log = (work / "hub.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "shell", "serve"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(base, server, work / "hub.log")
        yield {"base": base, "staff_id": staff_id, "log": str(work / "hub.log")}
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_console_in_chromium(console_hub: dict[str, str], tmp_path: Path) -> None:
    result_file = tmp_path / "result.json"
    env = {**os.environ, "HUB_BASE": console_hub["base"], "SHOT_DIR": str(SHOTS),
           "CHROMIUM": CHROMIUM, "RESULT_FILE": str(result_file),
           "STAFF_USER": "wang.li", "STAFF_PASSWORD": PASSWORDS["staff"],
           "STAFF_ID": console_hub["staff_id"],
           "SUPERVISOR_USER": "chen.sup", "SUPERVISOR_PASSWORD": PASSWORDS["supervisor"],
           "AUDITOR_USER": "audit.zhao", "AUDITOR_PASSWORD": PASSWORDS["auditor"],
           "REGION": CITY_CODE, "YEAR": "2025"}
    run = subprocess.run(["node", "browser/run.mjs"], cwd=CONSOLE, env=env, capture_output=True,
                         text=True, timeout=240, check=False)
    if not result_file.exists():
        pytest.fail(f"the browser script wrote nothing:\n{run.stdout}\n{run.stderr}")
    result: dict[str, Any] = json.loads(result_file.read_text())
    print(json.dumps({"page_ms": result["pages"]}, ensure_ascii=False))  # figures for the docs
    assert result["ok"], result.get("error")
    checks = result["checks"]
    # Staff: signed in through the form, found a child, read the timeline.
    assert checks["staffSignedIn"] and checks["wrongPasswordKeepsName"]
    assert checks["searchRows"] > 0 and checks["searchByName"]
    term = names.search_term(checks["searchTerm"])
    assert all(term in names.search_text(name) for name in checks["searchByName"])
    assert checks["timelineItems"] > 0 and checks["kindFilterHides"]
    # Grouped by school year, newest first: "2025–2026 学年" before "2024–2025 学年".
    years = [int(text[:4]) for text in checks["timelineYears"]]
    assert years and years == sorted(years, reverse=True) and len(set(years)) == len(years)
    # A masked field is shown as masked, never as a blank.
    assert checks["maskedBadges"] > 0 and checks["maskedNotBlank"]
    # The visit: refused with the message next to the field, nothing lost, then saved and shown.
    assert "课时" in checks["hoursError"] and checks["errorNextToField"] and checks["nothingLost"]
    assert checks["visitAppears"]
    # The supervisor's indicators: chart, the children behind a figure, the workbook.
    assert checks["indicatorRows"] > 10 and checks["chartDrawn"]
    assert checks["childrenBehind"] > 0 and checks["excelIsZip"]
    assert checks["chartLegendAndTooltip"] and "目标" in checks["tooltipText"]
    assert checks["definitions"] == checks["indicatorRows"] and checks["listExplained"]
    assert checks["backKeepsList"] == checks["childrenBehind"]
    assert checks["supervisorNoVisitButton"]
    assert checks["supervisorPurposes"] == ["SUPERVISION"]
    assert set(checks["staffPurposes"]) == {"SERVICE_DELIVERY", "TRANSITION_HANDOVER"}
    # At 320 px no page scrolls sideways, and the header stays compact.
    assert not any(checks["sideways320"].values()), checks["sideways320"]
    assert len(checks["sideways320"]) == 7
    assert checks["headerHeight320"] <= 110, checks["headerHeight320"]
    assert "行政区划代码" in checks["unknownRegionInPlace"] and checks["oldFiguresHidden"]
    # The auditor finds the visit in the log; the chain verifies; the report prints.
    assert checks["visitInLog"] >= 1
    assert checks["chain"].startswith("✓")
    assert checks["reportEntries"] > 0 and checks["printHidesChrome"]
    # Keyboard, language, accessibility, network.
    assert checks["skipLinkFirst"] and checks["skipLinkMovesFocus"] and checks["english"]
    serious = {page: found for page, found in result["axe"].items() if found}
    assert not serious, serious
    assert result["external"] == []
    assert not [e for e in result["consoleErrors"] if "/oauth/authorize" not in e]
    # Every page drawn within a second once the database has planned its queries.
    slow = {page: ms for page, ms in result["pages"].items()
            if page.endswith("-warm") and ms >= 1000}
    assert not slow, slow
    for name in ("signin", "search", "child", "visit-errors", "indicators", "audit", "report"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000, name

"""The console as its people read it (issue 15), in Chromium at 1366×768 and 390×844:
console/browser/people.mjs drives the hub of tests/test_console_browser.py (the demo city, its
staff, supervisor and auditor) and an education officer added here. Skips like that test."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from audit import signing
from audit.events import new_id
from audit.store import AuditLog
from auth import people
from auth.policy import default_policy
from devtools.demo.city import CITY_CODE
from hub import names
from hub.graph import Graph
from hub.predicates import current_pupil
from hub.settings import Settings
from tests.test_console_browser import (  # noqa: F401 (the fixture)
    CHROMIUM,
    CONSOLE,
    PASSWORDS,
    SHOTS,
    console_hub,
    pytestmark,
)
from tests.test_letter import event_rows

OFFICER_PASSWORD = "officer-password-1"


async def _facts(graph: Graph) -> dict[str, str]:
    """A child in the staff member's scope and the name of one outside it."""
    inside = await graph.run(
        "MATCH (:Person {username: 'wang.li'})-[:WORKS_AT]->(:ResourceCenter)-[:SERVES]->"
        "(:School)<-[:AT]-" + current_pupil("p", "c:Child") + " WHERE c.idMasked IS NOT NULL "
        "AND size(c.name) = 3 RETURN c.name AS name, c.idMasked AS masked ORDER BY c.id")
    names_inside = {r["name"] for r in inside}
    child = inside[0]
    outside = await graph.run("MATCH (c:Child) RETURN c.name AS name ORDER BY c.id")
    other = next(r["name"] for r in outside if r["name"] not in names_inside
                 and not any(r["name"][1:] in n for n in names_inside))
    born = await graph.run("MATCH (c:Child {name: $n}) RETURN c.id AS id, "
                           "toString(c.birthDate) AS born ORDER BY c.id", {"n": child["name"]})
    text = names.search_text(child["name"]).split(names.SEPARATOR)
    return {"CHILD_NAME": child["name"], "CHILD_GIVEN": child["name"][1:],
            "CHILD_PINYIN": text[1], "CHILD_INITIALS": text[2].upper(),
            "CHILD_ID_END": child["masked"][-4:], "OUTSIDE_NAME": other,
            "CHILD_BIRTH": born[0]["born"], "CHILD_KEY": born[0]["id"]}


@pytest.fixture(scope="module")
async def people_hub(console_hub: dict[str, str], session_graph: Graph,  # noqa: F811
                     settings: Settings) -> dict[str, str]:
    await people.add_person(session_graph, default_policy(), username="li.officer",
                            password=OFFICER_PASSWORD, department="EDU", region=CITY_CODE,
                            roles=["edu-officer"])
    await session_graph.write("MATCH (p:Person {username: 'wang.li'}) SET p.displayName = '王丽'")
    facts = await _facts(session_graph)
    staff = await session_graph.run("MATCH (p:Person {username: 'wang.li'}) RETURN p.id AS id")
    # Through the audit log's own append (chained and numbered like the hub's, the hub's
    # signing key for any checkpoint), so the chain still verifies on the auditor's page.
    key = signing.load_or_create(Path(console_hub["log"]).parent / "audit" / "ed25519.pem")
    log = AuditLog(session_graph, settings, key)
    rows = event_rows(str(staff[0]["id"]), 500, facts["CHILD_KEY"])
    for row in rows:
        for made in ("seq", "id", "hash"):
            row.pop(made)
        row["id"] = new_id()
    await asyncio.gather(*(log.append(row) for row in rows))
    return {**console_hub, **facts, "STAFF_NAME": "王丽"}


def _run(hub: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    result_file = tmp_path / "result.json"
    env = {**os.environ, **{k: v for k, v in hub.items() if k.isupper()},
           "HUB_BASE": hub["base"], "SHOT_DIR": str(SHOTS), "CHROMIUM": CHROMIUM,
           "RESULT_FILE": str(result_file),
           "STAFF_USER": "wang.li", "STAFF_PASSWORD": PASSWORDS["staff"],
           "OFFICER_USER": "li.officer", "OFFICER_PASSWORD": OFFICER_PASSWORD,
           "AUDITOR_USER": "audit.zhao", "AUDITOR_PASSWORD": PASSWORDS["auditor"]}
    run = subprocess.run(["node", "browser/people.mjs"], cwd=CONSOLE, env=env,
                         capture_output=True, text=True, timeout=400, check=False)
    if not result_file.exists():
        pytest.fail(f"the browser script wrote nothing:\n{run.stdout}\n{run.stderr}")
    result: dict[str, Any] = json.loads(result_file.read_text())
    print(json.dumps({"page_ms": result["pages"]}, ensure_ascii=False))
    return result


def test_people_read_the_console_at_desk_and_on_a_phone(people_hub: dict[str, str],
                                                        tmp_path: Path) -> None:
    result = _run(people_hub, tmp_path)
    assert result["ok"], result.get("error")
    name = people_hub["CHILD_NAME"]
    for kind in ("desktop", "phone"):
        c = result["checks"][f"staff-{kind}"]
        # Found by the given name alone, by pinyin, by initials, by the last four ID characters.
        for how in ("byGivenName", "byPinyin", "byInitials", "byIdEnd"):
            assert name in c[how]["names"], (kind, how, c[how])
            assert c[how]["count"] and c[how]["tableShown"], (kind, how)
        # A child outside the centre's scope is not found, and the page says what to try.
        assert c["outOfScope"]["names"] == [] and c["outOfScope"]["empty"], kind
        assert c["nothing"]["empty"] and not c["nothing"]["tableShown"]
        assert "拼音" in c["nothing"]["emptyText"] and "后四位" in c["nothing"]["emptyText"]
        assert c["nothing"]["count"] == ""  # no stale count above an empty answer
        # Seven digits: refused next to the field, and the old count is gone.
        assert "后四位" in c["longDigits"]["error"] and c["longDigits"]["count"] == ""
        # This role may not search by the whole ID number: the field is not offered.
        assert c["wholeIdFieldHidden"] and c["rowsAfterEmpty"] > 0
        assert not c["sideways"] and not c["sidewaysWithResults"], kind
        # The timeline: newest first, a toggle (kept in the URL), a department filter, names.
        assert c["newestFirst"] and c["orderPressed"] == "false", kind
        assert c["toggleReverses"] and c["orderInUrl"] and c["deptFilterHides"], kind
        assert c["deptNames"] and c["headerNoCodes"] and not c["sidewaysChild"], kind
        o = result["checks"][f"officer-{kind}"]
        assert o["serviceIdHidden"] and "安置评估" in o["hint"] and o["assessmentIdShown"]
    # On the phone a result is a card: its name line spans the card, not one character a line.
    assert result["checks"]["staff-phone"]["cardWidth"] > 300
    for kind in ("desktop", "phone"):
        a = result["checks"][f"auditor-{kind}"]
        assert a["landedOnLog"] and a["chainOk"], kind
        # People by name and user name, purposes and operations in words, reads marked.
        assert a["personNamed"] and a["noInternalIds"] and a["noPurposeCodes"], (kind, a)
        assert a["plainOperation"] and a["readsMarked"] > 0, kind
        # The refused sign-in is the same person as the API calls, and filtering finds both.
        assert a["refusedSignInNamed"], kind
        assert a["personFilterOneIdentity"] and a["personFilterHasSignIn"], kind
        # A child by name, told apart by birth date; an unknown name or id says so.
        assert a["unknownSaysSo"] and a["namesakeShowsBirth"] and a["unknownIdSaysSo"], kind
        # The letter: the child named, grouped lines, no field paths, one language.
        assert a["letterNamesChild"] and 0 < a["letterGroups"] <= 30, (kind, a["letterGroups"])
        assert a["letterNoPaths"] and a["letterOneLanguage"], kind
        assert "共" in a["letterSummary"] and not a["sideways"] and not a["sidewaysLetter"]
    desktop = result["checks"]["auditor-desktop"]
    # 500 accesses print on a few A4 pages (one row per request printed 44 pages for 105).
    assert 1 <= desktop["pdfPages"] <= 6, desktop["pdfPages"]
    assert desktop["englishLetter"]
    serious = {page: found for page, found in result["axe"].items() if found}
    assert not serious, serious
    # The sign-in redirect's 401 is the browser's own console line, not a script's error.
    assert result["external"] == []
    assert not [e for e in result["consoleErrors"] if "/oauth/authorize" not in e]
    slow = {page: ms for page, ms in result["pages"].items()
            if page.endswith("-warm") and ms >= 1000}
    assert not slow, slow

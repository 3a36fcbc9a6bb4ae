"""The demo city: deterministic generation, its department files, and a load through those files
and the recording services only (devtools/demo)."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric, uscc
from typer.testing import CliRunner

from connectors.sources import SOURCES
from devtools.demo import city as demo
from devtools.demo.city import LEFT, TODAY, City, generate, snapshot_day
from devtools.demo.exports import ExportFile, export_files, write_files
from devtools.demo.load import Loaded, load_city
from hub import regions
from hub.graph import Graph
from hub.indicators import SchoolYear, compute
from hub.indicators.common import BANDS
from hub.predicates import OPEN_PLACEMENT
from hub.settings import Settings
from hub.vocabulary import Stage
from hub.workflows import check_dropout

CHILDREN = 300
SEED = 11
COMPULSORY = ("PRIMARY", "JUNIOR")
# Placement-type shares among compulsory-stage pupils (DOMAIN.md), with the tolerance a
# few hundred children allow; the generator hands types out by quota, so they sit close.
SHARES = {
    "REGULAR_CLASS": (0.50, 0.56),
    "SPECIAL_CLASS": (0.08, 0.12),
    "SPECIAL_SCHOOL": (0.27, 0.33),
    "HOME_DELIVERY": (0.03, 0.06),
    "WELFARE_CLASS": (0.0, 0.02),
}
FILE_SOURCES = set(SOURCES) - {"schools"}  # the sources that carry facts
ANY_18 = re.compile(r"(?=([0-9]{17}[0-9X]))")  # every 18-character window, overlapping
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


@cache
def city() -> City:
    return generate(CHILDREN, SEED)


@cache
def files() -> tuple[ExportFile, ...]:
    return tuple(export_files(city()))


def age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def check_shares(types: Counter[str]) -> None:
    total = sum(types.values())
    assert total > 100
    for kind, (low, high) in SHARES.items():
        assert low <= types[kind] / total <= high, (kind, types[kind], total)


# --- generation and files (no database) ------------------------------------------------------


def test_generate_is_deterministic() -> None:
    assert generate(CHILDREN, SEED) == city()
    other = generate(CHILDREN, SEED + 1)
    assert other != city()
    assert [c.name for c in other.children] != [c.name for c in city().children]


def test_id_numbers_are_valid_and_match_the_child() -> None:
    numbers = [child.id_number for child in city().children]
    assert len(set(numbers)) == len(numbers)
    for child in city().children:
        number = child.id_number
        assert ric.is_valid(number), number
        assert ric.get_birth_date(number) == child.birth_date
        assert (int(number[16]) % 2 == 1) == (child.sex == "M")
        place = regions.lookup(number[:6])
        assert place is not None and place.prefecture == "长治市"
        assert number[:6] == child.region_code or (
            number[:6] in demo.PREDECESSORS.get(child.region_code, ())
        )
        assert 0 <= age(child.birth_date) <= 17
        if age(child.birth_date) < 3:
            assert child.mother_id_number and ric.is_valid(child.mother_id_number)
            assert child.mother_name
    retired = sum(child.id_number.startswith("140421") for child in city().children)
    assert 0.02 <= retired / CHILDREN <= 0.09


def test_generated_placements_follow_the_ladder() -> None:
    current = {s.child: s for s in city().stints if s.ending is None}
    check_shares(Counter(s.kind for s in current.values() if s.stage in COMPULSORY))
    school_age = [c for c in city().children if 6 <= age(c.birth_date) <= 14]
    not_enrolled = sum(c.key not in current for c in school_age) / len(school_age)
    assert 0.015 <= not_enrolled <= 0.035
    assert len(current) == sum(s.ending is None for s in city().stints)  # one each
    assert 15 <= (len(city().facts) + len(city().stints)) / CHILDREN <= 25  # ≈ 20 a child


def test_every_record_is_on_the_childs_timeline() -> None:
    born = {child.key: child.birth_date for child in city().children}
    assert set(city().fact_counts()) == {
        "DisabilityCertificate", "Screening", "Assessment", "Placement", "ServiceSession",
        "Plan", "Transition", "DropoutCase", "WelfareStatus", "DeviceFitting"}
    for fact in city().facts:
        assert born[fact.child] <= fact.date <= TODAY, fact
    for stint in city().stints:
        assert born[stint.child] < stint.start <= TODAY
        assert len(stint.class_names) == stint.last_year - stint.first_year + 1


def test_files_are_the_seven_sources_in_the_departments_formats(tmp_path: Path) -> None:
    found = list(files())
    assert {f.source for f in found} == set(SOURCES)
    snapshots = [f for f in found if f.source == "edu-status"]
    # One complete snapshot per school year of the city's history, on the year's first day.
    assert [f.as_of for f in snapshots] == [snapshot_day(y) for y in city().snapshot_years]
    assert snapshots[-1].as_of == TODAY and len(snapshots) >= 10
    paths = {f.name: p for f, p in zip(found, write_files(tmp_path, found), strict=True)}
    assert paths[snapshots[0].name].read_bytes().decode("gbk").startswith("姓名,")
    assert paths["schools.csv"].read_bytes().decode("gb18030").startswith("学校标识码,")
    assert paths["health-screening.csv"].read_bytes().startswith(codecs.BOM_UTF8)
    assert paths["dpf-certificates.xlsx"].suffix == ".xlsx"
    assert all(f.rows for f in found)
    rows = {f.source: f.rows for f in found if f.source != "edu-status"}
    # The register: types incl. SPECIAL, resource rooms, special classes, who guides whom.
    register = rows["schools"]
    types = {r["办学类型"] for r in register}
    assert {"特殊教育学校", "小学", "初级中学", "高级中学", "幼儿园"} <= types
    assert {"有", "无"} == {r["资源教室"] for r in register}
    assert any(r["特教班数"] for r in register)
    hosts = {r["学校标识码"] for r in register if r["是否资源中心"] == "是"}
    assert {r["指导资源中心"] for r in register} - {None} <= hosts
    # Newborns screened before their ID number: named after the mother, with her ID.
    newborns = [r for r in rows["health-screening"] if r["儿童身份证号"] is None]
    assert newborns and all(str(r["儿童姓名"]).endswith(("之子", "之女")) and r["母亲身份证号"]
                            and str(r["儿童姓名"]).startswith(str(r["母亲姓名"]))
                            for r in newborns)
    assert all(uscc.is_valid(str(r["机构代码"])) for r in rows["rehab-sessions"])


def test_snapshots_show_moves_and_leavers() -> None:
    snapshots = {f.as_of: f.rows for f in files() if f.source == "edu-status"}
    by_child = {c.key: c for c in city().children}
    moved = 0
    for stint in city().stints:
        if stint.ending is None or stint.kind == "WELFARE_CLASS":
            continue
        year = stint.last_year + 1
        number = f"G{by_child[stint.child].id_number}"
        rows = [r for r in snapshots[snapshot_day(year)] if r["学籍号"] == number]
        at_school = [r for r in rows if r["学校标识码"] == stint.school
                     and r["学段"] == Stage(stint.stage).label]
        if stint.ending == LEFT:  # stopped coming: missing from the school's next roll ...
            assert not at_school
            # ... which lists others, so the hub can see the pupil is gone.
            assert any(r["学校标识码"] == stint.school for r in snapshots[snapshot_day(year)])
            continue
        assert [r["学籍状态"] for r in at_school] == [
            {"GRADUATED": "毕业", "TRANSFERRED": "转出", "DROPPED_OUT": "辍学"}[stint.ending]]
        following = [s for s in city().stints if s.child == stint.child
                     and s.first_year == year and s.kind != "WELFARE_CLASS"]
        if following:  # the same day, at the new school
            moved += 1
            assert any(r["学校标识码"] == following[0].school and r["学籍状态"] == "在读"
                       for r in rows)
    assert moved > 50


# --- the city loaded through its files (real database) -----------------------------------------


@pytest.fixture(scope="module")
async def loaded(session_graph: Graph, settings: Settings,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Loaded]:
    await session_graph.empty()
    yield await load_city(session_graph, city(), settings, tmp_path_factory.mktemp("demo"))
    await session_graph.empty()


async def count(graph: Graph, cypher: Any, params: dict[str, Any] | None = None) -> int:
    rows = await graph.run(cypher, params)
    return int(rows[0]["n"])


async def test_every_row_loads(loaded: Loaded) -> None:
    assert [r.rejected for r in loaded.reports] == [0] * len(loaded.reports), [
        r.rejects[:2] for r in loaded.reports if r.rejected]
    assert sum(r.source == "edu-status" for r in loaded.reports) == len(city().snapshot_years)
    assert sum(len(r.warnings) for r in loaded.reports) > 0  # a few empty 入学日期
    assert loaded.records["recordAssessment"] == city().fact_counts()["Assessment"]
    assert set(loaded.seconds) >= {"edu-status", "api", *SOURCES}


async def test_facts_come_from_department_files_or_the_api(
    session_graph: Graph, loaded: Loaded
) -> None:
    rows = await session_graph.run("MATCH (f:Fact) RETURN f.source AS s, count(*) AS n")
    sources = {r["s"]: r["n"] for r in rows}
    assert set(sources) == FILE_SOURCES | {"api"}
    rows = await session_graph.run(
        "MATCH (:Child)-[:HAS_FACT]->(f:Fact) "
        "UNWIND [l IN labels(f) WHERE NOT l IN ['Fact', $open]] AS kind "
        "RETURN kind, count(*) AS n", {"open": OPEN_PLACEMENT})
    counts = {row["kind"]: row["n"] for row in rows}
    expected = city().fact_counts()
    # placeChild records a transition of its own for each later welfare-class placement.
    welfare_moves = sum(s.kind == "WELFARE_CLASS" for s in city().stints) - len(
        {s.child for s in city().stints if s.kind == "WELFARE_CLASS"})
    expected["Transition"] += welfare_moves
    assert counts == dict(expected)
    assert await count(session_graph, "MATCH (f:Fact) WHERE f.recordedBy IS NULL "
                       "OR f.sourceRef IS NULL OR f.date IS NULL OR f.recordedAt IS NULL "
                       "OR f.recordedIn IS NULL "
                       # edu-status refs go on with school, stage and type; a fitting's is #device
                       "OR NOT f.sourceRef STARTS WITH f.source + '/' + f.sourceKey "
                       "RETURN count(f) AS n") == 0


async def test_children_and_organisations_come_from_files(
    session_graph: Graph, loaded: Loaded
) -> None:
    graph = session_graph
    assert await count(graph, "MATCH (c:Child) RETURN count(c) AS n") == len(city().on_file)
    assert await count(graph, "MATCH (c:Child) WHERE NOT EXISTS { (c)-[:HAS_FACT]->(f:Fact) "
                       "WHERE f.source IN $files } RETURN count(c) AS n",
                       {"files": sorted(FILE_SOURCES)}) == 0
    assert await count(graph, "MATCH (c:Child) WHERE NOT (c)-[:LIVES_IN]->(:Region) "
                       "RETURN count(c) AS n") == 0
    assert await count(graph, "MATCH (d:DuplicateCandidate) RETURN count(d) AS n") == 0
    rows = await graph.run(
        "MATCH (o:Organisation) UNWIND [l IN labels(o) WHERE l <> 'Organisation'] AS kind "
        "RETURN kind, count(*) AS n, count(o.code) AS coded")
    kinds = {r["kind"]: (r["n"], r["coded"]) for r in rows}
    hosts = sum(s.hosts_centre for s in city().schools)
    assert kinds == {
        "School": (len(city().schools),) * 2, "ResourceCenter": (hosts, hosts),
        "RehabInstitution": (len(city().rehab_institutions),) * 2, "WelfareInstitution": (1, 1),
        # The one kind no file carries: reference data, one per county.
        "ExpertCommittee": (len(demo.county_codes()), 0),
    }
    assert await count(graph, "MATCH (s:School) WHERE NOT s.registered OR s.schoolType IS NULL "
                       "RETURN count(s) AS n") == 0
    assert await count(graph, "MATCH (o:Organisation) WHERE NOT (o)-[:IN_REGION]->(:Region) "
                       "RETURN count(o) AS n") == 0


async def test_placements_follow_the_snapshots(session_graph: Graph, loaded: Loaded) -> None:
    graph = session_graph
    assert await count(graph, "MATCH (p:Placement) RETURN count(p) AS n") == len(city().stints)
    assert await count(graph, "MATCH (c:Child)-[:HAS_FACT]->(p:Placement) "
                       "WHERE p.endDate IS NULL WITH c, count(p) AS open WHERE open > 1 "
                       "RETURN count(c) AS n") == 0
    # A current placement from the school roll sits in this year's class.
    assert await count(graph, "MATCH (p:Placement {source: 'edu-status'}) "
                       "WHERE p.endDate IS NULL AND NOT "
                       "((p)-[:AT]->(:School)-[:HAS_CLASS]->(:SchoolClass {schoolYear: $year})"
                       "<-[:IN_CLASS]-(p)) RETURN count(p) AS n", {"year": TODAY.year}) == 0
    rows = await graph.run("MATCH (p:Placement) WHERE p.endDate IS NULL AND p.stage IN $stages "
                           "RETURN p.type AS type, count(*) AS n", {"stages": list(COMPULSORY)})
    check_shares(Counter({row["type"]: row["n"] for row in rows}))
    ended = Counter(s.ending for s in city().stints
                    if s.ending is not None and s.kind != "WELFARE_CLASS")
    rows = await graph.run("MATCH (p:Placement) WHERE p.endDate IS NOT NULL "
                           "RETURN p.endReason AS reason, count(*) AS n")
    reasons = {r["reason"]: r["n"] for r in rows}
    assert reasons.get("LEFT_ROLL", 0) == ended[LEFT]
    assert reasons.get("GRADUATED", 0) == ended["GRADUATED"]
    # The welfare institution's class: placed through the API, one placement closing the last.
    welfare = [s for s in city().stints if s.kind == "WELFARE_CLASS"]
    assert await count(graph, "MATCH (p:Placement {source: 'api', type: 'WELFARE_CLASS'})"
                       "-[:AT]->(:WelfareInstitution) RETURN count(p) AS n") == len(welfare) > 0
    # Transitions: planned and handed over before the move, completed after it.
    assert await count(graph, "MATCH (t:Transition) WHERE t.status = 'COMPLETED' AND NOT "
                       "((t)-[:FROM_PLACEMENT]->(:Placement) AND (t)-[:RECEIVING]->(:School) "
                       "AND t.handedOverOn <= t.completedOn) AND t.source = 'api' "
                       "AND NOT (t)-[:TO_PLACEMENT]->() RETURN count(t) AS n") == 0
    assert await count(graph, "MATCH (a:Assessment) WHERE NOT (a)-[:BY]->(:ExpertCommittee) "
                       "RETURN count(a) AS n") == 0
    assert await count(graph, "MATCH (c:Child)-[:HAS_FACT]->(p:Plan {current: true}) "
                       "WITH c, count(p) AS k WHERE k > 1 RETURN count(c) AS n") == 0
    assert await count(graph, "MATCH (s:ServiceSession {kind: 'ITINERANT_GUIDANCE'}) WHERE NOT "
                       "(s)-[:BY]->(:ResourceCenter)-[:SERVES]->(:School) "
                       "RETURN count(s) AS n") == 0


async def test_no_plaintext_id_number_anywhere(session_graph: Graph, loaded: Loaded) -> None:
    # Every property of every node: an operator's sweep, not a request, so it runs without the
    # API's read timeout (``write`` transactions have none); a loaded machine took over 10 s.
    rows = await session_graph.write(
        "MATCH (n) UNWIND keys(n) AS key WITH key, n[key] AS value "
        "WHERE value IS :: STRING OR value IS :: LIST<STRING> RETURN key, value")
    secrets = {child.id_number for child in city().children}
    secrets |= {c.mother_id_number for c in city().children if c.mother_id_number}
    for row in rows:
        values = row["value"] if isinstance(row["value"], list) else [row["value"]]
        for value in values:
            assert not secrets.intersection(ANY_18.findall(value)), row["key"]
            if row["key"].endswith("Hash") or row["key"] in ("idCipher", "rowHash"):
                continue  # hex digests and base64 may hold 18 digits in a row by chance
            for found in ID_NUMBER.findall(value):
                assert not ric.is_valid(found), (row["key"], "plaintext ID number")


async def test_indicators_give_plausible_figures(session_graph: Graph, loaded: Loaded) -> None:
    report = await compute(session_graph, demo.CITY_CODE, 2025, as_of=date(2026, 7, 10))
    values = {r.definition.key: r for r in report.results}
    assert 0.9 <= (values["enrolment.compulsory"].value or 0) <= 1.0
    assert 0.4 <= (values["placement.inclusion"].value or 0) <= 0.7
    assert 0.0 < (values["placement.homeDelivery"].value or 0) <= 0.1
    for key in ("roster.schoolAge", "placement.compulsoryPupils", "transitions.completed",
                "funding.specialSchools", "funding.otherPupils", "hollow.suspects"):
        assert values[key].numerator or values[key].denominator, key


async def test_dropout_check_finds_who_left_the_roll(session_graph: Graph, loaded: Loaded) -> None:
    born_from, born_to = SchoolYear(TODAY.year).born(*BANDS["COMPULSORY"])
    known = {c.key: c for c in city().children}
    cases = {f.child for f in city().facts if f.kind == "DropoutCase"
             and f.props["closedOn"] is None}
    current = {s.child for s in city().stints if s.ending is None}
    gone = {s.child for s in city().stints
            if s.kind != "WELFARE_CLASS" and s.last_year + 1 == TODAY.year
            and s.child not in current and s.child not in cases
            and born_from <= known[s.child].birth_date <= born_to}
    found = await check_dropout(session_graph, f"{TODAY:%Y-%m}", today=TODAY)
    assert found.opened == len(gone) > 0


def test_command_loads_once_and_again_changes_nothing(
    session_graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    # session_graph: the database is up and migrated; the command connects on its own.
    from shell.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["db", "reset", "--yes"]).exit_code == 0
    args = ["demo-data", "--children", "40", "--seed", "3", "--via-files", str(tmp_path)]
    result = runner.invoke(app, [*args, "--if-empty"])
    assert result.exit_code == 0, result.output
    children = len(generate(40, 3).on_file)
    assert f"loaded {children} children" in result.output and "名儿童" in result.output
    assert "edu-status-2026-09-01.csv" in result.output and " 0 拒绝 rejected" in result.output
    assert "seconds per source" in result.output
    assert (tmp_path / "dpf-certificates.xlsx").exists()
    again = runner.invoke(app, [*args, "--if-empty"])
    assert again.exit_code == 0 and "nothing written" in again.output
    # Without --if-empty the same files load again (no-ops) and every recorded call carries
    # the same idempotency key: nothing is written twice.
    before = _counts(settings)
    reload = runner.invoke(app, args)
    assert reload.exit_code == 0, reload.output
    assert _counts(settings) == before


def _counts(settings: Settings) -> tuple[int, int]:
    """Nodes and relationships, read with the synchronous driver (the command runs its own
    event loop, so the test cannot be a coroutine)."""
    from neo4j import GraphDatabase

    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query(
            "CALL () { MATCH (n) RETURN count(n) AS nodes } "
            "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels",
            database_=settings.neo4j_database)
    return int(records[0]["nodes"]), int(records[0]["rels"])

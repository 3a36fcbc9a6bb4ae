"""The demo city: deterministic generation, and a faithful, idempotent write to the real graph."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hub.demo import TODAY, City, generate
from stdnum.cn import ric
from typer.testing import CliRunner

from hub import demo, regions
from hub.graph import Graph
from hub.identity import IdProtector, mask
from hub.reference import ensure_departments, ensure_regions
from hub.settings import Settings

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
ANY_18 = re.compile(r"(?=([0-9]{17}[0-9X]))")  # every 18-character window, overlapping
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


@cache
def city() -> City:
    return generate(CHILDREN, SEED)


def age(born: date) -> int:
    return TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))


def check_shares(types: Counter[str]) -> None:
    total = sum(types.values())
    assert total > 100
    for kind, (low, high) in SHARES.items():
        assert low <= types[kind] / total <= high, (kind, types[kind], total)


# --- generation (no database) --------------------------------------------------------------


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
    retired = sum(child.id_number.startswith("140421") for child in city().children)
    assert 0.02 <= retired / CHILDREN <= 0.09


def test_generated_placements_follow_the_ladder() -> None:
    current = {
        fact.child: fact.props for fact in city().facts
        if fact.kind == "Placement" and fact.props["endDate"] is None
    }
    check_shares(Counter(p["type"] for p in current.values() if p["stage"] in COMPULSORY))
    school_age = [c for c in city().children if 6 <= age(c.birth_date) <= 14]
    not_enrolled = sum(c.id not in current for c in school_age) / len(school_age)
    assert 0.015 <= not_enrolled <= 0.035
    assert 15 <= len(city().facts) / CHILDREN <= 25  # ≈ 20 facts a child


def test_every_fact_is_on_the_childs_timeline() -> None:
    born = {child.id: child.birth_date for child in city().children}
    kinds = Counter(fact.kind for fact in city().facts)
    assert set(kinds) == set(demo.BY_LABEL)
    for fact in city().facts:
        assert born[fact.child] <= fact.props["date"] <= TODAY, fact


# --- writing (real database) ---------------------------------------------------------------


@pytest.fixture
async def written(graph: Graph, settings: Settings) -> City:
    await ensure_regions(graph)
    await ensure_departments(graph, city().region_codes)
    await demo.write(graph, city(), settings)
    return city()


async def count(graph: Graph, cypher: Any) -> int:
    rows = await graph.run(cypher)
    return int(rows[0]["n"])


async def test_write_matches_the_city(graph: Graph, written: City) -> None:
    assert await count(graph, "MATCH (c:Child) RETURN count(c) AS n") == len(written.children)
    assert await count(graph, "MATCH (:Child)-[:HAS_FACT]->(f:Fact) RETURN count(f) AS n") == len(
        written.facts
    )
    rows = await graph.run(
        "MATCH (f:Fact) UNWIND [l IN labels(f) WHERE l <> 'Fact'] AS kind "
        "RETURN kind, count(*) AS n"
    )
    assert {row["kind"]: row["n"] for row in rows} == dict(written.fact_counts())
    assert await count(graph, "MATCH (c:Child) WHERE NOT (c)-[:LIVES_IN]->(:Region) "
                              "RETURN count(c) AS n") == 0
    assert await count(graph, "MATCH (o:Organisation) WHERE NOT (o)-[:IN_REGION]->(:Region) "
                              "RETURN count(o) AS n") == 0
    assert await count(graph, "MATCH (d:Department) RETURN count(d) AS n") == 8 * 13


async def test_one_open_placement_at_a_school_in_a_class(graph: Graph, written: City) -> None:
    rows = await graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(p:Placement) WHERE p.endDate IS NULL "
        "WITH c, count(p) AS open WHERE open > 1 RETURN count(c) AS n"
    )
    assert rows[0]["n"] == 0
    assert await count(graph, "MATCH (p:Placement) WHERE p.endDate IS NULL AND NOT "
                              "((p)-[:AT]->(:Organisation) AND (p)-[:IN_CLASS]->(:SchoolClass)) "
                              "RETURN count(p) AS n") == 0
    rows = await graph.run(
        "MATCH (p:Placement) WHERE p.endDate IS NULL AND p.stage IN $stages "
        "RETURN p.type AS type, count(*) AS n",
        {"stages": list(COMPULSORY)},
    )
    check_shares(Counter({row["type"]: row["n"] for row in rows}))


async def test_every_fact_has_provenance(graph: Graph, written: City) -> None:
    assert await count(graph, "MATCH (f:Fact) WHERE f.recordedBy IS NULL OR f.source IS NULL "
                              "OR f.sourceRef IS NULL OR f.date IS NULL OR f.recordedAt IS NULL "
                              "OR f.recordedIn IS NULL OR f.sourceRef <> f.source + '/' + "
                              "f.sourceKey RETURN count(f) AS n") == 0
    assert await count(graph, "MATCH (t:Transition {status: 'COMPLETED'}) WHERE NOT "
                              "((t)-[:FROM_PLACEMENT]->(:Placement) AND "
                              "(t)-[:TO_PLACEMENT]->(:Placement) AND "
                              "(t)-[:RECEIVING]->(:Organisation)) RETURN count(t) AS n") == 0
    assert await count(graph, "MATCH (a:Assessment) WHERE NOT (a)-[:BY]->(:ExpertCommittee) "
                              "RETURN count(a) AS n") == 0
    assert await count(graph, "MATCH (c:Child)-[:HAS_FACT]->(p:Plan {current: true}) "
                              "WITH c, count(p) AS k WHERE k > 1 RETURN count(c) AS n") == 0


async def test_no_plaintext_id_number_anywhere(graph: Graph, written: City) -> None:
    rows = await graph.run(
        "MATCH (n) UNWIND keys(n) AS key WITH key, n[key] AS value "
        "WHERE value IS :: STRING OR value IS :: LIST<STRING> "
        "RETURN key, value"
    )
    secrets = {child.id_number for child in written.children}
    secrets |= {c.mother_id_number for c in written.children if c.mother_id_number}
    strings = 0
    for row in rows:
        values = row["value"] if isinstance(row["value"], list) else [row["value"]]
        for value in values:
            strings += 1
            assert not secrets.intersection(ANY_18.findall(value)), row["key"]
            if row["key"].endswith("Hash") or row["key"] == "idCipher":
                continue  # hex digests and base64 may hold 18 digits in a row by chance
            for found in ID_NUMBER.findall(value):
                assert not ric.is_valid(found), (row["key"], "plaintext ID number")
    assert strings > 10 * len(written.children)
    # The protected forms are there instead.
    assert await count(graph, "MATCH (c:Child) WHERE c.idHash IS NULL OR c.idCipher IS NULL "
                              "OR c.idMasked IS NULL RETURN count(c) AS n") == 0
    assert await count(graph, "MATCH (d:DisabilityCertificate) WHERE d.numberHash IS NULL "
                              "RETURN count(d) AS n") == 0


async def snapshot(graph: Graph) -> tuple[int, int, str]:
    nodes = await count(graph, "MATCH (n) RETURN count(n) AS n")
    rels = await count(graph, "MATCH ()-[r]->() RETURN count(r) AS n")
    rows = await graph.run(
        "MATCH (n) WHERE n.id IS NOT NULL OR n.code IS NOT NULL "
        "RETURN coalesce(n.id, n.code) AS key, labels(n) AS labels, properties(n) AS props "
        "ORDER BY key"
    )
    digest = hashlib.sha256(repr([(r["key"], sorted(r["labels"]), sorted(r["props"].items()))
                                  for r in rows]).encode()).hexdigest()
    return nodes, rels, digest


async def test_writing_twice_changes_nothing(
    graph: Graph, written: City, settings: Settings
) -> None:
    before = await snapshot(graph)
    await ensure_regions(graph)
    await ensure_departments(graph, written.region_codes)
    await demo.write(graph, written, settings)
    assert await snapshot(graph) == before


@pytest.mark.parametrize("path", ["via-files", "direct"])
def test_command_writes_once_with_if_empty(
    session_graph: Graph, tmp_path: Path, path: str
) -> None:
    # session_graph: the database is up and migrated; the command connects on its own.
    from shell.cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["db", "reset", "--yes"])
    assert first.exit_code == 0, first.output
    how = ["--direct"] if path == "direct" else ["--via-files", str(tmp_path)]
    args = ["demo-data", "--children", "40", "--seed", "3", "--if-empty", *how]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "40 children" in result.output and "40 名儿童" in result.output
    if path == "via-files":
        assert "edu-status.csv" in result.output and "0 拒绝 rejected" in result.output
        assert (tmp_path / "dpf-certificates.xlsx").exists()
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "nothing written" in again.output


# --- the real path: exports through the connectors --------------------------------------------


@pytest.fixture
async def via_files(graph: Graph, settings: Settings, tmp_path: Path) -> City:
    await ensure_regions(graph)
    await ensure_departments(graph, city().region_codes)
    reports = await demo.write_via_files(graph, city(), settings, tmp_path)
    assert [r.rejected for r in reports] == [0] * 6, [r.rejects[:2] for r in reports]
    assert sum(r.new_children for r in reports) == 0  # every record found its child
    return city()


def test_export_files_are_in_the_departments_formats(settings: Settings, tmp_path: Path) -> None:
    found = demo.exports(city(), IdProtector(settings))
    paths = demo.write_export_files(tmp_path, found)
    assert paths["edu-status"].read_bytes().decode("gbk").startswith("姓名,")
    assert paths["health-screening"].read_bytes().startswith(codecs.BOM_UTF8)
    assert paths["dpf-certificates"].suffix == ".xlsx"
    assert all(found.rows[source] for source, _, _ in demo.EXPORT_FILES)
    # Infants screened before their first birthday come without their own ID number.
    assert any(row["儿童身份证号"] is None and row["母亲身份证号"]
               for row in found.rows["health-screening"])


async def test_via_files_gives_the_same_city(graph: Graph, via_files: City) -> None:
    written = via_files
    assert await count(graph, "MATCH (c:Child) RETURN count(c) AS n") == len(written.children)
    assert await count(graph, "MATCH (o:Organisation) RETURN count(o) AS n") == len(
        written.organisations)
    rows = await graph.run(
        "MATCH (:Child)-[:HAS_FACT]->(f:Fact) UNWIND [l IN labels(f) WHERE l <> 'Fact'] AS kind "
        "RETURN kind, count(*) AS n"
    )
    assert {row["kind"]: row["n"] for row in rows} == dict(written.fact_counts())
    sources = await graph.run("MATCH (f:Fact) RETURN f.source AS s, count(*) AS n")
    assert {r["s"] for r in sources} == {"demo", *(s for s, _, _ in demo.EXPORT_FILES)}
    # The current placement comes from edu-status and still sits in its class.
    assert await count(graph, "MATCH (p:Placement) WHERE p.endDate IS NULL AND NOT "
                              "((p)-[:AT]->(:Organisation) AND (p)-[:IN_CLASS]->(:SchoolClass)) "
                              "RETURN count(p) AS n") == 0
    assert await count(graph, "MATCH (t:Transition {status: 'COMPLETED'}) WHERE NOT "
                              "((t)-[:FROM_PLACEMENT]->(:Placement) AND "
                              "(t)-[:TO_PLACEMENT]->(:Placement) AND "
                              "(t)-[:RECEIVING]->(:Organisation)) RETURN count(t) AS n") == 0
    assert await count(graph, "MATCH (f:Fact)-[r:AT|BY]->() WITH f, type(r) AS t, count(*) AS k "
                              "WHERE k > 1 RETURN count(f) AS n") == 0
    assert await count(graph, "MATCH (c:Child) WHERE NOT (c)-[:LIVES_IN]->(:Region) "
                              "OR c.idHash IS NULL RETURN count(c) AS n") == 0
    assert await count(graph, "MATCH (d:DuplicateCandidate) RETURN count(d) AS n") == 0


async def test_student_numbers_are_stored_as_the_connectors_store_them(
    graph: Graph, written: City, settings: Settings
) -> None:
    protector = IdProtector(settings)
    child = next(c for c in written.children
                 if any(f.kind == "Placement" and f.child == c.id for f in written.facts))
    number = demo.student_number(child.id_number)
    rows = await graph.run(
        "MATCH (c:Child {id: $id})-[:HAS_FACT]->(p:Placement) "
        "RETURN DISTINCT p.studentNumber AS key, p.studentNumberMasked AS masked",
        {"id": child.id},
    )
    assert rows == [{"key": f"hmac:{protector.hash(number)}", "masked": mask(number)}]

"""edu-status snapshots (FORMATS.md, issue 13): loaded with --as-of, they end placements, start
the next ones, place pupils in classes per school year and find pupils who left the roll."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.pipeline import LoadReport
from hub import indicators, workflows
from hub.graph import Graph
from hub.identity import IdProtector
from hub.reference import ensure_regions
from hub.settings import Settings
from hub.subject import Subject
from shell.cli import app
from tests.graphql_helpers import execute
from tests.test_ingest import b_row, check_accounting, csv_file, edu_row, ingest, protector

__all__ = ["protector"]  # the fixture, shared with test_ingest

SCHOOL = "2114040001"
OTHER = "2114040002"
JUNE = dt.date(2025, 6, 30)
SEPTEMBER = dt.date(2025, 9, 15)


async def snapshot(graph: Graph, protector: IdProtector, tmp_path: Path, day: dt.date,
                   rows: list[dict[str, object]], **options: Any) -> LoadReport:
    path = csv_file(tmp_path, "edu-status", rows, name=f"edu-{day.isoformat()}.csv")
    report = await ingest(graph, protector, "edu-status", path, as_of=day, **options)
    check_accounting(report)
    return report


async def placements(graph: Graph) -> list[dict[str, Any]]:
    rows = await graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(p:Placement)-[:AT]->(s:School) "
        "OPTIONAL MATCH (p)-[:IN_CLASS]->(k:SchoolClass) "
        "RETURN c.name AS child, s.code AS school, p.stage AS stage, p.status AS status, "
        "p.date AS start, p.endDate AS end, p.endReason AS reason, p.endedBy AS endedBy, "
        "collect(k.key) AS classes ORDER BY child, start, school"
    )
    for row in rows:
        for key in ("start", "end"):
            row[key] = row[key].to_native() if row[key] is not None else None
    return rows


async def test_a_status_other_than_in_school_ends_the_placement_on_the_snapshot_day(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    report = await snapshot(graph, protector, tmp_path, SEPTEMBER,
                            [edu_row(**{"学籍状态": "转出"}), b_row(**{"学籍状态": "休学"})])
    found = {p["child"]: p for p in await placements(graph)}
    assert len(found) == 2 and report.left_roll == 0
    left = found["阿依古丽·买买提"]
    assert (left["status"], left["end"], left["reason"], left["endedBy"]) == (
        "TRANSFERRED", SEPTEMBER, "TRANSFERRED", "SNAPSHOT")
    suspended = found["张三"]  # 休学 goes on: the placement is still current
    assert (suspended["status"], suspended["end"]) == ("SUSPENDED", None)

    # An older snapshot loaded late changes nothing; the same file again changes nothing.
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    again = await snapshot(graph, protector, tmp_path, SEPTEMBER,
                           [edu_row(**{"学籍状态": "转出"}), b_row(**{"学籍状态": "休学"})])
    assert again.unchanged == 2
    assert {p["child"]: p for p in await placements(graph)} == found


@pytest.mark.parametrize("status", ["毕业", "辍学", "死亡"])
async def test_each_ending_status_is_the_end_reason(
    graph: Graph, protector: IdProtector, tmp_path: Path, status: str
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(**{"学籍状态": status})])
    found = await placements(graph)
    [placement] = found
    expected = {"毕业": "GRADUATED", "辍学": "DROPPED_OUT", "死亡": "DECEASED"}[status]
    assert (placement["end"], placement["reason"]) == (JUNE, expected)


async def test_a_new_placement_ends_the_previous_one_on_its_first_day(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    # Another school's snapshot (only that school is listed, so the first school's roll is
    # not compared): A moved there within primary school, B went on to junior secondary.
    moved = dt.date(2025, 9, 1)
    report = await snapshot(graph, protector, tmp_path, SEPTEMBER, [
        edu_row(**{"学校标识码": OTHER, "入学日期": "2025-09-01"}),
        b_row(**{"学校标识码": OTHER, "学段": "初中", "年级": "七年级", "入学日期": "2025-09-01"}),
    ])
    assert (report.new_children, report.linked_children, report.left_roll) == (0, 2, 0)
    rows = await placements(graph)
    assert [(p["child"], p["school"], p["end"], p["reason"], p["endedBy"]) for p in rows] == [
        ("张三", SCHOOL, moved, "GRADUATED", "NEXT_PLACEMENT"),
        ("张三", OTHER, None, None, None),
        ("阿依古丽·买买提", SCHOOL, moved, "TRANSFERRED", "NEXT_PLACEMENT"),
        ("阿依古丽·买买提", OTHER, None, None, None),
    ]


async def test_a_pupil_missing_from_a_later_complete_snapshot_left_the_roll(
    graph: Graph, protector: IdProtector, tmp_path: Path, settings: Settings
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    # A file that is not the school's whole roll (--partial) says nothing about who left.
    partial = await snapshot(graph, protector, tmp_path, SEPTEMBER, [edu_row()], complete=False)
    assert partial.left_roll == 0
    assert all(p["end"] is None for p in await placements(graph))

    report = await snapshot(graph, protector, tmp_path, SEPTEMBER, [edu_row()])
    assert report.left_roll == 1
    found = {p["child"]: p for p in await placements(graph)}
    assert (found["张三"]["end"], found["张三"]["reason"]) == (SEPTEMBER, "LEFT_ROLL")
    assert found["阿依古丽·买买提"]["end"] is None
    assert len(await graph.run("MATCH (c:Child) RETURN c")) == 2  # nothing deleted
    # What staff tracing the pupil read through the API: why and how it ended, and when the
    # roll last listed the pupil (the September roll listed only the other pupil).
    answer = await execute(graph, settings, "{ children(first: 5) { edges { node { name "
                           "placements { endReason endedBy listedOn leftRollOn endDate "
                           "schoolClass { schoolYear } } } } } }")
    seen = {e["node"]["name"]: e["node"]["placements"] for e in answer.data["children"]["edges"]}
    assert seen["张三"] == [{
        "endReason": "LEFT_ROLL", "endedBy": "SNAPSHOT", "listedOn": JUNE.isoformat(),
        "leftRollOn": SEPTEMBER.isoformat(), "endDate": SEPTEMBER.isoformat(),
        "schoolClass": {"schoolYear": 2024}}]
    assert seen["阿依古丽·买买提"][0]["endedBy"] is None
    assert seen["阿依古丽·买买提"][0]["listedOn"] == SEPTEMBER.isoformat()
    again = await snapshot(graph, protector, tmp_path, SEPTEMBER, [edu_row()])
    assert again.left_roll == 0

    # Dropout control compares the rolls before and after the term started: 张三 was last
    # listed in June and is not on the September roll, so a case is opened for him only.
    check = await workflows.check_dropout(graph, "2025-09", today=dt.date(2025, 10, 1))
    [gone] = await graph.run("MATCH (c:Child {name: '张三'}) RETURN c.id AS id")
    assert check.children == (gone["id"],)

    # Back on the roll in a later snapshot: the placement goes on.
    await snapshot(graph, protector, tmp_path, dt.date(2025, 10, 8), [edu_row(), b_row()])
    found = {p["child"]: p for p in await placements(graph)}
    assert found["张三"]["end"] is None and found["张三"]["reason"] is None


async def test_a_rejected_row_keeps_its_pupil_on_the_roll(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    report = await snapshot(graph, protector, tmp_path, SEPTEMBER,
                            [edu_row(), b_row(**{"性别": "?"})])
    assert (report.rejected, report.left_roll) == (1, 0)
    assert all(p["end"] is None for p in await placements(graph))


async def test_an_empty_enrolment_date_counts_from_the_snapshot_day_with_a_warning(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    report = await snapshot(graph, protector, tmp_path, JUNE,
                            [edu_row(), b_row(**{"入学日期": None})])
    assert (report.rows, report.loaded, report.rejected) == (2, 2, 0)
    [warning] = report.warnings
    assert (warning.row, warning.column) == (2, "入学日期")
    assert report.as_json()["warnings"] == [
        {"row": 2, "column": "入学日期", "reason": warning.reason}]
    # Still empty in a later snapshot: enrolled from the first day it was listed.
    await snapshot(graph, protector, tmp_path, SEPTEMBER, [edu_row(), b_row(**{"入学日期": ""})])
    found = {p["child"]: p for p in await placements(graph)}
    assert found["张三"]["start"] == JUNE
    assert found["阿依古丽·买买提"]["start"] == dt.date(2021, 9, 1)
    late = await snapshot(graph, protector, tmp_path, JUNE,
                          [edu_row(**{"入学日期": "2025-07-01"})])
    assert [(r.row, r.column) for r in late.rejects] == [(1, "入学日期")]


async def test_last_years_class_is_not_one_of_this_years_classes(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    # Both pupils are listed in June only: their placements go on into the next year (no
    # snapshot has ended them), but 三年级1班 of 2024 is not a class of the 2025 year.
    await ensure_regions(graph)
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    last_year = await indicators.compute(graph, "140400", 2024, as_of=JUNE)
    this_year = await indicators.compute(graph, "140400", 2025, as_of=SEPTEMBER)
    [before] = [r for r in last_year.results if r.definition.key == "classes.overLimit"]
    [after] = [r for r in this_year.results if r.definition.key == "classes.overLimit"]
    assert (before.numerator, before.denominator) == (0, 1)  # one class, 2 pupils ≤ 3
    assert (after.numerator, after.denominator) == (0, 0)


async def test_classes_are_per_school_year_grade_and_name(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row(), b_row()])
    await snapshot(graph, protector, tmp_path, SEPTEMBER,
                   [edu_row(**{"年级": "四年级", "班级": "2班"}), b_row(**{"年级": "四年级"})])
    found = {p["child"]: p["classes"] for p in await placements(graph)}
    assert found == {"阿依古丽·买买提": [f"{SCHOOL}/2025/四年级/2班"],
                     "张三": [f"{SCHOOL}/2025/四年级/1班"]}
    classes = await graph.run(
        "MATCH (s:School {code: $code})-[:HAS_CLASS]->(k:SchoolClass) "
        "RETURN k.key AS key, k.name AS name, k.grade AS grade, k.schoolYear AS year, "
        "k.special AS special ORDER BY key", {"code": SCHOOL})
    assert classes == [
        {"key": f"{SCHOOL}/2024/三年级/1班", "name": "1班", "grade": "三年级", "year": 2024,
         "special": False},
        {"key": f"{SCHOOL}/2025/四年级/1班", "name": "1班", "grade": "四年级", "year": 2025,
         "special": False},
        {"key": f"{SCHOOL}/2025/四年级/2班", "name": "2班", "grade": "四年级", "year": 2025,
         "special": False},
    ]


runner = CliRunner()


def test_the_command_needs_the_snapshot_day(graph: Graph, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "edu-status", [edu_row()])
    missing = runner.invoke(app, ["ingest", "edu-status", str(path)])
    assert missing.exit_code == 2 and "--as-of" in missing.stderr
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert runner.invoke(app, ["ingest", "edu-status", "--as-of", future, str(path)]).exit_code == 2
    assert runner.invoke(app, ["ingest", "edu-status", "--as-of", "2025-13-01",
                               str(path)]).exit_code == 2
    other = runner.invoke(app, ["ingest", "health-screening", "--as-of", "2025-09-01", str(path)])
    assert other.exit_code == 2
    loaded = runner.invoke(app, ["ingest", "edu-status", "--as-of", "2025-09-01", str(path),
                                 "--report", "json"])
    assert loaded.exit_code == 0 and '"as_of": "2025-09-01"' in loaded.stdout


async def test_the_school_a_pupil_left_no_longer_sees_the_child(
    graph: Graph, protector: IdProtector, tmp_path: Path, settings: Settings
) -> None:
    await ensure_regions(graph)
    await snapshot(graph, protector, tmp_path, JUNE, [edu_row()])
    rows = await graph.run("MATCH (c:Child) MATCH (s:School) RETURN c.id AS child, "
                           "collect(s.id) AS schools")
    child_id = rows[0]["child"]

    async def sees(code: str) -> bool:
        [school] = await graph.run("MATCH (s:School {code: $code}) RETURN s.id AS id",
                                   {"code": code})
        staff = Subject(kind="person", id="staff", department="EDU", region="140402",
                        roles=frozenset({"school-staff"}), organisations=(school["id"],))
        out = await execute(graph, settings, "query ($id: ID!) { child(id: $id) { id } }",
                            {"id": child_id}, subject=staff)
        assert out.data is None or out.codes in ([], ["NOT_FOUND"]), out.errors
        return bool(out.data and out.data["child"])

    assert await sees(SCHOOL)
    await snapshot(graph, protector, tmp_path, SEPTEMBER, [edu_row(**{"学籍状态": "转出"})])
    assert not await sees(SCHOOL)
    await snapshot(graph, protector, tmp_path, dt.date(2025, 9, 20),
                   [edu_row(**{"学校标识码": OTHER, "入学日期": "2025-09-18"})])
    assert await sees(OTHER) and not await sees(SCHOOL)

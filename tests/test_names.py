"""Names as FORMATS.md describes them: middle-dot variants and traditional forms are the same
name, and a newborn recorded as "<mother>之子/之女" links like a child without a name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors import normalise
from connectors.linkage import name_key, same_name
from hub.graph import Graph
from hub.identity import IdProtector
from tests.test_ingest import csv_file, edu_row, ingest, protector, screening_row

__all__ = ["protector"]  # the fixture, shared with test_ingest

DOTS = ["·", "•", "・", "．", "‧", "･", "."]
HAN = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1,
              max_size=4)


@given(first=HAN, second=HAN, dot=st.sampled_from(DOTS),
       pad=st.sampled_from(["", " ", "\u3000"]))
def test_every_dot_variant_is_the_middle_dot(first: str, second: str, dot: str,
                                             pad: str) -> None:
    written = f"{pad}{first}{pad}{dot}{pad}{second}{pad}"
    assert normalise.person_name(written) == f"{first}·{second}"


@given(st.text(min_size=1, max_size=12))
def test_name_normalisation_is_idempotent(text: str) -> None:
    try:
        once = normalise.person_name(text)
    except normalise.NormaliseError:
        return
    assert normalise.person_name(once) == once
    assert normalise.child_name(once) in (once, None)


@given(st.sampled_from(["李娜", "阿依古丽·买买提", "王"]), st.sampled_from(
    ["之子", "之女", "之长女", "之次子", " 之女"]))
def test_the_newborn_convention_is_no_name(mother: str, suffix: str) -> None:
    assert normalise.child_name(mother + suffix) is None
    assert normalise.child_name(mother) == mother


def test_traditional_and_simplified_are_the_same_name() -> None:
    assert same_name("陳麗華", "陈丽华") and same_name("阿依古麗·買買提", "阿依古丽·买买提")
    assert not same_name("陈丽华", "陈丽娟") and not same_name(None, "陈丽华")
    assert name_key("陈丽华") == "陈丽华"


async def children(graph: Graph) -> list[dict[str, Any]]:
    return await graph.run(
        "MATCH (c:Child) RETURN c.name AS name, c.sex AS sex, "
        "COUNT { (c)-[:HAS_FACT]->() } AS facts ORDER BY name")


async def test_twins_told_apart_by_a_traditional_or_dotted_name(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    # Twin girls known by their mother and birth date only: their names tell them apart.
    first = [screening_row("S1", **{"儿童姓名": "陈丽华"}),
             screening_row("S2", **{"儿童姓名": "阿依古丽·买买提"})]
    await ingest(graph, protector, "health-screening",
                 csv_file(tmp_path, "health-screening", first, name="a.csv"))
    later = [screening_row("S3", **{"儿童姓名": "陳麗華", "筛查日期": "2015-08-02"}),
             screening_row("S4", **{"儿童姓名": "阿依古丽．买买提", "筛查日期": "2015-08-02"})]
    report = await ingest(graph, protector, "health-screening",
                          csv_file(tmp_path, "health-screening", later, name="b.csv"))
    assert (report.new_children, report.linked_children, report.review_items) == (0, 2, 0)
    assert await children(graph) == [{"name": "阿依古丽·买买提", "sex": "F", "facts": 2},
                                     {"name": "陈丽华", "sex": "F", "facts": 2}]


async def test_a_traditional_name_is_a_near_match(graph: Graph, protector: IdProtector,
                                                  tmp_path: Path) -> None:
    await ingest(graph, protector, "edu-status",
                 csv_file(tmp_path, "edu-status", [edu_row(**{"姓名": "陈丽华"})]))
    report = await ingest(graph, protector, "health-screening", csv_file(
        tmp_path, "health-screening", [screening_row("S1", **{"儿童姓名": "陳麗華"})]))
    assert (report.new_children, report.review_items) == (1, 1)


async def test_a_newborn_under_its_mothers_name_links_by_mother_and_keeps_the_real_name(
    graph: Graph, protector: IdProtector, tmp_path: Path
) -> None:
    await ingest(graph, protector, "health-screening", csv_file(
        tmp_path, "health-screening", [screening_row("S1", **{"儿童姓名": "李四之女"})],
        name="a.csv"))
    assert await children(graph) == [{"name": None, "sex": "F", "facts": 1}]
    named = await ingest(graph, protector, "health-screening", csv_file(
        tmp_path, "health-screening",
        [screening_row("S2", **{"儿童姓名": "王小丽", "筛查日期": "2015-08-02"})],
        name="b.csv"))
    assert (named.new_children, named.linked_children) == (0, 1)
    # A later record under the mother's name again: the same child, the real name stays.
    again = await ingest(graph, protector, "health-screening", csv_file(
        tmp_path, "health-screening",
        [screening_row("S3", **{"儿童姓名": "李四之女", "筛查日期": "2015-09-02"})],
        name="c.csv"))
    assert (again.new_children, again.linked_children) == (0, 1)
    assert await children(graph) == [{"name": "王小丽", "sex": "F", "facts": 3}]
    # A twin brother recorded as 李四之子 is another child (sex tells them apart).
    son = await ingest(graph, protector, "health-screening", csv_file(
        tmp_path, "health-screening",
        [screening_row("S4", **{"儿童姓名": "李四之子", "性别": "男"})], name="d.csv"))
    assert son.new_children == 1

"""The domain predicates (hub/predicates.py): each rule written once, meaning what it says.

The rules are checked on the real database against a plain reading of each rule; the source
of the whole product is searched for a second copy of any of them. "Current placement" is the
pointer hub/current.py maintains: no module but those two names it, and a placement's missing
end date is tested only by the writes that derive the pointer or end placements.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hub.current import sync_all
from hub.facts import BY_LABEL
from hub.graph import Graph
from hub.indicators.model import SchoolYear
from hub.predicates import (
    in_force,
    in_subtree,
    may_lack_current_placement,
    not_ended,
    overlaps,
    region_prefix,
    school_year_of,
)
from tests.graphql_helpers import plan_operators

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("hub", "shell", "schema", "connectors", "auth", "audit", "console", "devtools")
# A rule's own text: written out anywhere but hub/predicates.py, it is a second copy. The
# pointer's relationship type is named there too, and written by hub/current.py alone.
COPIES = re.compile(r"regionCode STARTS WITH|endDate IS NULL|endDate IS NOT NULL|CURRENT_PLACEMENT"
                    r"|\.month >=")
KERNEL = (ROOT / "hub" / "predicates.py", ROOT / "hub" / "current.py",
          # SchoolYear.of, the Python twin of school_year_of (tested equal below)
          ROOT / "hub" / "indicators" / "model.py")
# "No end date yet", tested directly: the pointer's derivation, the writes that end placements
# (they close every open one, and compare a snapshot's end with the one on record), and the
# sessions role's welfare status (not a placement: it has no pointer). Anything else asking
# which placement is current reads the pointer.
NOT_ENDED_USERS = {ROOT / "hub" / "predicates.py", ROOT / "hub" / "current.py",
                   ROOT / "hub" / "services" / "placements.py", ROOT / "auth" / "scope.py"}


def _product_lines() -> list[tuple[Path, int, str]]:
    return [(path, number, line)
            for folder in PRODUCT for path in (ROOT / folder).rglob("*.py")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)]


def test_no_second_copy_of_a_predicate() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path, number, line in _product_lines()
             if path not in KERNEL and COPIES.search(line)]
    assert found == [], "build these from hub/predicates.py:\n" + "\n".join(found)


def test_current_placement_is_read_through_the_pointer() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path, number, line in _product_lines()
             if path not in NOT_ENDED_USERS and re.search(r"\bnot_ended\b", line)]
    assert found == [], "read current_placement / current_pupil instead:\n" + "\n".join(found)


@given(st.from_regex(r"[1-6][0-9](0000|[0-9][1-9]00|[0-9]{2}[0-9][1-9]|[0-9]{2}[1-9]0)",
                     fullmatch=True))
def test_a_region_lies_in_its_own_subtree_and_its_parents(code: str) -> None:
    prefix = region_prefix(code)
    assert code.startswith(prefix)
    assert code.startswith(region_prefix(code[:4] + "00")) or code.endswith("0000")
    assert code.startswith(region_prefix(code[:2] + "0000"))


async def test_not_ended_in_force_and_overlaps_on_the_database(graph: Graph) -> None:
    await graph.write(
        "CREATE (:Placement {id: 'open', date: date('2024-09-01')}), "
        "(:Placement {id: 'ended', date: date('2023-09-01'), endDate: date('2024-09-01')})")
    rows = await graph.run(
        "MATCH (p:Placement) RETURN p.id AS id, " + not_ended("p") + " AS current, "
        + in_force("p", "$day") + " AS inForce, "
        + overlaps("p", "$start", "$end") + " AS overlaps ORDER BY id",
        {"day": dt.date(2024, 9, 1), "start": dt.date(2024, 9, 1), "end": dt.date(2025, 8, 31)})
    # The end date is the first day a placement no longer holds: on 2024-09-01 the new one
    # holds and the old one does not, and the school year 2024 overlaps only the new one.
    assert rows == [
        {"id": "ended", "current": False, "inForce": False, "overlaps": False},
        {"id": "open", "current": True, "inForce": True, "overlaps": True},
    ]


async def test_only_children_with_a_current_placement_are_ruled_out(graph: Graph) -> None:
    # The pre-filter of stalled transitions: a child whose placements all ended, or who has
    # none, may lack a current placement; one with a current placement does not.
    await graph.write(
        "CREATE (:Child {id: 'placed'})-[:HAS_FACT]->(:Fact:Placement {id: 'p1', "
        "  date: date('2024-09-01'), type: 'REGULAR_CLASS', stage: 'PRIMARY'}), "
        "(:Child {id: 'left'})-[:HAS_FACT]->(:Fact:Placement {id: 'p2', date: date('2020-09-01'), "
        "  endDate: date('2021-07-01'), type: 'REGULAR_CLASS', stage: 'PRIMARY'}), "
        "(:Child {id: 'never'})")
    await sync_all(graph)
    rows = await graph.run("MATCH (c:Child) WHERE " + may_lack_current_placement("c") + " "
                           "RETURN c.id AS id ORDER BY id")
    assert [row["id"] for row in rows] == ["left", "never"]


async def test_the_subtree_predicate_uses_the_region_index(graph: Graph) -> None:
    cypher = "MATCH (c:Child) WHERE " + in_subtree("c", "$prefix") + " RETURN c.id"
    operators = await plan_operators(graph, cypher, {"prefix": "1404"})
    assert any("IndexSeekByRange" in op or "IndexSeek" in op for op in operators), operators


# A fact kind's label with an id, without ``Fact``: the unique index is on Fact(id), so the
# planner would scan every node of that kind (every placement of a province per mutation).
FACT_BY_ID_WITHOUT_INDEX = re.compile(
    r"\(\w*:(?!Fact:)(" + "|".join(sorted(BY_LABEL)) + r") \{id: ")


def test_facts_are_found_by_id_through_the_unique_index() -> None:
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path, number, line in _product_lines()
             if FACT_BY_ID_WITHOUT_INDEX.search(line)]
    assert found == []


async def test_a_fact_by_id_is_an_index_seek(graph: Graph) -> None:
    keyed = await plan_operators(graph, "MATCH (p:Fact:Placement {id: $id}) RETURN p",
                                 {"id": "plc_1"})
    assert any(op.startswith("NodeUniqueIndexSeek") for op in keyed), keyed
    # What the services wrote before: a scan of every placement for one id.
    bare = await plan_operators(graph, "MATCH (p:Placement {id: $id}) RETURN p", {"id": "plc_1"})
    assert not any("IndexSeek" in op for op in bare), bare


@hypothesis_settings(max_examples=25, deadline=None)
@given(days=st.lists(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)),
                     min_size=1, max_size=40))
def test_school_year_is_the_same_rule_in_cypher_and_python(
    neo4j_server: object, days: list[dt.date]
) -> None:
    """``school_year_of`` (the API's ``schoolYear``) and ``SchoolYear.of`` (the indicators)
    agree on every day; each day lies between its year's first and last day."""
    import asyncio

    from hub.settings import load_settings

    async def in_cypher() -> list[int | None]:
        graph = Graph.connect(load_settings())
        try:
            rows = await graph.run("UNWIND $days AS day RETURN " + school_year_of("day")
                                   + " AS year", {"days": [*days, None]})
        finally:
            await graph.close()
        return [row["year"] for row in rows]

    found = asyncio.run(in_cypher())
    assert found[-1] is None
    for day, year in zip(days, found, strict=False):
        assert year == SchoolYear.of(day).year
        assert SchoolYear(year).start <= day <= SchoolYear(year).end

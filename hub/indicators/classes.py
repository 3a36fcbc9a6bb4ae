"""Inclusion pupils per ordinary class 随班就读人数 (000 一(二): 1–2 advised, at most 3)."""

from __future__ import annotations

from typing import Any

from hub.indicators.common import HeldPart, Inputs, result
from hub.indicators.model import Item, Result
from hub.predicates import in_subtree

# From the region's ordinary schools (the class's region is its school's) to the inclusion
# pupils placed in each ordinary class of the year on the census day. Classes are per school
# year (edu-status makes them from 年级/班级 and the snapshot's year): a pupil whose school sent
# no snapshot of this year yet is still IN_CLASS of last year's class, which is not counted as
# one of this year's. The pupils placed on the census day are the census-day pass's ``held``.
QUERY = (
    "UNWIND held AS h WITH h.c AS c, h.p AS p WHERE p.type = 'REGULAR_CLASS' "
    "MATCH (p)-[:IN_CLASS]->(k) "
    "WITH k, count(DISTINCT c) AS pupils, "
    "  collect(DISTINCT CASE WHEN {visible} THEN c.id END) AS kids "
    # Each class tested and walked to its school once, not once per pupil (a class holds every
    # placement it ever had, so the walk reads them all): the same rows as grouping by school
    # and class after testing each pupil's class.
    "WHERE k:SchoolClass AND coalesce(k.special, false) = false "
    "AND coalesce(k.schoolYear, $schoolYear) = $schoolYear "
    "MATCH (s:School)-[:HAS_CLASS]->(k) "
    "WHERE " + in_subtree("s", "$prefix") + " AND coalesce(s.schoolType, '') <> 'SPECIAL' "
    "WITH count(k) AS classes, count(CASE WHEN pupils > $limit THEN 1 END) AS over, "
    "  collect(CASE WHEN pupils > $limit THEN {id: k.id, name: k.name, school: s.name, "
    "    schoolId: s.id, pupils: pupils, kids: kids} END) AS rows, "
    "  count(CASE WHEN pupils = 1 THEN 1 END) AS one, count(CASE WHEN pupils = 2 THEN 1 END) "
    "  AS two, count(CASE WHEN pupils = 3 THEN 1 END) AS three "
    "RETURN {classes: classes, over: over, rows: rows, one: one, two: two, three: three} "
    "AS classes"
)


def _params(inputs: Inputs) -> dict[str, Any]:
    return {"limit": inputs.rules.inclusion_per_class, "schoolYear": inputs.year.year}


def read(inputs: Inputs, found: dict[str, Any] | None) -> list[Result]:
    limit = inputs.rules.inclusion_per_class
    row: dict[str, Any] = found or {}
    over = sorted(row.get("rows", []), key=lambda r: r["id"])
    items = [
        Item("SchoolClass", r["id"], f"{r['school']} {r['name']}",
             {"inclusionPupils": r["pupils"], "limit": limit}, flagged=True)
        for r in over
    ]
    items += [
        Item("ClassSize", str(n), f"{n} 名随班就读学生的班级 classes with {n}",
             {"classes": row.get(key, 0)})
        for n, key in ((1, "one"), (2, "two"), (3, "three"))
    ]
    kids = [str(k) for r in over for k in r["kids"]]
    return [result(inputs, "classes.overLimit", row.get("over", 0), row.get("classes", 0), kids,
                   items=items)]


PART = HeldPart("classes", QUERY, _params, read)

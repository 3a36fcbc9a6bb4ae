"""Per-pupil public funding due 生均公用经费 (000 三(三), 001 §11, 003 五(一)).

Special schools: max(pupils, 100) × the per-pupil figure of the school's region. Pupils of the
region's other schools and institutions (inclusion, special class, home delivery, welfare
class): pupils × the same figure (001 §11: 参照上述标准执行). Pupils are those holding school
status (registry.py's terms) on the census day, any stage (001 §11: preschool and senior
secondary follow compulsory).
"""

from __future__ import annotations

from typing import Any

from hub.graph import Graph
from hub.indicators.common import Inputs, holds_status, result, run
from hub.indicators.model import Item, Result
from hub.predicates import in_subtree

_RATE = (
    "coalesce($rates[{o}.regionCode], $rates[left({o}.regionCode, 4) + '00'], "
    "$rates[left({o}.regionCode, 2) + '0000'], $default)"
)

QUERY = (
    "CALL () { "
    "  MATCH (s:School) WHERE " + in_subtree("s", "$prefix") + " AND s.schoolType = 'SPECIAL' "
    "  OPTIONAL MATCH (s)<-[:AT]-(p:Placement)<-[:HAS_FACT]-(c:Child) "
    "  WHERE " + holds_status("p", "$census") + " "
    "  WITH s, count(DISTINCT c) AS pupils, collect(DISTINCT CASE WHEN {visible} THEN c.id END) "
    "  AS kids "
    "  WITH s, pupils, kids, CASE WHEN pupils < $minimum THEN $minimum ELSE pupils END AS funded, "
    "  " + _RATE.replace("{o}", "s") + " AS rate "
    "  RETURN collect({id: s.id, name: s.name, pupils: pupils, funded: funded, rate: rate, "
    "  kids: kids}) AS schools "
    "} "
    "CALL () { "
    "  MATCH (o:Organisation)<-[:AT]-(p:Placement)<-[:HAS_FACT]-(c:Child) "
    # A school without a type (loaded from a file that has none) is not a special school: the
    # coalesce keeps NOT(... AND null) from dropping it.
    "  WHERE " + in_subtree("o", "$prefix") + " "
    "  AND NOT (o:School AND coalesce(o.schoolType, '') = 'SPECIAL') "
    "  AND " + holds_status("p", "$census") + " "
    "  WITH o, count(DISTINCT c) AS pupils, collect(DISTINCT CASE WHEN {visible} THEN c.id END) "
    "  AS kids "
    "  WITH pupils, kids, " + _RATE.replace("{o}", "o") + " AS rate "
    "  RETURN sum(pupils) AS others, sum(pupils * rate) AS othersDue, collect(kids) AS otherKids, "
    "  min(rate) AS otherRate "
    "} "
    "RETURN schools, others, othersDue, otherKids, otherRate"
)


async def compute(graph: Graph, inputs: Inputs) -> list[Result]:
    book = inputs.book
    rules = inputs.rules
    rows = await run(graph, QUERY, inputs, minimum=rules.funded_minimum_pupils,
                     rates=book.per_pupil_by_region(), default=book.default.per_pupil_yuan)
    row: dict[str, Any] = rows[0] if rows else {}
    schools = sorted(row.get("schools", []), key=lambda s: s["id"])
    items = [
        Item("School", s["id"], s["name"] or s["id"],
             {"pupils": s["pupils"], "fundedPupils": s["funded"], "perPupilYuan": s["rate"],
              "dueYuan": s["funded"] * s["rate"]},
             flagged=s["pupils"] < rules.funded_minimum_pupils)
        for s in schools
    ]
    due = float(sum(s["funded"] * s["rate"] for s in schools))
    funded = float(sum(s["funded"] for s in schools))
    others = float(row.get("others") or 0)
    others_due = float(row.get("othersDue") or 0)
    return [
        result(inputs, "funding.specialSchools", due, funded,
               [k for s in schools for k in s["kids"]],
               value=due / funded if funded else None, items=items),
        result(inputs, "funding.otherPupils", others_due, others,
               [k for kids in row.get("otherKids", []) for k in kids],
               value=others_due / others if others else None),
    ]

"""Per-pupil public funding due 生均公用经费 (000 三(三), 001 §11, 003 五(一)).

Special schools: max(pupils, 100) × the per-pupil figure of the school's region. Pupils of the
region's other schools and institutions (inclusion, special class, home delivery, welfare
class): pupils × the same figure (001 §11: 参照上述标准执行). Pupils are those holding school
status (registry.py's terms) on the census day, any stage (001 §11: preschool and senior
secondary follow compulsory).
"""

from __future__ import annotations

from typing import Any

from hub.indicators.common import HeldPart, Inputs, result
from hub.indicators.model import Item, Result
from hub.predicates import in_subtree

_RATE = (
    "coalesce($rates[{o}.regionCode], $rates[left({o}.regionCode, 4) + '00'], "
    "$rates[left({o}.regionCode, 2) + '0000'], $default)"
)

# The pupils of each school or institution of the region, from the census-day pass's ``held``
# (one walk from each placement to where it is), then split: special schools (with those of
# the region that have no pupil) and the rest. A school without a type (loaded from a file that
# has none) is not a special school: the coalesce keeps NOT(... AND null) from dropping it.
QUERY = (
    "UNWIND held AS h WITH h.c AS c, h.p AS p "
    "MATCH (p)-[:AT]->(o) "
    "WITH o, count(DISTINCT c) AS pupils, collect(DISTINCT CASE WHEN {visible} THEN c.id END) "
    "  AS kids "
    # The region tested once per school or institution, not once per pupil.
    "WHERE " + in_subtree("o", "$prefix") + " "
    "WITH o, pupils, kids, o:School AND coalesce(o.schoolType, '') = 'SPECIAL' AS special "
    "WITH collect(CASE WHEN special THEN {s: o, pupils: pupils, kids: kids} END) AS busy, "
    "  collect(CASE WHEN o:Organisation AND NOT special THEN {pupils: pupils, kids: kids, "
    "    rate: " + _RATE.replace("{o}", "o") + "} END) AS other "
    "CALL (busy) { "
    "  MATCH (s:School) WHERE " + in_subtree("s", "$prefix") + " AND s.schoolType = 'SPECIAL' "
    "  WITH s, [b IN busy WHERE b.s = s][0] AS b "
    "  WITH s, coalesce(b.pupils, 0) AS pupils, coalesce(b.kids, []) AS kids "
    "  WITH s, pupils, kids, CASE WHEN pupils < $minimum THEN $minimum ELSE pupils END AS funded, "
    "  " + _RATE.replace("{o}", "s") + " AS rate "
    "  RETURN collect({id: s.id, name: s.name, pupils: pupils, funded: funded, rate: rate, "
    "  kids: kids}) AS schools "
    "} "
    "UNWIND (CASE other WHEN [] THEN [null] ELSE other END) AS x "
    "WITH schools, sum(x.pupils) AS others, sum(x.pupils * x.rate) AS othersDue, "
    "  collect(x.kids) AS otherKids, min(x.rate) AS otherRate "
    "RETURN {schools: schools, others: others, othersDue: othersDue, otherKids: otherKids, "
    "  otherRate: otherRate} AS funding"
)


def _params(inputs: Inputs) -> dict[str, Any]:
    return {"minimum": inputs.rules.funded_minimum_pupils,
            "rates": inputs.book.per_pupil_by_region(),
            "default": inputs.book.default.per_pupil_yuan}


def read(inputs: Inputs, found: dict[str, Any] | None) -> list[Result]:
    rules = inputs.rules
    row: dict[str, Any] = found or {}
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


PART = HeldPart("funding", QUERY, _params, read)

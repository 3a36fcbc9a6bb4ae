"""Placement shares 安置结构: inclusion and home delivery (003 一, 003 二(一))."""

from __future__ import annotations

from typing import Any

from hub.indicators.common import COMPULSORY_STAGES, HeldPart, Inputs, result
from hub.indicators.model import Item, Result, ratio
from hub.predicates import in_subtree
from hub.vocabulary import PlacementType

# Pupils with school status on the census day (the census-day pass's ``held``), by stage group
# and placement type. A child with two placements in force (should not happen) is counted
# once, by the latest. Only those few are sorted: sorting every pupil's placement first costs
# more than the rest of the query.
QUERY = (
    "UNWIND held AS h WITH h.c AS c, h.p AS p WHERE " + in_subtree("c", "$prefix") + " "
    "WITH c, collect(p) AS ps "
    "WITH c, CASE WHEN size(ps) = 1 THEN ps[0] "
    "  ELSE COLLECT { UNWIND ps AS q RETURN q ORDER BY q.date DESC LIMIT 1 }[0] END AS p "
    "WITH p.stage IN $compulsory AS compulsory, p.type AS type, c "
    "WITH compulsory, type, count(*) AS pupils, "
    "collect(CASE WHEN {visible} THEN c.id END) AS kids "
    "RETURN collect({compulsory: compulsory, type: type, pupils: pupils, kids: kids}) "
    "AS placement"
)


def read(inputs: Inputs, found: list[dict[str, Any]] | None) -> list[Result]:
    rows = found or []
    compulsory = [row for row in rows if row["compulsory"]]
    all_pupils = sum(int(row["pupils"]) for row in rows)
    compulsory_pupils = sum(int(row["pupils"]) for row in compulsory)

    def pupils(selected: list[dict[str, Any]], kind: PlacementType) -> tuple[int, list[str]]:
        found = [row for row in selected if row["type"] == kind.value]
        count = sum(int(row["pupils"]) for row in found)
        return count, [str(k) for row in found for k in row["kids"]]

    items = []
    for kind in PlacementType:
        count, _ = pupils(compulsory, kind)
        items.append(Item("PlacementType", kind.value, f"{kind.label} {kind.value}",
                          {"pupils": count, "share": ratio(count, compulsory_pupils)}))
    compulsory_kids = [str(k) for row in compulsory for k in row["kids"]]
    inclusion, inclusion_kids = pupils(rows, PlacementType.REGULAR_CLASS)
    home, home_kids = pupils(compulsory, PlacementType.HOME_DELIVERY)
    return [
        result(inputs, "placement.compulsoryPupils", compulsory_pupils, None, compulsory_kids,
               items=items),
        result(inputs, "placement.inclusion", inclusion, all_pupils, inclusion_kids),
        result(inputs, "placement.homeDelivery", home, compulsory_pupils, home_kids),
    ]


PART = HeldPart("placement", QUERY, lambda _: {"compulsory": COMPULSORY_STAGES}, read)

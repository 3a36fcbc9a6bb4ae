"""Hollow-enrolment suspects 疑似空挂学籍 (000 一(四)): school status without education."""

from __future__ import annotations

from typing import Any

from hub.graph import Graph
from hub.indicators.common import Inputs, result, run
from hub.indicators.model import Item, Result
from hub.predicates import in_force, in_subtree

# ACTIVE placements of a checked type on the as-of day. The window for a type is the last N
# days up to the as-of day (a session N days before it is outside: N days without a visit).
# Evidence: a HOME_DELIVERY session for home delivery, any service session otherwise. A
# placement younger than its window is not judged yet.
QUERY = (
    # The type's index: the start day's (migration 0021) would return every placement.
    "MATCH (p:Placement) USING INDEX p:Placement(type) WHERE p.type IN $types "
    "AND coalesce(p.status, 'ACTIVE') = 'ACTIVE' "
    "AND " + in_force("p", "$asOf") + " "
    "MATCH (c)-[:HAS_FACT]->(p) WHERE " + in_subtree("c", "$prefix") + " "
    "WITH c, p, $asOf - duration({days: $windows[p.type]}) AS since "
    # The last evidence is an aggregate, cheaper than a sorted COLLECT subquery per placement.
    "CALL (c, p) { OPTIONAL MATCH (c)-[:HAS_FACT]->(s:ServiceSession) "
    "  WHERE s.date <= $asOf AND (p.type <> 'HOME_DELIVERY' OR s.kind = 'HOME_DELIVERY') "
    "  RETURN max(s.date) AS last } "
    "WITH c, p, last, p.date <= since AND (last IS NULL OR last <= since) AS suspect "
    "RETURN count(DISTINCT c) AS checked, "
    "count(DISTINCT CASE WHEN suspect THEN c END) AS suspects, "
    "collect(CASE WHEN suspect AND {visible} THEN {id: c.id, type: p.type, "
    "  days: duration.inDays(coalesce(last, p.date), $asOf).days} END) AS rows"
)


async def compute(graph: Graph, inputs: Inputs) -> list[Result]:
    windows = {str(kind): days for kind, days in inputs.rules.hollow_window_days.items()}
    rows = await run(graph, QUERY, inputs, types=sorted(windows), windows=windows)
    row: dict[str, Any] = rows[0] if rows else {}
    found = sorted(row.get("rows", []), key=lambda r: r["id"])
    items = [
        Item("Child", r["id"], f"{r['id']} {r['type']}",
             {"daysWithoutEvidence": r["days"], "window": windows[r["type"]]},
             flagged=True, child=True)
        for r in found
    ]
    return [result(inputs, "hollow.suspects", row.get("suspects", 0), row.get("checked", 0),
                   [r["id"] for r in found], items=items)]

"""Transitions 转衔: open, completed in the year, and stalled (002 四(四)1).

Stalled is computed from placements, not from the recorded status, so a stall is counted
whether or not the stalled-transition workflow (``hub.workflows``) has marked it yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.graph import Graph
from hub.indicators.common import NEXT_STAGE, Inputs, result, run
from hub.indicators.model import Item, Result
from hub.predicates import in_subtree, may_lack_current_placement
from hub.services.placements import LEFT_ROLL

# A child's latest-ending placement, ended more than N days before the as-of day, with no
# placement after it. Not a stall: a death, dropping out or leaving the roll (each is a dropout
# case, hub dropout check's), or the end of senior secondary. The next stage expected is the
# recorded transition's, else the next stage after a graduation, else the same stage.
# The latest end per child is an aggregation (an open placement counts as never ending); only
# the few children whose latest end is old enough are then tested for region and age and have
# their placements looked at again, instead of sorting every placement of every child.
STALLED = (
    # A child with a current placement has one that never ends: only the others (≈ 16 % of
    # the children) are walked to their placements, not every placement to its child.
    "MATCH (c:Child) WHERE " + may_lack_current_placement("c") + " "
    "CALL (c) { MATCH (c)-[:HAS_FACT]->(p:Placement) "
    "  RETURN max(coalesce(p.endDate, date('9999-12-31'))) AS latest } "
    "WITH c, latest WHERE latest < $stalledBefore "
    "AND " + in_subtree("c", "$prefix") + " AND c.birthDate > $adultBorn "
    "MATCH (c)-[:HAS_FACT]->(p:Placement) WHERE p.endDate = latest "
    "WITH c, p ORDER BY p.id DESC "
    "WITH c, head(collect(p)) AS p "
    "WHERE NOT coalesce(p.status, '') IN ['DECEASED', 'DROPPED_OUT'] "
    "AND NOT coalesce(p.endReason = $leftRoll, false) "
    "AND NOT (p.stage IN ['SENIOR', 'VOCATIONAL'] AND p.status = 'GRADUATED') "
    "WITH c, p, COLLECT { MATCH (t:Transition)-[:FROM_PLACEMENT]->(p) "
    "  RETURN t.toStage AS s ORDER BY t.date DESC LIMIT 1 }[0] AS expected "
    "WITH c, p, coalesce(expected, CASE WHEN p.status = 'GRADUATED' THEN $next[p.stage] "
    "  ELSE p.stage END, p.stage) AS toStage "
)

QUERY = (
    "CALL () { "
    # The state first, each found by an index (status; completion day, migration 0015): most
    # transitions are neither, and need not be read, nor walked to their child.
    "  CALL () { "
    "    MATCH (t:Transition) WHERE t.status IN ['PLANNED', 'HANDED_OVER'] "
    "    RETURN t, 'open' AS state "
    "    UNION ALL "
    "    MATCH (t:Transition) WHERE t.completedOn >= $yearStart AND t.completedOn <= $yearEnd "
    "    AND t.status = 'COMPLETED' "
    "    RETURN t, 'completed' AS state "
    "  } "
    "  MATCH (c)-[:HAS_FACT]->(t) WHERE " + in_subtree("c", "$prefix") + " "
    "  WITH state, coalesce(t.fromStage, '-') + '→' + coalesce(t.toStage, '-') AS pair, "
    "  count(*) AS n, collect(CASE WHEN {visible} THEN c.id END) AS kids "
    "  RETURN collect({state: state, pair: pair, n: n, kids: kids}) AS recorded "
    "} "
    "CALL () { "
    + STALLED +
    "  WITH p.stage + '→' + toStage AS pair, count(DISTINCT c) AS n, "
    "  collect(CASE WHEN {visible} THEN {id: c.id, "
    "    days: duration.inDays(p.endDate, $asOf).days} END) AS rows "
    "  RETURN collect({pair: pair, n: n, rows: rows}) AS stalled "
    "} "
    "RETURN recorded, stalled"
)


def _adult_born(as_of: dt.date) -> dt.date:
    try:
        return as_of.replace(year=as_of.year - 18)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 18, day=28)


def stalled_params(as_of: dt.date, days: int) -> dict[str, Any]:
    return {"adultBorn": _adult_born(as_of), "stalledBefore": as_of - dt.timedelta(days=days),
            "next": NEXT_STAGE, "asOf": as_of, "leftRoll": LEFT_ROLL}


async def compute(graph: Graph, inputs: Inputs) -> list[Result]:
    rows = await run(graph, QUERY, inputs,
                     **stalled_params(inputs.as_of, inputs.rules.stalled_after_days))
    row: dict[str, Any] = rows[0] if rows else {}
    out = []
    for state, key in (("open", "transitions.open"), ("completed", "transitions.completed")):
        groups = sorted((g for g in row.get("recorded", []) if g["state"] == state),
                        key=lambda g: g["pair"])
        items = [Item("StagePair", g["pair"], g["pair"], {"transitions": g["n"]})
                 for g in groups]
        out.append(result(inputs, key, sum(int(g["n"]) for g in groups), None,
                          [k for g in groups for k in g["kids"]], items=items))
    groups = sorted(row.get("stalled", []), key=lambda g: g["pair"])
    items = [Item("StagePair", g["pair"], g["pair"], {"children": g["n"]}, flagged=True)
             for g in groups]
    items += [
        Item("Child", r["id"], f"{r['id']} {g['pair']}", {"daysSinceEnd": r["days"]},
             flagged=True, child=True)
        for g in groups for r in sorted(g["rows"], key=lambda r: r["id"])
    ]
    out.append(result(inputs, "transitions.stalled", sum(int(g["n"]) for g in groups), None,
                      [r["id"] for g in groups for r in g["rows"]], items=items))
    return out

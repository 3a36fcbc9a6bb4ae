"""Home-delivery compliance per child 送教上门达标情况 (000 一(三), 001 §12)."""

from __future__ import annotations

from typing import Any

from hub.graph import Graph
from hub.indicators.common import Inputs, result, run
from hub.indicators.model import Item, Result
from hub.predicates import in_subtree, last_day_within, overlaps

# Children with a home-delivery placement at any time in the year; the days it covered (pro
# rata share of the year), and their HOME_DELIVERY sessions in the year grouped by ISO week.
# The year's sessions are found by their kind and day (migration 0023) and walked to their
# child, then joined to the pupils by child: walking each pupil's facts to find them read
# every fact the child ever had (≈ 0.55 M reads at 100,000 children). A pupil's own row carries
# no visit (``n`` 0, no hours), so one without sessions reads 0 visits and 0 hours as before.
QUERY = (
    # The type's index: the start day's (migration 0021) would return every placement.
    "MATCH (p:Placement) USING INDEX p:Placement(type) WHERE p.type = 'HOME_DELIVERY' "
    "AND " + overlaps("p", "$yearStart", "$yearEnd") + " "
    "MATCH (c)-[:HAS_FACT]->(p) WHERE " + in_subtree("c", "$prefix") + " "
    "WITH c, sum(duration.inDays("
    "  CASE WHEN p.date > $yearStart THEN p.date ELSE $yearStart END, "
    "  " + last_day_within("p", "$yearEnd") + ").days) AS covered "
    "WITH collect({c: c, covered: covered}) AS pupils "
    "CALL (pupils) { "
    "  UNWIND pupils AS pupil "
    "  RETURN pupil.c AS c, pupil.covered AS covered, 0 AS n, null AS h, null AS lo, null AS hi "
    "  UNION ALL "
    # Kind and day (0023): the day's index alone would return every kind of session.
    "  MATCH (s:ServiceSession) USING INDEX s:ServiceSession(kind, date) "
    "  WHERE s.kind = 'HOME_DELIVERY' "
    "  AND s.date >= $yearStart AND s.date <= $yearEnd "
    "  MATCH (c)-[:HAS_FACT]->(s) "
    "  WITH c, s.date.weekYear * 100 + s.date.week AS week, count(s) AS n, sum(s.hours) AS h, "
    "  min(s.hours) AS lo, max(s.hours) AS hi "
    "  RETURN c, null AS covered, n, h, lo, hi "
    "} "
    "WITH c, max(covered) AS covered, sum(n) AS visits, sum(h) AS hours, max(n) AS busiest, "
    "  min(lo) AS shortest, max(hi) AS longest "
    # Children with sessions but no home-delivery placement in the year are not its pupils.
    "WHERE covered IS NOT NULL "
    "WITH c, visits, hours, busiest, shortest, longest, "
    "  toFloat(CASE WHEN covered > $yearDays THEN $yearDays ELSE covered END) / $yearDays AS part "
    "WITH c, visits, hours, busiest, shortest, longest, part, $minHours * part AS required, "
    "  CASE WHEN part > 0 THEN visits / ($teachingWeeks * part) END AS perWeek "
    "WITH c, visits, hours, busiest, shortest, longest, part, required, perWeek, "
    "  hours >= required - 1e-9 AS hoursOk, "
    "  coalesce(perWeek >= $minPerWeek AND perWeek <= $maxPerWeek AND busiest <= $maxPerWeek, "
    "    false) AS frequencyOk, "
    "  visits > 0 AND shortest >= $minVisit AND longest <= $maxVisit AS lengthOk "
    "RETURN count(*) AS pupils, sum(visits) AS visits, "
    "  count(CASE WHEN visits > 0 THEN 1 END) AS visited, "
    "  count(CASE WHEN hoursOk THEN 1 END) AS hoursOk, "
    "  count(CASE WHEN frequencyOk THEN 1 END) AS frequencyOk, "
    "  count(CASE WHEN lengthOk THEN 1 END) AS lengthOk, "
    "  collect(CASE WHEN {visible} THEN {id: c.id, hours: hours, required: required, "
    "    visits: visits, perWeek: perWeek, busiest: busiest, shortest: shortest, "
    "    longest: longest, part: part, hoursOk: hoursOk, frequencyOk: frequencyOk, "
    "    lengthOk: lengthOk} END) AS rows"
)


async def compute(graph: Graph, inputs: Inputs) -> list[Result]:
    rules = inputs.rules
    rows = await run(
        graph, QUERY, inputs,
        yearDays=inputs.year.days,
        minHours=rules.home_delivery_hours,
        teachingWeeks=rules.teaching_weeks,
        minPerWeek=rules.visits_per_week[0], maxPerWeek=rules.visits_per_week[1],
        minVisit=rules.hours_per_visit[0], maxVisit=rules.hours_per_visit[1],
    )
    row: dict[str, Any] = rows[0] if rows else {}
    children: list[dict[str, Any]] = sorted(row.get("rows", []), key=lambda r: r["id"])
    pupils, visited = int(row.get("pupils", 0)), int(row.get("visited", 0))
    visits = int(row.get("visits") or 0)
    subsidy = visits * rules.subsidy_per_visit_yuan

    items = [
        Item(
            "Child", r["id"], r["id"],
            {
                "hours": r["hours"], "requiredHours": r["required"], "visits": r["visits"],
                "visitsPerWeek": r["perWeek"], "mostVisitsInAWeek": r["busiest"],
                "shortestVisit": r["shortest"], "longestVisit": r["longest"],
                "partOfYear": r["part"],
                "subsidyYuan": r["visits"] * rules.subsidy_per_visit_yuan,
            },
            flagged=not (r["hoursOk"] and r["frequencyOk"] and r["lengthOk"]),
            child=True,
        )
        for r in children
    ]

    def failing(flag: str, among_visited: bool = False) -> list[str]:
        return [r["id"] for r in children
                if not r[flag] and (r["visits"] > 0 or not among_visited)]

    return [
        result(inputs, "homeDelivery.hours", row.get("hoursOk", 0), pupils, failing("hoursOk"),
               items=items),
        result(inputs, "homeDelivery.frequency", row.get("frequencyOk", 0), pupils,
               failing("frequencyOk"), items=items),
        result(inputs, "homeDelivery.visitLength", row.get("lengthOk", 0), visited,
               failing("lengthOk", among_visited=True), items=items),
        result(inputs, "homeDelivery.subsidy", visits, None,
               [r["id"] for r in children if r["visits"] > 0], value=subsidy, items=items),
    ]

"""Dropout-control cases 控辍保学台账 (000 一(五)): open, closed in the year, days to close."""

from __future__ import annotations

from typing import Any

from hub.graph import Graph
from hub.indicators.common import Inputs, result, run
from hub.indicators.model import Result
from hub.predicates import in_subtree

QUERY = (
    "MATCH (c:Child)-[:HAS_FACT]->(d:DropoutCase) WHERE " + in_subtree("c", "$prefix") + " "
    "AND d.date <= $asOf "
    "WITH c, d, d.status = 'OPEN' OR d.closedOn > $asOf AS open, "
    "  d.status = 'CLOSED' AND d.closedOn >= $yearStart AND d.closedOn <= $yearEnd "
    "  AND d.closedOn <= $asOf AS closed "
    "RETURN count(CASE WHEN open THEN 1 END) AS open, "
    "  count(CASE WHEN closed THEN 1 END) AS closed, "
    "  percentileCont(CASE WHEN closed THEN duration.inDays(d.date, d.closedOn).days END, 0.5) "
    "  AS median, "
    "  collect(CASE WHEN open AND {visible} THEN c.id END) AS openKids, "
    "  collect(CASE WHEN closed AND {visible} THEN c.id END) AS closedKids"
)


async def compute(graph: Graph, inputs: Inputs) -> list[Result]:
    rows = await run(graph, QUERY, inputs)
    row: dict[str, Any] = rows[0] if rows else {}
    closed = int(row.get("closed", 0))
    return [
        result(inputs, "dropout.open", row.get("open", 0), None, row.get("openKids", [])),
        result(inputs, "dropout.closed", closed, None, row.get("closedKids", [])),
        result(inputs, "dropout.medianDays", closed, None, row.get("closedKids", []),
               value=row.get("median") if closed else None),
    ]

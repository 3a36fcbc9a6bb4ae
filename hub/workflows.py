"""Transition and dropout workflows 转衔与控辍工作流: the hub's own checks that open cases.

- :func:`check_transitions` (``hub transitions check``): a child whose latest placement ended
  more than N days ago with no placement after it (the rule of ``transitions.stalled``) is a
  stalled transition. An open (planned or handed-over) transition of the child is marked
  STALLED; if the child has none, a STALLED transition is recorded from the ended placement,
  so the case shows on the list of the education bureau of the child's region (and of the
  receiving organisation when one was named). A STALLED transition whose child has since been
  placed is completed with that placement.
- :func:`check_dropout` (``hub dropout check --term 2026-09``): compares school status before
  and after a term starts (000 一(五): 开学前后学生信息数据比对). A child of compulsory age who
  held school status in the weeks before the term and holds none on the term's first day
  (plus a grace period) has not returned: a DropoutCase is opened (recordedBy EDU, source
  ``dropout-check``). A pupil who left the roll (a complete edu-status snapshot taken after the
  term started no longer lists a pupil last listed before it; hub/services/placements.py) holds
  no status on the term's first day, whatever day that snapshot ended the placement on. Running
  it twice opens nothing new: a child with an open case is
  skipped, and each (term, child) is opened at most once (``sourceRef`` is unique). Closing a
  case needs a resolution (``closeDropoutCase``).

Both are single Cypher statements per step, values as parameters. Each transition marked or
recorded STALLED and each case opened writes its outbox event (hub/outbox.py) in the same
statement.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hub.errors import BadUserInput
from hub.graph import Graph
from hub.indicators.common import BANDS, holds_status
from hub.indicators.model import SchoolYear
from hub.indicators.transitions import STALLED, stalled_params
from hub.outbox import EventKind, emit
from hub.predicates import in_subtree, overlaps, region_prefix
from hub.services.placements import LEFT_ROLL
from hub.services.transitions import TRANSITION_CONCERNS

# --- stalled transitions --------------------------------------------------------------------

_RESOLVE = (
    "MATCH (c:Child)-[:HAS_FACT]->(t:Transition {status: 'STALLED'})-[:FROM_PLACEMENT]->"
    "(p:Placement) WHERE " + in_subtree("c", "$prefix") + " "
    "CALL (c, p) { MATCH (c)-[:HAS_FACT]->(q:Placement) WHERE q <> p AND q.date >= p.endDate "
    "  RETURN q ORDER BY q.date, q.id LIMIT 1 } "
    "OPTIONAL MATCH (q)-[:AT]->(o:Organisation) "
    "OPTIONAL MATCH (t)-[r:RECEIVING|TO_PLACEMENT]->() DELETE r "
    "WITH DISTINCT t, q, o "
    "SET t.status = 'COMPLETED', t.completedOn = q.date, t.toStage = q.stage, t.toType = q.type "
    "CREATE (t)-[:TO_PLACEMENT]->(q) "
    "FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | CREATE (t)-[:RECEIVING]->(o)) "
    "RETURN count(t) AS resolved"
)

_MARK = (
    STALLED
    + "MATCH (c)-[:HAS_FACT]->(t:Transition) WHERE t.status IN ['PLANNED', 'HANDED_OVER'] "
    "SET t.status = 'STALLED', t.stalledOn = $asOf "
    "FOREACH (_ IN CASE WHEN EXISTS { (t)-[:FROM_PLACEMENT]->() } THEN [] ELSE [1] END | "
    "  CREATE (t)-[:FROM_PLACEMENT]->(p)) "
    "WITH DISTINCT c, t " + TRANSITION_CONCERNS
    + emit(EventKind.TRANSITION_STALLED, "[c.id]", "t.id", "organisations",
           "[c.regionCode] + regions") +
    "RETURN count(DISTINCT t) AS marked"
)

_RAISE = (
    STALLED
    + "WITH c, p, toStage, 'stalled-check/' + p.id AS ref "
    "WHERE NOT EXISTS { MATCH (c)-[:HAS_FACT]->(t:Transition) "
    "  WHERE t.status IN ['PLANNED', 'HANDED_OVER', 'STALLED'] } "
    "AND NOT EXISTS { MATCH (x:Fact {sourceRef: ref}) } "
    "CREATE (c)-[:HAS_FACT]->(t:Fact:Transition)-[:FROM_PLACEMENT]->(p) "
    "SET t.id = 'trn_' + left(replace(randomUUID(), '-', ''), 16), t.date = p.endDate, "
    "t.fromStage = p.stage, t.toStage = toStage, t.fromType = p.type, t.toType = null, "
    "t.status = 'STALLED', t.stalledOn = $asOf, t.recordedBy = 'EDU', "
    "t.recordedIn = c.regionCode, t.source = 'stalled-check', t.sourceKey = p.id, "
    "t.sourceRef = ref, t.recordedAt = datetime() "
    "WITH c, t " + TRANSITION_CONCERNS
    + emit(EventKind.TRANSITION_STALLED, "[c.id]", "t.id", "organisations",
           "[c.regionCode] + regions") +
    "RETURN count(t) AS raised"
)


@dataclass(frozen=True)
class TransitionCheck:
    resolved: int  # STALLED transitions completed because the child has been placed since
    marked: int  # open transitions marked STALLED
    raised: int  # STALLED transitions recorded for an ended placement with none


async def check_transitions(
    graph: Graph, as_of: dt.date, days: int, region: str | None = None
) -> TransitionCheck:
    params = {"prefix": region_prefix(region) if region else "", **stalled_params(as_of, days)}
    async with graph.transaction() as tx:
        resolved = await tx.run(_RESOLVE, params)
        marked = await tx.run(_MARK, params)
        raised = await tx.run(_RAISE, params)
    return TransitionCheck(
        int(resolved[0]["resolved"]), int(marked[0]["marked"]), int(raised[0]["raised"])
    )


# --- dropout check --------------------------------------------------------------------------

_TERM = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

_DROPOUT = (
    "MATCH (c)-[:HAS_FACT]->(p:Placement) "
    "WHERE " + overlaps("p", "$beforeStart", "$beforeEnd") + " "
    "WITH DISTINCT c WHERE " + in_subtree("c", "$prefix") + " "
    "AND c.birthDate >= $bornFrom AND c.birthDate <= $bornTo "
    # The census reads school status so too (hub/indicators/common.py holds_status).
    "AND NOT EXISTS { MATCH (c)-[:HAS_FACT]->(q:Placement) WHERE "
    + holds_status("q", "$after", "$start") + " } "
    "AND NOT EXISTS { MATCH (c)-[:HAS_FACT]->(q:Placement) WHERE q.status = 'DECEASED' } "
    "AND NOT EXISTS { MATCH (c)-[:HAS_FACT]->(d:DropoutCase) WHERE d.status = 'OPEN' } "
    "WITH c, 'dropout-check/' + $term + '/' + c.id AS ref "
    "WHERE NOT EXISTS { MATCH (x:Fact {sourceRef: ref}) } "
    "CREATE (c)-[:HAS_FACT]->(d:Fact:DropoutCase) "
    "SET d.id = 'drp_' + left(replace(randomUUID(), '-', ''), 16), d.date = $after, "
    "d.reason = $reason, d.actions = [], d.status = 'OPEN', d.recordedBy = 'EDU', "
    "d.recordedIn = c.regionCode, d.source = 'dropout-check', d.sourceKey = $term + '/' + c.id, "
    "d.sourceRef = ref, d.recordedAt = datetime() "
    + emit(EventKind.DROPOUT_CASE_OPENED, "[c.id]", "d.id", "[]", "[c.regionCode]") +
    "RETURN count(d) AS opened, collect(c.id) AS children"
)


@dataclass(frozen=True)
class DropoutCheck:
    term: str
    before: tuple[dt.date, dt.date]
    after: dt.date
    opened: int
    children: tuple[str, ...]


def term_start(term: str) -> dt.date:
    match = _TERM.match(term)
    if not match:
        raise BadUserInput("term: 学期应写作 YYYY-MM the term is written YYYY-MM, e.g. 2026-09",
                           field="term")
    return dt.date(int(match[1]), int(match[2]), 1)


async def check_dropout(
    graph: Graph,
    term: str,
    *,
    today: dt.date,
    region: str | None = None,
    grace_days: int = 0,
    lookback_days: int = 120,
) -> DropoutCheck:
    start = term_start(term)
    after = start + dt.timedelta(days=grace_days)
    if after > today:
        raise BadUserInput(
            f"term: 该学期尚未开学 the term has not started yet (school status is compared on "
            f"{after.isoformat()})",
            field="term",
        )
    before = (start - dt.timedelta(days=lookback_days), start - dt.timedelta(days=1))
    # Compulsory age in the school year the term belongs to (a spring term: the year before).
    year = SchoolYear.of(start)
    born_from, born_to = year.born(*BANDS["COMPULSORY"])
    rows = await graph.write(_DROPOUT, {
        "prefix": region_prefix(region) if region else "",
        "beforeStart": before[0], "beforeEnd": before[1], "after": after,
        "bornFrom": born_from, "bornTo": born_to, "term": term,
        "start": start, "leftRoll": LEFT_ROLL,
        "reason": f"开学未返校 did not return after term {term} started "
                  "(学籍比对 school-status comparison before and after the term start)",
    })
    row = rows[0]
    return DropoutCheck(term, before, after, int(row["opened"]),
                        tuple(sorted(str(c) for c in row["children"])))

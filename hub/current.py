"""The current placement 当前安置, kept as a pointer:
``(:Child)-[:CURRENT_PLACEMENT]->(:Placement)``.

A placement is current from its start until it ends (``endDate``: a snapshot says the pupil
left, the next placement starts, a transition completes). Asked as "``endDate`` is null", that
is a condition the planner cannot seek on: range indexes leave nulls out, so every query had to
walk a child's (or a school's) whole placement history and test each one. The pointer is one
relationship per child that queries expand instead (``hub/predicates.py``
:func:`~hub.predicates.current_placement`, :func:`~hub.predicates.current_pupil`): a child's
current placement is one hop, a school's current pupils are its placements that have one.

**Who writes it**: this module only, and every write that can change which placement is current
calls :func:`sync_current` for the children it touched, at the end of its transaction: placing a
child and ending a placement (``hub/services/placements.py``), each snapshot batch (for the
children whose placements it created on another child than a new one, moved, or started or
ended on another day) and the left-the-roll step (edu-status), merging and unmerging two children
(``hub/services/duplicates.py``), and linkage folding one child into another
(``connectors/linkage.py``). The one exception is a snapshot batch's new placements of a child
the batch created: it knows all of that child's placements, and points at the current one as it
creates them (:func:`point_if`). :func:`sync_all` rebuilds it for the whole graph (migration 0013,
and tests that seed placements with raw Cypher).

**The invariant**, after every committed write: a child has at most one ``CURRENT_PLACEMENT``; it
points at one of the child's own placements (``HAS_FACT``) whose ``endDate`` is null, and there
is one exactly when the child has such a placement. The child's ``currentType`` and
``currentStage`` (:func:`~hub.predicates.current_type`) are that placement's ``type`` and
``stage``, absent without one: filters on them seek a composite index (migration 0014).
Every placement of the child with no ``endDate`` carries the label ``OpenPlacement``
(:func:`~hub.predicates.open_placement`), and no other placement does: the indicators' census
seeks the open placements by it (a range index leaves out the nulls an open placement has).
When there are several (a snapshot batch before ``end_superseded`` runs, a seed), it is the
latest by start day, then ``recordedAt``, then
id: the one ``end_superseded`` keeps. A placement recorded with a start day still to come is
current from when it is recorded, as the ``endDate`` rule always had it (a pointer cannot move
at midnight by itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import LiteralString

from hub.graph import Graph, Transaction
from hub.predicates import (
    CURRENT_PLACEMENT,
    CURRENT_STAGE,
    CURRENT_TYPE,
    OPEN_PLACEMENT,
    not_ended,
)

__all__ = ["label_all", "point_if", "sync_all", "sync_current"]

# The open-placement label of ``p`` made to agree with its end date: set on an open placement
# without it, removed from an ended one with it (a placement ended, or re-opened by a snapshot);
# one that agrees is only read.
_LABEL: LiteralString = (
    "WHERE (" + not_ended("p") + ") <> p:" + OPEN_PLACEMENT + " "
    "FOREACH (_ IN CASE WHEN " + not_ended("p") + " THEN [1] ELSE [] END | "
    "  SET p:" + OPEN_PLACEMENT + ") "
    "FOREACH (_ IN CASE WHEN " + not_ended("p") + " THEN [] ELSE [1] END | "
    "  REMOVE p:" + OPEN_PLACEMENT + ") "
)

# For one child ``c``, already matched. The child's write lock comes first, so two transactions
# syncing the same child run one after the other and the second reads what the first wrote
# (else both could see no pointer and each create one). Then: a placement moved onto ``c`` from
# another child (merge, fold, a re-linked snapshot row) may still be pointed at by that child;
# the child's placements get the open-placement label exactly when they have no end date; the
# latest open placement is found; a pointer elsewhere is removed; the right one is created
# unless it is there already (most syncs change nothing, and write nothing more); the child's
# mirror of the placement's type and stage likewise.
_DERIVE: LiteralString = (
    "SET c._lock = true REMOVE c._lock "
    "WITH c "
    "CALL (c) { MATCH (c)-[:HAS_FACT]->(:Placement)<-[r:" + CURRENT_PLACEMENT + "]-(o) "
    "  WHERE o <> c DELETE r } "
    "CALL (c) { MATCH (c)-[:HAS_FACT]->(p:Placement) " + _LABEL + "} "
    "WITH c, head(COLLECT { MATCH (c)-[:HAS_FACT]->(p:Placement) WHERE " + not_ended("p") + " "
    "  RETURN p ORDER BY p.date DESC, p.recordedAt DESC, p.id DESC LIMIT 1 }) AS latest "
    "CALL (c, latest) { MATCH (c)-[r:" + CURRENT_PLACEMENT + "]->(p) "
    "  WHERE latest IS NULL OR p <> latest DELETE r } "
    "FOREACH (_ IN CASE WHEN latest IS NULL "
    "  OR EXISTS { (c)-[:" + CURRENT_PLACEMENT + "]->(latest) } THEN [] ELSE [1] END | "
    "  CREATE (c)-[:" + CURRENT_PLACEMENT + "]->(latest)) "
    "FOREACH (_ IN CASE WHEN coalesce(c." + CURRENT_TYPE + ", '') = coalesce(latest.type, '') "
    "  AND coalesce(c." + CURRENT_STAGE + ", '') = coalesce(latest.stage, '') "
    "  THEN [] ELSE [1] END | "
    "  SET c." + CURRENT_TYPE + " = latest.type, c." + CURRENT_STAGE + " = latest.stage)"
)

_SYNC: LiteralString = "UNWIND $children AS id MATCH (c:Child {id: id}) " + _DERIVE

# A node that is no longer a Child (merged away, relabelled MergedChild) keeps no pointer;
# nor does any pointer to a placement that is not its start node's own.
_CLEAR_STRAY: LiteralString = (
    "MATCH (x)-[r:" + CURRENT_PLACEMENT + "]->(p) "
    "WHERE NOT x:Child OR NOT EXISTS { (x)-[:HAS_FACT]->(p) } "
    "CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS"
)
_SYNC_ALL: LiteralString = (
    "MATCH (c:Child) CALL (c) { " + _DERIVE + " } IN TRANSACTIONS OF 2000 ROWS"
)
# Every placement, a child's or not (a merged-away record's): the label by the same rule.
_LABEL_ALL: LiteralString = (
    "MATCH (p:Placement) CALL (p) { WITH p " + _LABEL + "} IN TRANSACTIONS OF 10000 ROWS"
)


def point_if(flag: LiteralString, child: LiteralString, placement: LiteralString
             ) -> LiteralString:
    """A clause pointing ``child`` at ``placement`` (and mirroring its type and stage on the
    child, and labelling the placement open) when ``flag`` (an expression) is true: for a write
    that creates a child's placements and knows, without asking the graph, which one is current
    — a snapshot batch's placements of a child the batch itself created
    (``hub.services.placements.settle_new``: its one open placement is the current one, the
    others are ended), and the ingest benchmark's ceiling, which writes what that does. Every
    other write calls :func:`sync_current`."""
    return ("FOREACH (_ IN CASE WHEN " + flag + " THEN [1] ELSE [] END | "
            "SET " + placement + ":" + OPEN_PLACEMENT + " "
            "CREATE (" + child + ")-[:" + CURRENT_PLACEMENT + "]->(" + placement + ") "
            "SET " + child + "." + CURRENT_TYPE + " = " + placement + ".type, "
            + child + "." + CURRENT_STAGE + " = " + placement + ".stage) ")


async def sync_current(tx: Transaction, child_ids: Iterable[str]) -> None:
    """Re-derives the pointer of these children inside the caller's write transaction.

    Pass every child whose placements the transaction created, ended, re-opened or moved, on
    either side of a move. Ids are locked in sorted order (two transactions syncing overlapping
    children cannot deadlock on each other); ids of children that no longer exist are skipped.
    """
    children = sorted(set(child_ids))
    if children:
        await tx.run(_SYNC, {"children": children})


async def sync_all(graph: Graph) -> None:
    """Rebuilds every pointer and open-placement label (idempotent): migration 0013, and tests
    that seed placements with raw Cypher. Runs in batches of its own transactions, so not
    inside another one."""
    await graph.autocommit(_CLEAR_STRAY)
    await graph.autocommit(_SYNC_ALL)
    await label_all(graph)


async def label_all(graph: Graph) -> None:
    """Gives every placement the open-placement label exactly when it has no end date
    (idempotent, batches of its own transactions): migration 0023, and :func:`sync_all`."""
    await graph.autocommit(_LABEL_ALL)

"""Placing a child 安置: a new placement closes the open one and records the transition 转衔.

The ladder (``PlacementType``), preferred first: regular-class inclusion, special class, special
school, home delivery or remote education, welfare-institution class. A placement is ``AT`` a
school or a welfare institution:

- regular class and special class: an ordinary school (not a special school);
- special school: a school whose type is SPECIAL;
- welfare-institution class: a welfare institution;
- home delivery and remote education: the school or institution responsible for it.

Placing a child who already has an open placement closes it on the new start date (status
TRANSFERRED, or GRADUATED when the stage changes) and records a completed ``Transition`` from the
old placement to the new one. If a transition of the child was already planned or handed over,
that one is completed instead of opening a second. A first placement records no transition.

Concurrency: the child's node is locked first, so two placements of the same child run one after
the other; the second sees the first's placement and closes it. A child never has two open
placements.

A placement also ends without a next one: :func:`end_placement` (the ``endPlacement`` mutation,
for departments that record it there), and the school-status snapshots (edu-status, loaded with
``--as-of``; docs/ingest.md): a status other than 在读/休学 ends it on the snapshot day
(:data:`SNAPSHOT_NEW`, :data:`SNAPSHOT_KNOWN`), a newer placement of the child ends it on the
day that one starts (:func:`end_superseded`), and a pupil a later complete snapshot of the
school no longer lists has left the roll (:func:`record_left_roll`). ``endedBy`` says which:
NEXT_PLACEMENT, SNAPSHOT or API.

Each of these writes ends with :func:`hub.current.sync_current` for the children it touched, in
the same transaction, so the current-placement pointer every query reads is never stale.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, LiteralString

from pydantic import StringConstraints

from hub.current import point_if, sync_current
from hub.errors import BadUserInput, Conflict, NotFound
from hub.facts import BY_LABEL
from hub.graph import Transaction
from hub.outbox import EventKind, emit
from hub.predicates import current_placement, current_pupil, not_ended
from hub.services.common import (
    Id,
    OrganisationKind,
    PastDate,
    ServiceInput,
    ShortText,
    bad,
    check_department,
    lock_child,
    native_date,
    new_fact,
    organisation_kind,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import PlacementType, SchoolStatus, Stage

if TYPE_CHECKING:
    from hub.graph import Graph

Grade = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
StudentNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{1,40}$")
]

_AT_ORDINARY_SCHOOL = {PlacementType.REGULAR_CLASS, PlacementType.SPECIAL_CLASS}


class PlaceChild(ServiceInput):
    child_id: Id
    organisation_id: Id
    placement_type: PlacementType
    stage: Stage
    grade: Grade | None = None
    class_id: Id | None = None
    student_number: StudentNumber | None = None
    start_date: dt.date
    end_reason: ShortText | None = None


def check_organisation(placement_type: PlacementType, organisation: OrganisationKind) -> None:
    """The organisation must be able to hold this kind of placement."""
    school = "School" in organisation.labels
    special = school and organisation.school_type == "SPECIAL"
    welfare = "WelfareInstitution" in organisation.labels
    if placement_type in _AT_ORDINARY_SCHOOL:
        fits, chinese, english = school and not special, "普通学校", "an ordinary school"
    elif placement_type is PlacementType.SPECIAL_SCHOOL:
        fits, chinese, english = special, "特殊教育学校", "a special school"
    elif placement_type is PlacementType.WELFARE_CLASS:
        fits, chinese, english = welfare, "儿童福利机构", "a welfare institution"
    else:
        fits, chinese, english = school or welfare, "学校或儿童福利机构", "a school or institution"
    if not fits:
        raise BadUserInput(
            f"organisationId: 安置方式「{placement_type.label}」需安置在{chinese} "
            f"placement type {placement_type.value} needs {english}",
            field="organisationId",
        )


async def place_child(
    tx: Transaction, subject: Subject, data: PlaceChild, idempotency_key: str | None = None
) -> str:
    """Places the child; returns the new placement's id."""
    kind = check_department(subject, "Placement")

    async def action() -> str:
        await lock_child(tx, data.child_id)
        organisation = await organisation_kind(tx, data.organisation_id, "organisationId")
        check_organisation(data.placement_type, organisation)
        # After the lock: reads what any earlier placement of this child committed.
        open_rows = await tx.run(
            "MATCH " + current_placement("c:Child {id: $child}", "p") + " "
            "OPTIONAL MATCH (p)-[:AT]->(o:Organisation) "
            "OPTIONAL MATCH (p)-[:IN_CLASS]->(k:SchoolClass) "
            "RETURN p.id AS id, p.date AS date, p.type AS type, p.stage AS stage, "
            "p.grade AS grade, p.studentNumber AS studentNumber, o.id AS organisation, "
            "k.id AS class",
            {"child": data.child_id},
        )
        previous = open_rows[0] if open_rows else None
        if previous is not None:
            _check_move(data, previous)
        fact_id, props = new_fact(kind, subject, data.start_date)
        stage_changes = previous is not None and previous["stage"] != data.stage.value
        props |= {
            "type": data.placement_type.value,
            "stage": data.stage.value,
            "grade": data.grade,
            "status": SchoolStatus.ACTIVE.value,
            # The school-status number 学籍号 follows the child unless a new one is given.
            "studentNumber": data.student_number
            or (previous["studentNumber"] if previous else None),
        }
        closing = {
            "status": (SchoolStatus.GRADUATED if stage_changes else SchoolStatus.TRANSFERRED).value,
            "endReason": data.end_reason
            or ("升学 moved on to the next stage" if stage_changes
                else "转安置 moved to another placement"),
        }
        await tx.run(
            "MATCH (c:Child {id: $child}) "
            # Every placement not yet ended closes, not only the pointer's: a child never
            # keeps two open ones.
            "OPTIONAL MATCH (c)-[:HAS_FACT]->(old:Placement) WHERE " + not_ended("old") + " "
            "SET old.endDate = $start, old.status = $closing.status, "
            "old.endReason = $closing.endReason, old.endedBy = 'NEXT_PLACEMENT' "
            "WITH DISTINCT c MATCH (o:Organisation {id: $organisation}) "
            "CREATE (c)-[:HAS_FACT]->(p:Fact:Placement)-[:AT]->(o) "
            "SET p = $props, p.recordedAt = datetime()",
            {
                "child": data.child_id,
                "start": data.start_date,
                "closing": closing,
                "organisation": data.organisation_id,
                "props": props,
            },
        )
        if data.class_id is not None:
            await _put_in_class(tx, fact_id, data)
        await _record_transition(tx, subject, data, fact_id, previous)
        await sync_current(tx, [data.child_id])
        return fact_id

    return await once(tx, subject, "placeChild", idempotency_key, data, action)


def _check_move(data: PlaceChild, previous: dict[str, Any]) -> None:
    started = native_date(previous["date"])
    if started is not None and data.start_date < started:
        raise BadUserInput(
            f"startDate: 开始日期早于当前安置的开始日期 {started.isoformat()} the start date is "
            "before the current placement's; a placement can only follow the current one",
            field="startDate",
        )
    same = (
        previous["organisation"] == data.organisation_id
        and previous["type"] == data.placement_type.value
        and previous["stage"] == data.stage.value
        and previous["grade"] == data.grade
        and previous["class"] == data.class_id
    )
    if same:
        raise Conflict(
            "儿童已按此方式安置在该机构 the child is already placed so at this organisation; "
            "nothing to change"
        )


async def _put_in_class(tx: Transaction, placement_id: str, data: PlaceChild) -> None:
    rows = await tx.run(
        "MATCH (p:Fact:Placement {id: $placement}) "
        "MATCH (k:SchoolClass {id: $class}) "
        "OPTIONAL MATCH (o:Organisation {id: $organisation})-[:HAS_CLASS]->(k) "
        "FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | "
        "  CREATE (p)-[:IN_CLASS]->(k) SET p.className = k.name) "
        "RETURN o IS NOT NULL AS ofOrganisation",
        {"placement": placement_id, "class": data.class_id, "organisation": data.organisation_id},
    )
    if not rows:
        raise NotFound("未找到该班级 no class with this id; check classId", field="classId")
    if not rows[0]["ofOrganisation"]:
        raise BadUserInput(
            "classId: 该班级不属于所选机构 the class is not a class of organisationId",
            field="classId",
        )


async def _record_transition(
    tx: Transaction,
    subject: Subject,
    data: PlaceChild,
    placement_id: str,
    previous: dict[str, Any] | None,
) -> None:
    """Completes the child's open transition, or records a completed one for this move."""
    values = {
        "child": data.child_id,
        "placement": placement_id,
        "previous": previous["id"] if previous else None,
        "organisation": data.organisation_id,
        "start": data.start_date,
        "fromStage": previous["stage"] if previous else None,
        "fromType": previous["type"] if previous else None,
        "toStage": data.stage.value,
        "toType": data.placement_type.value,
    }
    completed = await tx.run(
        "MATCH (:Child {id: $child})-[:HAS_FACT]->(t:Transition) "
        "WHERE t.status IN ['PLANNED', 'HANDED_OVER'] "
        "WITH t ORDER BY t.date, t.id LIMIT 1 "
        "MATCH (p:Fact:Placement {id: $placement}), (o:Organisation {id: $organisation}) "
        "OPTIONAL MATCH (t)-[r:RECEIVING|TO_PLACEMENT]->() DELETE r "
        "WITH DISTINCT t, p, o "
        "OPTIONAL MATCH (old:Fact:Placement {id: $previous}) "
        "FOREACH (_ IN CASE WHEN old IS NULL OR EXISTS { (t)-[:FROM_PLACEMENT]->() } "
        "  THEN [] ELSE [1] END | CREATE (t)-[:FROM_PLACEMENT]->(old)) "
        "CREATE (t)-[:TO_PLACEMENT]->(p), (t)-[:RECEIVING]->(o) "
        "SET t.status = 'COMPLETED', t.completedOn = $start, "
        "t.fromStage = coalesce(t.fromStage, $fromStage), "
        "t.fromType = coalesce(t.fromType, $fromType), "
        "t.toStage = $toStage, t.toType = $toType "
        "RETURN t.id AS id",
        values,
    )
    if completed or previous is None:
        return  # a planned transition is now complete, or this is the first placement
    _, props = new_fact(BY_LABEL["Transition"], subject, data.start_date)
    props |= {
        "fromStage": values["fromStage"],
        "toStage": values["toStage"],
        "fromType": values["fromType"],
        "toType": values["toType"],
        "status": "COMPLETED",
        "completedOn": data.start_date,
    }
    await tx.run(
        "MATCH (c:Child {id: $child}), (old:Fact:Placement {id: $previous}), "
        "(p:Fact:Placement {id: $placement}), (o:Organisation {id: $organisation}) "
        "CREATE (c)-[:HAS_FACT]->(t:Fact:Transition) SET t = $props, t.recordedAt = datetime() "
        "CREATE (t)-[:FROM_PLACEMENT]->(old), (t)-[:TO_PLACEMENT]->(p), (t)-[:RECEIVING]->(o)",
        values | {"props": props},
    )


# --- ending a placement without a next one ------------------------------------------------

ENDING_STATUSES = (SchoolStatus.TRANSFERRED, SchoolStatus.GRADUATED, SchoolStatus.DROPPED_OUT,
                   SchoolStatus.DECEASED)
LEFT_ROLL = "LEFT_ROLL"  # endReason of a placement a complete snapshot no longer lists

# The outbox event of placement ``p`` of child ``c`` ending without a next one, written with the
# end (hub/outbox.py): the organisation it was at, and the child's region.
PLACEMENT_ENDED = (
    "WITH c, p OPTIONAL MATCH (p)-[:AT]->(ended_at:Organisation) "
    "WITH c, p, collect(ended_at) AS ended_at "
    + emit(EventKind.PLACEMENT_ENDED, "[c.id]", "p.id", "[x IN ended_at | x.id]",
           "[c.regionCode] + [x IN ended_at | x.regionCode]")
)


class EndPlacement(ServiceInput):
    id: Id
    date: PastDate
    reason: SchoolStatus


async def end_placement(
    tx: Transaction, subject: Subject, data: EndPlacement, idempotency_key: str | None = None
) -> str:
    """Ends a current placement on ``date`` for ``reason`` (转出, 毕业, 辍学, 死亡); returns its
    id. Not before it started; a placement that has already ended is a CONFLICT."""
    check_department(subject, "Placement")
    if data.reason not in ENDING_STATUSES:
        raise bad("结束原因应为转出、毕业、辍学或死亡 the reason must be TRANSFERRED, GRADUATED, "
                  "DROPPED_OUT or DECEASED", "reason")

    async def action() -> str:
        rows = await tx.run(
            "MATCH (c:Child)-[:HAS_FACT]->(p:Fact:Placement {id: $id}) "
            "SET c._lock = true REMOVE c._lock "
            "RETURN c.id AS child, p.date AS date, p.endDate AS endDate",
            {"id": data.id},
        )
        if not rows:
            raise NotFound("未找到该安置 no placement with this id; check id", field="id")
        if rows[0]["endDate"] is not None:
            ended = native_date(rows[0]["endDate"])
            raise Conflict(f"该安置已于 {ended} 结束 this placement has already ended "
                           f"(on {ended})")
        started = native_date(rows[0]["date"])
        if started is not None and data.date < started:
            raise bad(f"结束日期早于开始日期 {started.isoformat()} a placement cannot end before "
                      "it started", "date")
        await tx.run(
            "MATCH (c:Child)-[:HAS_FACT]->(p:Fact:Placement {id: $id}) "
            "SET p.endDate = $date, p.status = $reason, p.endReason = $reason, "
            "p.endedBy = 'API' " + PLACEMENT_ENDED,
            {"id": data.id, "date": data.date, "reason": data.reason.value},
        )
        await sync_current(tx, [rows[0]["child"]])
        return data.id

    return await once(tx, subject, "endPlacement", idempotency_key, data, action)


# --- what the school-status snapshots do (connectors/sources/edu_status.py) ---------------

# The classes a snapshot batch names (few: one per school, year, grade and name), upserted once
# per statement before the rows are linked to them.
# Relationships to a school or a class are looked for by expanding one end by type (a school's
# HAS_CLASS: a dense node's relationships are grouped by type; a placement's AT and IN_CLASS:
# a placement has a handful), never with MERGE between the two: schools and classes have many
# relationships, and MERGE's Expand(Into) cost ≈ 40 db hits a row for each (issue 14).
_SNAPSHOT_CLASSES: LiteralString = """
CALL () {
  UNWIND $rows AS row
  WITH DISTINCT row.org AS org, row.props.klass AS klass WHERE klass IS NOT NULL
  MATCH (s:School {code: org})
  MERGE (k:SchoolClass {key: klass.key})
  ON CREATE SET k.id = klass.id, k.name = klass.name, k.grade = klass.grade,
                k.schoolYear = klass.schoolYear, k.special = klass.special
  WITH s, k, klass
  FOREACH (_ IN CASE WHEN klass.special AND NOT coalesce(k.special, false) THEN [1] ELSE [] END |
    SET k.special = true)
  WITH s, k
  OPTIONAL MATCH (s)-[:HAS_CLASS]->(known)
  WITH s, k, collect(known) AS known WHERE NOT k IN known
  CREATE (s)-[:HAS_CLASS]->(k)
}
"""

# A snapshot batch's new placements (``$rows`` as the connectors' pipeline gives them;
# ``row.props`` holds the row's values): in force from 入学日期, or from the snapshot day when it
# is empty; ended on the snapshot day when the status is other than 在读/休学.
# A row of a child the batch itself created has been settled in memory (:func:`settle_new`):
# ``p.supersededOn`` ends it as ``end_superseded`` would, and ``row.current`` marks the one the
# child's pointer goes to, so such children need no ``settle_snapshot`` afterwards.
SNAPSHOT_NEW: LiteralString = _SNAPSHOT_CLASSES + """
UNWIND $rows AS row
MATCH (c:Child {id: row.childId})
MATCH (s:School {code: row.org})
WITH row, c, s, row.props AS p
CREATE (c)-[:HAS_FACT]->(f:Fact:Placement)-[:AT]->(s)
SET f.id = row.factId, f.source = p.source, f.sourceKey = p.sourceKey,
    f.sourceRef = p.sourceRef, f.recordedBy = p.recordedBy,
    f.recordedIn = coalesce(p.recordedIn, s.regionCode),
    f.studentNumber = p.studentNumber, f.studentNumberMasked = p.studentNumberMasked,
    f.type = p.type, f.stage = p.stage, f.grade = p.grade, f.className = p.className,
    f.listedOn = p.listedOn, f.rowHash = p.rowHash,
    f.status = coalesce(p.supersededAs, p.status),
    f.date = coalesce(p.enrolledOn, p.listedOn),
    f.endDate = CASE WHEN p.ends THEN p.listedOn ELSE p.supersededOn END,
    f.endReason = CASE WHEN p.ends THEN p.status ELSE p.supersededAs END,
    f.endedBy = CASE WHEN p.ends THEN 'SNAPSHOT'
                     WHEN p.supersededOn IS NOT NULL THEN 'NEXT_PLACEMENT' END,
    f.sourceFile = $file, f.recordedAt = $at
""" + point_if("row.current", "c", "f") + """
WITH f, p WHERE p.klass IS NOT NULL
MATCH (k:SchoolClass {key: p.klass.key})
CREATE (f)-[:IN_CLASS]->(k)
"""

# Known placements. A row from a snapshot older than the one the placement was last listed in
# changes nothing (snapshots may be loaded out of order). A status other than 在读/休学
# (``ends``) ends the placement on the snapshot day, or keeps an earlier end; an in-force status
# re-opens a placement a snapshot had ended (the pupil is back on the roll), not one a next
# placement or the API ended. An empty 入学日期 keeps the day the placement was first listed.
# The placement is IN_CLASS of the class the latest snapshot names.
# Returns ``changed``: the children whose placement started, ended or re-opened on another day
# than before (or was created here): only those need ``settle_snapshot``. A placement's type and
# stage are part of its ref (connectors/sources/edu_status.py): a row that changes them is a new
# placement, so the child's mirror of them (hub/current.py) is settled with it. Most rows of a later
# snapshot re-list a placement as it was (``listedOn`` and provenance change, nothing the
# current placement depends on), and their children are left alone.
SNAPSHOT_KNOWN: LiteralString = _SNAPSHOT_CLASSES + (
    "UNWIND $rows AS row "
    "MATCH (c:Child {id: row.childId}) "
    "MERGE (f:Fact {sourceRef: row.ref}) "
    "ON CREATE SET f:Placement, f.id = row.factId "
    # The placement's write lock before its end is read: an endPlacement committing meanwhile
    # is then seen (and kept), not overwritten from a stale read — a row found unchanged
    # leaves the pointer alone, so nothing would re-derive it afterwards.
    "SET f._lock = true REMOVE f._lock "
    "WITH row, c, f, row.props AS p "
    "WHERE f.listedOn IS NULL OR f.listedOn <= p.listedOn "
    "WITH row, c, f, p, " + not_ended("f") + " AS open, "
    "     f.listedOn IS NULL AS unseen, f.date AS wasFrom, f.endDate AS wasTo, "
    "     CASE WHEN p.ends THEN "
    "            CASE WHEN " + not_ended("f") + " OR f.endDate > p.listedOn THEN p.listedOn "
    "                 ELSE f.endDate END "
    "          WHEN f.endedBy = 'SNAPSHOT' THEN null "
    "          ELSE f.endDate END AS endsOn "
    "WITH row, c, f, p, endsOn, unseen, wasFrom, wasTo, open, "
    "     CASE WHEN endsOn IS NULL THEN null "
    "          WHEN open OR f.endDate > endsOn THEN 'SNAPSHOT' "
    "          ELSE f.endedBy END AS endedBy, "
    "     CASE WHEN endsOn IS NULL THEN null "
    "          WHEN open OR f.endDate > endsOn THEN p.status "
    "          ELSE f.endReason END AS endReason, "
    "     CASE WHEN endsOn IS NOT NULL AND NOT p.ends THEN f.status ELSE p.status END AS status "
    "WITH row, c, f, p, endsOn, endedBy, endReason, status, "
    "     unseen OR wasFrom IS NULL OR wasFrom <> coalesce(p.enrolledOn, wasFrom, p.listedOn) "
    "     OR NOT coalesce(wasTo = endsOn, wasTo IS NULL AND endsOn IS NULL) "
    # The row says something new (its type, stage, class …): recorded anew, and the child's
    # pointer and its mirror re-derived. A row listed again unchanged keeps its recordedAt —
    # the pointer's tie-break between open placements of one start day — so it moves nothing.
    "     OR f.rowHash IS NULL OR f.rowHash <> p.rowHash AS changed, "
    # A placement the hub knew open that this row ends: departments are told (hub/outbox.py).
    "     open AND NOT unseen AND endsOn IS NOT NULL AS ended "
    "SET f.source = p.source, f.sourceKey = p.sourceKey, f.sourceRef = p.sourceRef, "
    "    f.recordedBy = p.recordedBy, f.recordedIn = p.recordedIn, "
    "    f.studentNumber = p.studentNumber, f.studentNumberMasked = p.studentNumberMasked, "
    "    f.type = p.type, f.stage = p.stage, f.grade = p.grade, f.className = p.className, "
    "    f.listedOn = p.listedOn, f.rowHash = p.rowHash, f.status = status, "
    "    f.date = coalesce(p.enrolledOn, f.date, p.listedOn), "
    "    f.endDate = endsOn, f.endReason = endReason, f.endedBy = endedBy, "
    "    f.sourceFile = $file, f.recordedAt = CASE WHEN changed THEN $at ELSE f.recordedAt END "
    "WITH row, c, f, p, changed, ended "
    "CALL (c, f) { OPTIONAL MATCH (o:Child)-[r:HAS_FACT]->(f) WHERE o <> c DELETE r } "
    "MERGE (c)-[:HAS_FACT]->(f) "
    "WITH row, c, f, p, changed, ended "
    "CALL (f, row) { "
    "  OPTIONAL MATCH (f)-[:AT]->(at) "
    "  WITH f, row, collect(at) AS at "
    "  MATCH (s:School {code: row.org}) "
    "  SET f.recordedIn = coalesce(f.recordedIn, s.regionCode) "
    "  WITH f, s, at WHERE NOT s IN at "
    "  CREATE (f)-[:AT]->(s) "
    "} "
    "CALL (f, p) { "
    "  OPTIONAL MATCH (f)-[old:IN_CLASS]->(k:SchoolClass) "
    "  WITH f, p, collect(k.key) AS keys, "
    "       collect(CASE WHEN p.klass IS NULL OR k.key IS NULL OR k.key <> p.klass.key "
    "                    THEN old END) AS stale "
    "  FOREACH (r IN stale | DELETE r) "
    "  WITH f, p, keys WHERE p.klass IS NOT NULL AND NOT p.klass.key IN keys "
    "  MATCH (k:SchoolClass {key: p.klass.key}) "
    "  CREATE (f)-[:IN_CLASS]->(k) "
    "} "
    "FOREACH (_ IN CASE WHEN ended THEN [1] ELSE [] END | "
    + emit(EventKind.PLACEMENT_ENDED, "[c.id]", "f.id", "[(f)-[:AT]->(ended_o) | ended_o.id]",
           "[c.regionCode] + [(f)-[:AT]->(ended_o) | ended_o.regionCode]") + ") "
    "RETURN collect(DISTINCT CASE WHEN changed THEN c.id END) AS changed"
)


# Of a child's current placements, each but the latest ends on the day the next one starts:
# TRANSFERRED within a stage, GRADUATED when the stage changes (as placeChild closes one).
_END_SUPERSEDED: LiteralString = (
    "UNWIND $children AS child "
    "MATCH (:Child {id: child})-[:HAS_FACT]->(p:Placement) WHERE " + not_ended("p") + " " + """
WITH child, p ORDER BY p.date, p.recordedAt, p.id
WITH child, collect(p) AS current WHERE size(current) > 1
UNWIND range(0, size(current) - 2) AS i
WITH current[i] AS p, current[i + 1] AS q,
     CASE WHEN current[i].stage = current[i + 1].stage THEN 'TRANSFERRED' ELSE 'GRADUATED' END
     AS reason
SET p.endDate = q.date, p.status = reason, p.endReason = reason, p.endedBy = 'NEXT_PLACEMENT'
""")


def settle_new(rows: list[dict[str, Any]]) -> None:
    """:data:`_END_SUPERSEDED` and the pointer's rule (hub/current.py), in memory, for the new
    placements (``SNAPSHOT_NEW`` rows) of one child the batch created: the graph holds no other
    placement of that child, so the batch knows them all. All are recorded at the same moment
    (the load's), so the order is by start day, then id. Each open one but the latest ends on
    the day the next starts (``supersededOn``/``supersededAs``); the latest is ``current``.
    """
    open_rows = sorted(
        (row for row in rows if not row["props"]["ends"]),
        key=lambda row: (row["props"]["enrolledOn"] or row["props"]["listedOn"], row["factId"]))
    for row in rows:
        row["current"] = False
    for row, after in pairwise(open_rows):
        mine, next_ = row["props"], after["props"]
        row["props"] = {
            **mine,
            "supersededOn": next_["enrolledOn"] or next_["listedOn"],
            "supersededAs": "TRANSFERRED" if mine["stage"] == next_["stage"] else "GRADUATED",
        }
    if open_rows:
        open_rows[-1]["current"] = True


async def end_superseded(tx: Transaction, children: list[str]) -> None:
    """A child with several current placements keeps only the latest (by start day)."""
    await tx.run(_END_SUPERSEDED, {"children": children})


async def settle_snapshot(tx: Transaction, children: list[str]) -> None:
    """After a snapshot batch's rows are written (its transaction, ``after_write``): each child
    the batch wrote a placement to, or moved one from, keeps only its latest open placement
    (:func:`end_superseded`), and its pointer follows."""
    await end_superseded(tx, children)
    await sync_current(tx, children)


# A pupil listed by an earlier snapshot of the school and not by this later, complete one has
# left the roll: the placement ends on this snapshot's day (LEFT_ROLL, ``leftRollOn``), nothing
# is deleted, and ``hub dropout check`` counts it (hub/workflows.py). Pupils of rejected rows
# (``unsure``) were in the file: they are left alone. The school's current pupils are reached
# through the pointer (each batch's ``settle_snapshot`` has left one open placement per child),
# not by testing every placement the school ever had.
_LEFT_ROLL: LiteralString = (
    "UNWIND $schools AS code "
    "MATCH (:School {code: code})<-[:AT]-" + current_pupil("p", "c:Child") + " "
    "WHERE p.source = 'edu-status' AND p.listedOn < $asOf AND NOT p.studentNumber IN $unsure "
    "SET p.endDate = $asOf, p.endReason = $leftRoll, p.endedBy = 'SNAPSHOT', "
    "p.leftRollOn = $asOf "
    "WITH c, p " + PLACEMENT_ENDED +
    "RETURN collect(c.id) AS children"
)


async def record_left_roll(
    graph: Graph, as_of: dt.date, schools: list[str], unsure: list[str]
) -> int:
    """Ends the placements of pupils a complete snapshot of their school no longer lists."""
    if not schools:
        return 0
    async with graph.transaction() as tx:
        rows = await tx.run(_LEFT_ROLL, {"schools": schools, "asOf": as_of,
                                         "unsure": unsure, "leftRoll": LEFT_ROLL})
        children: list[str] = rows[0]["children"] if rows else []
        await sync_current(tx, children)
    return len(children)

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
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import StringConstraints

from hub.errors import BadUserInput, Conflict, NotFound
from hub.facts import BY_LABEL
from hub.graph import Transaction
from hub.services.common import (
    Id,
    OrganisationKind,
    ServiceInput,
    ShortText,
    check_department,
    lock_child,
    native_date,
    new_fact,
    organisation_kind,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import PlacementType, SchoolStatus, Stage

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
            "MATCH (:Child {id: $child})-[:HAS_FACT]->(p:Placement) WHERE p.endDate IS NULL "
            "OPTIONAL MATCH (p)-[:AT]->(o:Organisation) "
            "OPTIONAL MATCH (p)-[:IN_CLASS]->(k:SchoolClass) "
            "RETURN p.id AS id, p.date AS date, p.type AS type, p.stage AS stage, "
            "p.grade AS grade, p.studentNumber AS studentNumber, o.id AS organisation, "
            "k.id AS class ORDER BY p.date DESC, p.id DESC",
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
            "OPTIONAL MATCH (c)-[:HAS_FACT]->(old:Placement) WHERE old.endDate IS NULL "
            "SET old.endDate = $start, old.status = $closing.status, "
            "old.endReason = $closing.endReason "
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
        "MATCH (p:Placement {id: $placement}) "
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
        "MATCH (p:Placement {id: $placement}), (o:Organisation {id: $organisation}) "
        "OPTIONAL MATCH (t)-[r:RECEIVING|TO_PLACEMENT]->() DELETE r "
        "WITH DISTINCT t, p, o "
        "OPTIONAL MATCH (old:Placement {id: $previous}) "
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
        "MATCH (c:Child {id: $child}), (old:Placement {id: $previous}), "
        "(p:Placement {id: $placement}), (o:Organisation {id: $organisation}) "
        "CREATE (c)-[:HAS_FACT]->(t:Fact:Transition) SET t = $props, t.recordedAt = datetime() "
        "CREATE (t)-[:FROM_PLACEMENT]->(old), (t)-[:TO_PLACEMENT]->(p), (t)-[:RECEIVING]->(o)",
        values | {"props": props},
    )

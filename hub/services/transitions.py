"""Transitions 转衔: planned, handed over, completed (or stalled).

A child has at most one open transition (PLANNED or HANDED_OVER) at a time; the child is locked
while one is started, so two concurrent starts cannot both pass the check. Placing the child
(``placements.place_child``) completes the open transition; so does ``complete_transition``.

Completing a transition here records the arrival; the placement that ends the old one is
``place_child``'s (which moves the current-placement pointer), so nothing here touches it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.errors import Conflict, NotFound
from hub.graph import Transaction
from hub.outbox import EventKind, emit
from hub.predicates import current_placement
from hub.services.common import (
    Id,
    PastDate,
    ServiceInput,
    bad,
    check_department,
    lock_child,
    native_date,
    new_fact,
    organisation_kind,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import PlacementType, Stage, TransitionStatus

OPEN = (TransitionStatus.PLANNED.value, TransitionStatus.HANDED_OVER.value)

# The organisations a transition ``t`` of child ``c`` concerns, for its outbox events: the
# receiving one and the one it leaves (``organisations``, ``regions``).
TRANSITION_CONCERNS = (
    "WITH c, t OPTIONAL MATCH (t)-[:RECEIVING]->(concern_r:Organisation) "
    "OPTIONAL MATCH (t)-[:FROM_PLACEMENT]->(:Placement)-[:AT]->(concern_f:Organisation) "
    "WITH c, t, collect(DISTINCT concern_r) + collect(DISTINCT concern_f) AS concern_os "
    "WITH c, t, [x IN concern_os | x.id] AS organisations, "
    "     [x IN concern_os | x.regionCode] AS regions "
)


class StartTransition(ServiceInput):
    child_id: Id
    from_stage: Stage | None = None
    to_stage: Stage
    to_type: PlacementType
    receiving_organisation_id: Id
    planned_date: dt.date


class TransitionStep(ServiceInput):
    id: Id
    date: PastDate


async def start_transition(
    tx: Transaction, subject: Subject, data: StartTransition, idempotency_key: str | None = None
) -> str:
    """Plans a transition from the child's current placement; returns its id."""
    kind = check_department(subject, "Transition")

    async def action() -> str:
        await lock_child(tx, data.child_id)
        receiving = await organisation_kind(
            tx, data.receiving_organisation_id, "receivingOrganisationId"
        )
        if not receiving.labels & {"School", "WelfareInstitution"}:
            raise bad(
                "接收机构应为学校或儿童福利机构 the receiving organisation must be a school or "
                "a welfare institution",
                "receivingOrganisationId",
            )
        rows = await tx.run(
            "MATCH (c:Child {id: $child}) "
            "OPTIONAL MATCH " + current_placement("c", "p") + " "
            "RETURN p.id AS placement, p.stage AS stage, p.type AS type, "
            "EXISTS { (c)-[:HAS_FACT]->(t:Transition) WHERE t.status IN $open } AS busy",
            {"child": data.child_id, "open": list(OPEN)},
        )
        current = rows[0]
        if current["busy"]:
            raise Conflict(
                "该儿童已有进行中的转衔 the child already has an open (planned or handed-over) "
                "transition; complete it first"
            )
        fact_id, props = new_fact(kind, subject, data.planned_date)
        props |= {
            "fromStage": data.from_stage.value if data.from_stage else current["stage"],
            "toStage": data.to_stage.value,
            "fromType": current["type"],
            "toType": data.to_type.value,
            "status": TransitionStatus.PLANNED.value,
        }
        await tx.run(
            "MATCH (c:Child {id: $child}), (o:Organisation {id: $organisation}) "
            "CREATE (c)-[:HAS_FACT]->(t:Fact:Transition)-[:RECEIVING]->(o) "
            "SET t = $props, t.recordedAt = datetime() "
            "WITH c, o, t OPTIONAL MATCH (p:Fact:Placement {id: $placement}) "
            "FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | "
            "  CREATE (t)-[:FROM_PLACEMENT]->(p)) "
            # The receiving organisation is told in this transaction's outbox.
            + emit(EventKind.TRANSITION_STARTED, "[c.id]", "t.id", "[o.id]",
                   "[c.regionCode, o.regionCode]"),
            {
                "child": data.child_id,
                "organisation": data.receiving_organisation_id,
                "placement": current["placement"],
                "props": props,
            },
        )
        return fact_id

    return await once(tx, subject, "startTransition", idempotency_key, data, action)


async def _lock_transition(tx: Transaction, transition_id: str) -> dict[str, Any]:
    rows = await tx.run(
        "MATCH (t:Fact:Transition {id: $id}) SET t._lock = true REMOVE t._lock "
        "RETURN t.status AS status, t.handedOverOn AS handedOverOn",
        {"id": transition_id},
    )
    if not rows:
        raise NotFound("未找到该转衔记录 no transition with this id; check id", field="id")
    return rows[0]


async def hand_over_transition(
    tx: Transaction, subject: Subject, data: TransitionStep, idempotency_key: str | None = None
) -> str:
    """The sending side has handed the child's file over 已交接; returns the transition's id."""
    check_department(subject, "Transition")

    async def action() -> str:
        found = await _lock_transition(tx, data.id)
        if found["status"] != TransitionStatus.PLANNED.value:
            raise Conflict(
                f"只有已计划的转衔可以交接 only a planned transition can be handed over; "
                f"this one is {found['status']}"
            )
        await tx.run(
            "MATCH (c:Child)-[:HAS_FACT]->(t:Fact:Transition {id: $id}) "
            "SET t.status = $status, t.handedOverOn = $date " + TRANSITION_CONCERNS
            + emit(EventKind.TRANSITION_HANDED_OVER, "[c.id]", "t.id", "organisations",
                   "[c.regionCode] + regions"),
            {"id": data.id, "date": data.date, "status": TransitionStatus.HANDED_OVER.value},
        )
        return data.id

    return await once(tx, subject, "handOverTransition", idempotency_key, data, action)


async def complete_transition(
    tx: Transaction, subject: Subject, data: TransitionStep, idempotency_key: str | None = None
) -> str:
    """The child has arrived 已完成; returns the transition's id."""
    check_department(subject, "Transition")

    async def action() -> str:
        found = await _lock_transition(tx, data.id)
        if found["status"] == TransitionStatus.COMPLETED.value:
            raise Conflict("该转衔已完成 this transition is already completed")
        handed_over = native_date(found["handedOverOn"])
        if handed_over is not None and data.date < handed_over:
            raise bad(
                f"完成日期早于交接日期 {handed_over.isoformat()} completion cannot come before "
                "the hand-over",
                "date",
            )
        await tx.run(
            "MATCH (t:Fact:Transition {id: $id}) SET t.status = $status, t.completedOn = $date",
            {"id": data.id, "date": data.date, "status": TransitionStatus.COMPLETED.value},
        )
        return data.id

    return await once(tx, subject, "completeTransition", idempotency_key, data, action)

"""Dropout control 控辍保学: a case is opened, actions are taken, and it is closed 销号.

A child has at most one OPEN case (the child is locked while one is opened). Closing needs a
resolution, and a closed case cannot be closed again.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hub.errors import Conflict, NotFound
from hub.graph import Transaction
from hub.outbox import EventKind, emit
from hub.services.common import (
    Id,
    PastDate,
    ServiceInput,
    ShortText,
    Text,
    bad,
    check_department,
    lock_child,
    native_date,
    new_fact,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import CaseStatus

Actions = Annotated[tuple[ShortText, ...], Field(max_length=50)]


class OpenDropoutCase(ServiceInput):
    child_id: Id
    date: PastDate
    reason: Text
    actions: Actions = ()


class CloseDropoutCase(ServiceInput):
    id: Id
    date: PastDate
    resolution: Text
    actions: Actions = ()


async def open_dropout_case(
    tx: Transaction, subject: Subject, data: OpenDropoutCase, idempotency_key: str | None = None
) -> str:
    """Opens a case in the ledger 台账; returns its id."""
    kind = check_department(subject, "DropoutCase")

    async def action() -> str:
        await lock_child(tx, data.child_id)
        rows = await tx.run(
            "MATCH (:Child {id: $child})-[:HAS_FACT]->(d:DropoutCase {status: $open}) "
            "RETURN d.id AS id LIMIT 1",
            {"child": data.child_id, "open": CaseStatus.OPEN.value},
        )
        if rows:
            raise Conflict(
                "该儿童已有未销号的控辍个案 the child already has an open dropout case; "
                "add actions to it or close it first"
            )
        fact_id, props = new_fact(kind, subject, data.date)
        props |= {
            "reason": data.reason,
            "actions": list(data.actions),
            "status": CaseStatus.OPEN.value,
        }
        await tx.run(
            "MATCH (c:Child {id: $child}) "
            "CREATE (c)-[:HAS_FACT]->(d:Fact:DropoutCase) "
            "SET d = $props, d.recordedAt = datetime() "
            + emit(EventKind.DROPOUT_CASE_OPENED, "[c.id]", "d.id", "[]", "[c.regionCode]"),
            {"child": data.child_id, "props": props},
        )
        return fact_id

    return await once(tx, subject, "openDropoutCase", idempotency_key, data, action)


async def close_dropout_case(
    tx: Transaction, subject: Subject, data: CloseDropoutCase, idempotency_key: str | None = None
) -> str:
    """Closes the case 销号 with its resolution; returns its id."""
    check_department(subject, "DropoutCase")

    async def action() -> str:
        rows = await tx.run(
            "MATCH (d:Fact:DropoutCase {id: $id}) SET d._lock = true REMOVE d._lock "
            "RETURN d.status AS status, d.date AS date",
            {"id": data.id},
        )
        if not rows:
            raise NotFound("未找到该控辍个案 no dropout case with this id; check id", field="id")
        if rows[0]["status"] == CaseStatus.CLOSED.value:
            raise Conflict("该个案已销号 this case is already closed")
        opened = native_date(rows[0]["date"])
        if opened is not None and data.date < opened:
            raise bad(
                f"销号日期早于立案日期 {opened.isoformat()} a case cannot close before it opened",
                "date",
            )
        await tx.run(
            "MATCH (c:Child)-[:HAS_FACT]->(d:Fact:DropoutCase {id: $id}) "
            "SET d.status = $closed, d.closedOn = $date, d.resolution = $resolution, "
            "d.actions = coalesce(d.actions, []) + $actions "
            + emit(EventKind.DROPOUT_CASE_CLOSED, "[c.id]", "d.id", "[]", "[c.regionCode]"),
            {
                "id": data.id,
                "closed": CaseStatus.CLOSED.value,
                "date": data.date,
                "resolution": data.resolution,
                "actions": list(data.actions),
            },
        )
        return data.id

    return await once(tx, subject, "closeDropoutCase", idempotency_key, data, action)

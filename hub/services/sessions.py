"""Service sessions 服务记录: home-delivery visits, rehabilitation, itinerant guidance, health.

Each visit is recorded (DOMAIN.md: home delivery is 2–4 class hours a visit); a session lasts
more than nothing and at most a working day (8 hours), and cannot be dated in the future.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from hub.graph import Transaction
from hub.services.common import (
    Id,
    PastDate,
    ServiceInput,
    ShortText,
    Text,
    check_department,
    new_fact,
    organisation_kind,
    require_child,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import ServiceKind


def _hours(value: float) -> float:
    if not 0 < value <= 8:  # NaN fails too
        raise ValueError("课时应大于 0 且不超过 8 hours must be more than 0 and at most 8")
    return value


class RecordServiceSession(ServiceInput):
    child_id: Id
    kind: ServiceKind
    date: PastDate
    hours: Annotated[float, AfterValidator(_hours)]
    content: Annotated[tuple[ShortText, ...], Field(max_length=20)] = ()
    provider: ShortText | None = None
    organisation_id: Id
    notes: Text | None = None


async def record_service_session(
    tx: Transaction,
    subject: Subject,
    data: RecordServiceSession,
    idempotency_key: str | None = None,
) -> str:
    """Records one session; returns its id."""
    kind = check_department(subject, "ServiceSession")

    async def action() -> str:
        await require_child(tx, data.child_id)
        await organisation_kind(tx, data.organisation_id, "organisationId")
        fact_id, props = new_fact(kind, subject, data.date)
        props |= {
            "kind": data.kind.value,
            "hours": data.hours,
            "content": list(data.content),
            "provider": data.provider,
            "notes": data.notes,
        }
        await tx.run(
            "MATCH (c:Child {id: $child}), (o:Organisation {id: $organisation}) "
            "CREATE (c)-[:HAS_FACT]->(s:Fact:ServiceSession)-[:BY]->(o) "
            "SET s = $props, s.recordedAt = datetime()",
            {"child": data.child_id, "organisation": data.organisation_id, "props": props},
        )
        return fact_id

    return await once(tx, subject, "recordServiceSession", idempotency_key, data, action)

"""Expert-committee assessments 评估: entry, periodic or transition, with a recommendation."""

from __future__ import annotations

from hub.errors import NotFound
from hub.graph import Transaction
from hub.services.common import (
    Id,
    PastDate,
    ServiceInput,
    Text,
    check_department,
    new_fact,
    require_child,
)
from hub.services.idempotency import once
from hub.subject import Subject
from hub.vocabulary import AssessmentKind, PlacementType


class RecordAssessment(ServiceInput):
    child_id: Id
    date: PastDate
    kind: AssessmentKind
    recommendation: PlacementType
    summary: Text | None = None
    committee_id: Id | None = None


async def record_assessment(
    tx: Transaction, subject: Subject, data: RecordAssessment, idempotency_key: str | None = None
) -> str:
    """Records an assessment; returns its id."""
    kind = check_department(subject, "Assessment")

    async def action() -> str:
        await require_child(tx, data.child_id)
        if data.committee_id is not None:
            rows = await tx.run(
                "MATCH (e:Organisation:ExpertCommittee {id: $id}) RETURN e.id AS id",
                {"id": data.committee_id},
            )
            if not rows:
                raise NotFound(
                    "未找到该专家委员会 no expert committee with this id; check committeeId",
                    field="committeeId",
                )
        fact_id, props = new_fact(kind, subject, data.date)
        props |= {
            "kind": data.kind.value,
            "recommendation": data.recommendation.value,
            "summary": data.summary,
        }
        await tx.run(
            "MATCH (c:Child {id: $child}) "
            "CREATE (c)-[:HAS_FACT]->(a:Fact:Assessment) SET a = $props, a.recordedAt = datetime() "
            "WITH a OPTIONAL MATCH (e:Organisation:ExpertCommittee {id: $committee}) "
            "FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END | CREATE (a)-[:BY]->(e))",
            {"child": data.child_id, "props": props, "committee": data.committee_id},
        )
        return fact_id

    return await once(tx, subject, "recordAssessment", idempotency_key, data, action)

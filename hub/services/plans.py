"""The IEP 个别化教育计划 (one child one plan 一人一案): each update is a new version.

The new version is the highest so far plus one and is the current one; every older version's
``current`` becomes false. The child is locked first, so two updates never share a version.
"""

from __future__ import annotations

import datetime as dt

from hub.graph import Transaction
from hub.services.common import (
    Id,
    ServiceInput,
    Text,
    bad,
    check_department,
    lock_child,
    native_date,
    new_fact,
)
from hub.services.idempotency import once
from hub.subject import Subject


class UpdatePlan(ServiceInput):
    child_id: Id
    date: dt.date
    goals: Text
    rehabilitation_plan: Text | None = None
    health_care_plan: Text | None = None


async def update_plan(
    tx: Transaction, subject: Subject, data: UpdatePlan, idempotency_key: str | None = None
) -> str:
    """Records a new version of the child's plan; returns its id."""
    kind = check_department(subject, "Plan")

    async def action() -> str:
        await lock_child(tx, data.child_id)
        rows = await tx.run(
            "MATCH (:Child {id: $child})-[:HAS_FACT]->(p:Plan) "
            "RETURN max(p.version) AS version, max(p.date) AS date",
            {"child": data.child_id},
        )
        latest = native_date(rows[0]["date"]) if rows else None
        if latest is not None and data.date < latest:
            raise bad(
                f"新版本日期早于上一版本 {latest.isoformat()} a new version cannot be dated "
                "before the previous one",
                "date",
            )
        version = int(rows[0]["version"] or 0) + 1 if rows else 1
        fact_id, props = new_fact(kind, subject, data.date)
        props |= {
            "version": version,
            "goals": data.goals,
            "rehabilitationPlan": data.rehabilitation_plan,
            "healthCarePlan": data.health_care_plan,
            "current": True,
        }
        await tx.run(
            "MATCH (c:Child {id: $child}) "
            "OPTIONAL MATCH (c)-[:HAS_FACT]->(old:Plan) SET old.current = false "
            "WITH DISTINCT c "
            "CREATE (c)-[:HAS_FACT]->(p:Fact:Plan) SET p = $props, p.recordedAt = datetime()",
            {"child": data.child_id, "props": props},
        )
        return fact_id

    return await once(tx, subject, "updatePlan", idempotency_key, data, action)

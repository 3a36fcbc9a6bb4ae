"""Who may write: a department writes only its own kinds of fact, about children in its scope,
and a fact recorded by another department is read-only to it."""

from __future__ import annotations

from auth.policy import View
from auth.scope import Scope
from hub.errors import Forbidden, NotFound
from hub.facts import BY_LABEL
from hub.graph import Transaction
from hub.subject import Subject

_NOT_FOUND = "未找到该记录或无权查看 no such record, or not visible to you"


def _where(scope: Scope, child: str) -> str:
    conditions = scope.on_child(child)
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def check_kind(view: View | None, label: str) -> None:
    if view is not None and label not in view.write:
        kind = BY_LABEL[label]
        raise Forbidden(f"无权记录{kind.chinese} your roles may not record {label}")


async def check_child(tx: Transaction, scope: Scope, child_id: str) -> None:
    """A child outside scope is NOT_FOUND, exactly like a missing one."""
    rows = await tx.run(
        "MATCH (c:Child {id: $scope_child})" + _where(scope, "c") + " RETURN c.id AS id",
        {**scope.params, "scope_child": child_id},
    )
    if not rows:
        raise NotFound("未找到该儿童或无权查看 no such child, or not visible to you",
                       field="childId")


async def check_fact(tx: Transaction, scope: Scope, subject: Subject, fact_id: str) -> None:
    rows = await tx.run(
        "MATCH (c:Child)-[:HAS_FACT]->(f:Fact {id: $scope_fact})" + _where(scope, "c")
        + " RETURN f.recordedBy AS recordedBy",
        {**scope.params, "scope_fact": fact_id},
    )
    if not rows:
        raise NotFound(_NOT_FOUND, field="id")
    if subject.kind != "system" and rows[0]["recordedBy"] != subject.department:
        raise Forbidden("该记录由其他部门记录,只读 this record belongs to another department "
                        "and is read-only to yours", field="id")

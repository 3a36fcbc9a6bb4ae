"""Mutations 变更: each converts its input, runs one service in one transaction, and returns the
node it wrote, compiled with the client's selection, read in that same transaction.

Domain rules live in ``hub.services``; a failure anywhere rolls the transaction back, so nothing
is half-written. ``idempotencyKey`` makes a retried call a no-op returning the same object.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

import strawberry
from pydantic import BaseModel

from auth import writes
from hub import services
from hub.graph import Transaction
from hub.services.common import camel_keys
from hub.subject import Subject
from hub.vocabulary import AssessmentKind, PlacementType, SchoolStatus, ServiceKind, Stage
from schema.queries import HubInfo, read_written
from schema.scalars import Date
from schema.types import Assessment, DropoutCase, Placement, Plan, ServiceSession, Transition

M = TypeVar("M", bound=BaseModel)

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="幂等键:同一键重试不会重复写入,返回同一对象 Idempotency key: a retried call "
        "with the same key writes nothing more and returns the same object"
    ),
]


def _field(description: str, default: Any = strawberry.UNSET) -> Any:
    if default is strawberry.UNSET:
        return strawberry.field(description=description)
    return strawberry.field(default=default, description=description)


@strawberry.input(description="记录评估 An expert-committee assessment to record")
class RecordAssessmentInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    date: Date = _field("评估日期 Date of the assessment (not in the future)")
    kind: AssessmentKind = _field("评估类型 Entry, periodic or transition assessment")
    recommendation: PlacementType = _field("建议安置方式 Recommended placement type")
    summary: str | None = _field("评估结论 Summary of the findings", None)
    committee_id: strawberry.ID | None = _field(
        "评估专家委员会 ID The assessing expert committee's id", None
    )


@strawberry.input(description="安置儿童 A placement to record; it closes the current one")
class PlaceChildInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    organisation_id: strawberry.ID = _field(
        "安置机构 ID The school or welfare institution's id"
    )
    placement_type: PlacementType = _field(
        "安置方式 Placement type: REGULAR_CLASS, SPECIAL_CLASS, SPECIAL_SCHOOL, HOME_DELIVERY, "
        "REMOTE or WELFARE_CLASS"
    )
    stage: Stage = _field("学段 Education stage")
    start_date: Date = _field(
        "开始日期 First day of the placement; the current placement ends on it"
    )
    grade: str | None = _field("年级 Grade", None)
    class_id: strawberry.ID | None = _field("班级 ID The class's id, a class of the school", None)
    student_number: str | None = _field(
        "学籍号 School-status number (kept from the current placement if omitted)", None
    )
    end_reason: str | None = _field("原安置结束原因 Why the current placement ends", None)


@strawberry.input(description="记录服务 A service session to record")
class RecordServiceSessionInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    kind: ServiceKind = _field("服务类型 Kind of service")
    date: Date = _field("服务日期 Date of the session (not in the future)")
    hours: float = _field("课时 Hours, more than 0 and at most 8")
    organisation_id: strawberry.ID = _field("服务机构 ID The delivering organisation's id")
    content: list[str] | None = _field("服务内容 What the session covered", None)
    provider: str | None = _field("服务人员 Who delivered it", None)
    notes: str | None = _field("备注 Notes", None)


@strawberry.input(description="更新个别化教育计划 A new version of the child's IEP")
class UpdatePlanInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    date: Date = _field("计划日期 Date of this version")
    goals: str = _field("教育目标 Education goals")
    rehabilitation_plan: str | None = _field("康复计划 Rehabilitation plan", None)
    health_care_plan: str | None = _field("保健计划 Health-care plan", None)


@strawberry.input(description="计划转衔 A transition to plan")
class StartTransitionInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    to_stage: Stage = _field("新学段 Stage the child moves to")
    to_type: PlacementType = _field("新安置方式 Placement type the child moves to")
    receiving_organisation_id: strawberry.ID = _field(
        "接收机构 ID The receiving school or welfare institution's id"
    )
    planned_date: Date = _field("计划日期 Planned date of the move")
    from_stage: Stage | None = _field(
        "原学段 Stage the child leaves (the current placement's if omitted)", None
    )


@strawberry.input(description="控辍保学立案 A dropout case to open")
class OpenDropoutCaseInput:
    child_id: strawberry.ID = _field("儿童 ID The child's id")
    date: Date = _field("立案日期 Date the case is opened (not in the future)")
    reason: str = _field("原因 Why the child is out of school")
    actions: list[str] | None = _field("已采取的劝返措施 Actions taken so far", None)


def _model(model: type[M], values: Any) -> M:
    """A strawberry input (or argument dict) as the service's pydantic model; omitted optional
    values take the model's defaults, and errors name the GraphQL field."""
    raw = strawberry.asdict(values) if not isinstance(values, dict) else values
    return model.model_validate(camel_keys({k: v for k, v in raw.items() if v is not None}))


Service = Callable[[Transaction, Subject, M, str | None], Awaitable[str]]


async def _write(
    info: HubInfo, label: str, service: Service[M], data: M, idempotency_key: str | None
) -> Any:
    context = info.context
    writes.check_kind(context.view, label)
    async with context.graph.transaction() as tx:
        if context.view is not None:
            child_id = getattr(data, "child_id", None)
            if child_id is not None:
                await writes.check_child(tx, context.scope, child_id)
            else:
                await writes.check_fact(tx, context.scope, context.subject, data.id)  # type: ignore[attr-defined]
        node_id = await service(tx, context.subject, data, idempotency_key)
        return await read_written(info, tx, label, node_id)


Id = Annotated[strawberry.ID, strawberry.argument(description="记录 ID The record's id")]


def _on(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type(description="变更 Mutations")
class Mutation:
    @strawberry.mutation(
        description="记录评估 Record an expert-committee assessment and its recommendation"
    )
    async def record_assessment(
        self,
        info: HubInfo,
        input: Annotated[RecordAssessmentInput, _on("评估 The assessment")],
        idempotency_key: IdempotencyKey = None,
    ) -> Assessment | None:
        data = _model(services.RecordAssessment, input)
        written = await _write(info, "Assessment", services.record_assessment, data,
                               idempotency_key)
        return cast(Assessment, written)

    @strawberry.mutation(
        description="安置儿童 Place a child: closes the current placement and records the "
        "transition 转衔"
    )
    async def place_child(
        self,
        info: HubInfo,
        input: Annotated[PlaceChildInput, _on("安置 The placement")],
        idempotency_key: IdempotencyKey = None,
    ) -> Placement | None:
        data = _model(services.PlaceChild, input)
        written = await _write(info, "Placement", services.place_child, data, idempotency_key)
        return cast(Placement, written)

    @strawberry.mutation(
        description="结束安置 End a current placement without a next one (转出, 毕业, 辍学, 死亡), "
        "for departments that record it here rather than in a school-status snapshot"
    )
    async def end_placement(
        self,
        info: HubInfo,
        id: Annotated[strawberry.ID, _on("安置 ID The current placement's id")],
        date: Annotated[
            Date, _on("结束日期 The day it ends (no longer in force from this day): not before "
                      "it started, not in the future")
        ],
        reason: Annotated[
            SchoolStatus, _on("结束原因 Why it ends: TRANSFERRED, GRADUATED, DROPPED_OUT or "
                              "DECEASED")
        ],
        idempotency_key: IdempotencyKey = None,
    ) -> Placement | None:
        data = _model(services.EndPlacement, {"id": id, "date": date, "reason": reason})
        written = await _write(info, "Placement", services.end_placement, data,
                               idempotency_key)
        return cast(Placement, written)

    @strawberry.mutation(
        description="记录服务 Record a home-delivery, rehabilitation, itinerant-guidance or "
        "health session"
    )
    async def record_service_session(
        self,
        info: HubInfo,
        input: Annotated[RecordServiceSessionInput, _on("服务记录 The session")],
        idempotency_key: IdempotencyKey = None,
    ) -> ServiceSession | None:
        data = _model(services.RecordServiceSession, input)
        written = await _write(info, "ServiceSession", services.record_service_session, data,
                               idempotency_key)
        return cast(ServiceSession, written)

    @strawberry.mutation(
        description="更新个别化教育计划 Record a new version of the IEP; it becomes current"
    )
    async def update_plan(
        self,
        info: HubInfo,
        input: Annotated[UpdatePlanInput, _on("计划 The new version")],
        idempotency_key: IdempotencyKey = None,
    ) -> Plan | None:
        data = _model(services.UpdatePlan, input)
        written = await _write(info, "Plan", services.update_plan, data, idempotency_key)
        return cast(Plan, written)

    @strawberry.mutation(
        description="计划转衔 Plan a transition; a child has one open transition at a time"
    )
    async def start_transition(
        self,
        info: HubInfo,
        input: Annotated[StartTransitionInput, _on("转衔 The transition")],
        idempotency_key: IdempotencyKey = None,
    ) -> Transition | None:
        data = _model(services.StartTransition, input)
        written = await _write(info, "Transition", services.start_transition, data,
                               idempotency_key)
        return cast(Transition, written)

    @strawberry.mutation(description="转衔交接 Record that the child's file was handed over")
    async def hand_over_transition(
        self,
        info: HubInfo,
        id: Id,
        date: Annotated[Date, _on("交接日期 Date of the hand-over (not in the future)")],
        idempotency_key: IdempotencyKey = None,
    ) -> Transition | None:
        data = _model(services.TransitionStep, {"id": id, "date": date})
        written = await _write(info, "Transition", services.hand_over_transition, data,
                               idempotency_key)
        return cast(Transition, written)

    @strawberry.mutation(description="完成转衔 Record that the child arrived: the move is done")
    async def complete_transition(
        self,
        info: HubInfo,
        id: Id,
        date: Annotated[Date, _on("完成日期 Date of completion (not in the future)")],
        idempotency_key: IdempotencyKey = None,
    ) -> Transition | None:
        data = _model(services.TransitionStep, {"id": id, "date": date})
        written = await _write(info, "Transition", services.complete_transition, data,
                               idempotency_key)
        return cast(Transition, written)

    @strawberry.mutation(description="控辍保学立案 Open a dropout case in the ledger 台账")
    async def open_dropout_case(
        self,
        info: HubInfo,
        input: Annotated[OpenDropoutCaseInput, _on("个案 The case")],
        idempotency_key: IdempotencyKey = None,
    ) -> DropoutCase | None:
        data = _model(services.OpenDropoutCase, input)
        written = await _write(info, "DropoutCase", services.open_dropout_case, data,
                               idempotency_key)
        return cast(DropoutCase, written)

    @strawberry.mutation(description="控辍个案销号 Close a dropout case with its resolution")
    async def close_dropout_case(
        self,
        info: HubInfo,
        id: Id,
        date: Annotated[Date, _on("销号日期 Date the case is closed (not in the future)")],
        resolution: Annotated[str, _on("销号结论 How the case was resolved (required)")],
        actions: Annotated[
            list[str] | None, _on("补充的劝返措施 Further actions taken, added to the case")
        ] = None,
        idempotency_key: IdempotencyKey = None,
    ) -> DropoutCase | None:
        values = {"id": id, "date": date, "resolution": resolution, "actions": actions}
        data = _model(services.CloseDropoutCase, values)
        written = await _write(info, "DropoutCase", services.close_dropout_case, data,
                               idempotency_key)
        return cast(DropoutCase, written)

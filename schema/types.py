"""The hub's GraphQL types 数据类型; each field's metadata says where it lives in the graph."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from hub.predicates import (
    OPEN_PLACEMENT,
    current_placement,
    current_pupil,
    in_subtree,
    school_year_of,
    subtree_prefix_of,
)
from hub.vocabulary import (
    AssessmentKind,
    CaseStatus,
    CenterLevel,
    ChildCategory,
    DisabilityCategory,
    PlacementEnding,
    PlacementType,
    SchoolStatus,
    SchoolType,
    ScreeningResult,
    ServiceKind,
    SpecialNeed,
    Stage,
    TransitionStatus,
)
from schema.fields import (
    connection,
    fast_resolver,
    lookup,
    lookup_cursor,
    prop,
    related,
    reveal_id,
)
from schema.mapping import Prop, Related
from schema.scalars import Date, DateTime

strawberry.enum(Stage, description="学段 Education stage")
strawberry.enum(PlacementType, description="安置方式 Placement type (ladder)")
strawberry.enum(SchoolStatus, description="学籍状态 School-status state")
strawberry.enum(PlacementEnding, description="安置结束依据 What ended a placement")
strawberry.enum(ScreeningResult, description="筛查结果 Screening result")
strawberry.enum(ChildCategory, description="儿童类别 Civil-affairs category")
strawberry.enum(ServiceKind, description="服务类型 Kind of service session")
strawberry.enum(AssessmentKind, description="评估类型 Kind of assessment")
strawberry.enum(TransitionStatus, description="转衔状态 Transition status")
strawberry.enum(CaseStatus, description="台账状态 Case status")
strawberry.enum(SchoolType, description="学校类型 School type")
strawberry.enum(CenterLevel, description="资源中心层级 Resource-centre level")
strawberry.enum(SpecialNeed, description="特殊需要 Special need")
strawberry.enum(DisabilityCategory, description="残疾类别 Category")

_DATE = "toString({v}.%s)"


class Mapped:
    """Values are maps from the compiled query; ``__typename`` in them picks the type."""

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return True


@strawberry.interface(description="可按 ID 查询的对象 An object that node(id) can fetch")
class Node(Mapped):
    id: strawberry.ID = prop("{v}.id", "唯一标识 Global id")


# --- regions and organisations ---------------------------------------------------------------


@strawberry.type(description="行政区划 An administrative region (GB/T 2260)")
class Region(Node, Mapped):
    id: strawberry.ID = prop("{v}.code", "唯一标识(即区划代码) Global id: the region code")
    code: str = prop("{v}.code", "行政区划代码 Six-digit code")
    name: str | None = prop("{v}.name", "名称 Name")
    level: str | None = prop("{v}.level", "层级 PROVINCE, PREFECTURE or COUNTY")
    current: bool | None = prop("{v}.current", "是否现行 Whether the code is still in use")
    parent: Region | None = related(
        "上级区划 The region this one is part of", "({v})-[:PART_OF]->({t}:Region)", single=True
    )
    children: ChildConnection = connection(
        "本区划(含下级)的儿童 Children living in this region or below it",
        "",
        in_subtree("{t}", subtree_prefix_of("{v}")),
    )


@strawberry.interface(description="机构 An organisation: school, centre or institution")
class Organisation(Node, Mapped):
    name: str | None = prop("{v}.name", "名称 Name")
    region_code: str | None = prop("{v}.regionCode", "所在区划代码 Region code")
    region: Region | None = related(
        "所在区划 Region", "({v})-[:IN_REGION]->({t}:Region)", single=True
    )


@strawberry.type(description="班级 A class in a school")
class SchoolClass(Node, Mapped):
    name: str | None = prop("{v}.name", "班级名称 Name")
    grade: str | None = prop("{v}.grade", "年级 Grade")
    special: bool | None = prop("{v}.special", "是否特教班 Whether it is a special class")
    school_year: int | None = prop("{v}.schoolYear", "学年 School year (the year it starts)")


@strawberry.type(description="资源教室 The resource room of an ordinary school")
class ResourceRoom(Node, Mapped):
    teachers: int | None = prop("{v}.teachers", "专职教师数 Full-time teachers")


# An organisation's current pupils: its placements that are some child's current one.
_CURRENT_PUPILS = "({v})<-[:AT]-" + current_pupil("{x}", "{t}:Child")


@strawberry.type(description="学校 A school (kindergarten to vocational, or special school)")
class School(Organisation, Mapped):
    code: str | None = prop("{v}.code", "学校标识码 Ten-digit school code")
    school_type: SchoolType | None = prop("{v}.schoolType", "学校类型 School type")
    special_classes: int | None = prop("{v}.specialClasses", "特教班数 Special classes (the "
                                       "school register's count)")
    classes: list[SchoolClass] = related(
        "班级 Classes", "({v})-[:HAS_CLASS]->({t}:SchoolClass)", order="{t}.id"
    )
    resource_room: ResourceRoom | None = related(
        "资源教室 Resource room", "({v})-[:HAS_RESOURCE_ROOM]->({t}:ResourceRoom)", single=True
    )
    served_by: list[ResourceCenter] = related(
        "指导本校的资源中心 Resource centres that guide this school",
        "({t}:ResourceCenter)-[:SERVES]->({v})",
        order="{t}.id",
    )
    children: ChildConnection = connection(
        "在读儿童 Children currently placed here", _CURRENT_PUPILS,
        reveals=frozenset({"Placement"}),
    )


@strawberry.type(description="特殊教育资源中心 A special-education resource centre")
class ResourceCenter(Organisation, Mapped):
    level: CenterLevel | None = prop("{v}.level", "层级 Level")
    serves: list[School] = related(
        "服务的学校 Schools it serves", "({v})-[:SERVES]->({t}:School)", order="{t}.id"
    )
    children: ChildConnection = connection(
        "服务学校的在读儿童 Children placed in the schools it serves",
        "({v})-[:SERVES]->(:School)<-[:AT]-" + current_pupil("{x}", "{t}:Child"),
        reveals=frozenset({"Placement"}),
    )


@strawberry.type(description="康复机构 A rehabilitation institution")
class RehabInstitution(Organisation, Mapped):
    code: str | None = prop("{v}.code", "机构代码 Institution code")
    designated: bool | None = prop("{v}.designated", "是否定点 Designated 定点康复机构")


@strawberry.type(description="儿童福利机构 A child welfare institution")
class WelfareInstitution(Organisation, Mapped):
    pass


@strawberry.type(description="残疾人教育专家委员会 The county expert committee")
class ExpertCommittee(Organisation, Mapped):
    pass


# --- facts about a child ---------------------------------------------------------------------


@strawberry.interface(description="儿童档案记录 A dated fact about a child, with provenance")
class Fact(Node, Mapped):
    # Its type label: not Fact, nor the open-placement label hub/current.py keeps on placements.
    kind: str = prop(
        "head([l IN labels({v}) WHERE NOT l IN ['Fact', '" + OPEN_PLACEMENT + "']])",
        "记录类型 Kind of fact (its type name)",
    )
    date: Date | None = prop(_DATE % "date", "日期 The date that places it on the timeline")
    school_year: int | None = prop(
        school_year_of("{v}.date"), "学年 The school year its date falls in (by its first year)")
    recorded_by: str | None = prop("{v}.recordedBy", "记录部门 Department code that recorded it")
    recorded_in: str | None = prop("{v}.recordedIn", "记录部门所在区划 Region of that department")
    source: str | None = prop("{v}.source", "来源 Source system or export (e.g. edu-status)")
    source_key: str | None = prop("{v}.sourceKey", "来源记录号 Key of the source record")
    recorded_at: DateTime | None = prop(_DATE % "recordedAt", "记录时间 When it was recorded")
    child: Child | None = related(
        "所属儿童 The child", "({t}:Child)-[:HAS_FACT]->({v})", single=True
    )


@strawberry.type(description="残疾人证 Disability certificate (DPF)")
class DisabilityCertificate(Fact, Mapped):
    number_masked: str | None = prop("{v}.numberMasked", "残疾人证号(脱敏) Masked number")
    category: DisabilityCategory | None = prop("{v}.category", "残疾类别 Category")
    grade: int | None = prop("{v}.grade", "残疾等级 Grade, 1 most severe")
    valid_until: Date | None = prop(_DATE % "validUntil", "有效期至 Valid until")
    guardian_name: str | None = prop("{v}.guardianName", "监护人姓名 Guardian's name")
    guardian_phone: str | None = prop("{v}.guardianPhone", "监护人电话 Guardian's phone")


@strawberry.type(description="筛查与诊断 A 0–6 screening and its diagnosis (health)")
class Screening(Fact, Mapped):
    screening_no: str | None = prop("{v}.screeningNo", "筛查编号 Screening number")
    institution: str | None = prop("{v}.institution", "筛查机构 Screening institution")
    result: ScreeningResult | None = prop("{v}.result", "筛查结果 Result")
    diagnosis: str | None = prop("{v}.diagnosis", "诊断 ICD-10 diagnosis")
    diagnosed_on: Date | None = prop(_DATE % "diagnosedOn", "诊断日期 Date of diagnosis")
    referral: str | None = prop("{v}.referral", "转介康复机构 Referred to")


@strawberry.type(description="评估 An expert-committee assessment with its recommendation")
class Assessment(Fact, Mapped):
    assessment_kind: AssessmentKind | None = prop("{v}.kind", "评估类型 Kind of assessment")
    recommendation: PlacementType | None = prop(
        "{v}.recommendation", "建议安置方式 Recommended placement"
    )
    summary: str | None = prop("{v}.summary", "评估结论 Summary")
    committee: ExpertCommittee | None = related(
        "评估专家委员会 Committee", "({v})-[:BY]->({t}:ExpertCommittee)", single=True
    )


@strawberry.type(description="安置与学籍 A placement and its school status")
class Placement(Fact, Mapped):
    placement_type: PlacementType | None = prop("{v}.type", "安置方式 Placement type")
    stage: Stage | None = prop("{v}.stage", "学段 Stage")
    grade: str | None = prop("{v}.grade", "年级 Grade")
    class_name: str | None = prop("{v}.className", "班级 Class")
    student_number: str | None = prop("{v}.studentNumber", "学籍号 School-status number")
    status: SchoolStatus | None = prop("{v}.status", "学籍状态 School-status state")
    start_date: Date | None = prop(_DATE % "date", "开始日期 From")
    end_date: Date | None = prop(_DATE % "endDate", "结束日期 To (empty while current)")
    end_reason: str | None = prop(
        "{v}.endReason", "结束原因 Why it ended: a school-status state, or LEFT_ROLL (不再在册: a "
        "later complete snapshot of the school no longer lists the pupil)")
    ended_by: PlacementEnding | None = prop("{v}.endedBy", "结束依据 What ended it")
    listed_on: Date | None = prop(_DATE % "listedOn", "最近学籍快照日期 The day of the latest "
                                  "school-status snapshot that listed it")
    left_roll_on: Date | None = prop(_DATE % "leftRollOn", "离册日期 The day of the snapshot "
                                     "it was first missing from")
    organisation: Organisation | None = related(
        "安置机构 School or institution", "({v})-[:AT]->({t}:Organisation)", single=True
    )
    school_class: SchoolClass | None = related(
        "所在班级 Class", "({v})-[:IN_CLASS]->({t}:SchoolClass)", single=True
    )


@strawberry.type(description="服务记录 A service session: home delivery, rehabilitation …")
class ServiceSession(Fact, Mapped):
    service_kind: ServiceKind | None = prop("{v}.kind", "服务类型 Kind of service")
    hours: float | None = prop("{v}.hours", "课时 Hours")
    content: list[str] | None = prop("{v}.content", "服务内容 Content")
    provider: str | None = prop("{v}.provider", "服务人员 Who delivered it")
    notes: str | None = prop("{v}.notes", "备注 Notes")
    organisation: Organisation | None = related(
        "服务机构 Delivering organisation", "({v})-[:BY]->({t}:Organisation)", single=True
    )


@strawberry.type(description="个别化教育计划 The IEP, with rehabilitation and health-care parts")
class Plan(Fact, Mapped):
    version: int | None = prop("{v}.version", "版本 Version")
    goals: str | None = prop("{v}.goals", "教育目标 Education goals")
    rehabilitation_plan: str | None = prop("{v}.rehabilitationPlan", "康复计划 Rehabilitation")
    health_care_plan: str | None = prop("{v}.healthCarePlan", "保健计划 Health care")
    current: bool | None = prop("{v}.current", "是否现行版本 Whether this is the current one")


@strawberry.type(description="转衔 A move between stages or placements, with hand-over")
class Transition(Fact, Mapped):
    from_stage: Stage | None = prop("{v}.fromStage", "原学段 From stage")
    to_stage: Stage | None = prop("{v}.toStage", "新学段 To stage")
    from_type: PlacementType | None = prop("{v}.fromType", "原安置方式 From placement type")
    to_type: PlacementType | None = prop("{v}.toType", "新安置方式 To placement type")
    status: TransitionStatus | None = prop("{v}.status", "状态 Status")
    handed_over_on: Date | None = prop(_DATE % "handedOverOn", "交接日期 Handed over on")
    completed_on: Date | None = prop(_DATE % "completedOn", "完成日期 Completed on")
    from_placement: Placement | None = related(
        "原安置 Placement left", "({v})-[:FROM_PLACEMENT]->({t}:Placement)", single=True
    )
    to_placement: Placement | None = related(
        "新安置 Placement entered", "({v})-[:TO_PLACEMENT]->({t}:Placement)", single=True
    )
    receiving: Organisation | None = related(
        "接收机构 Receiving organisation", "({v})-[:RECEIVING]->({t}:Organisation)", single=True
    )


@strawberry.type(description="控辍保学个案 A dropout-control case in the ledger")
class DropoutCase(Fact, Mapped):
    reason: str | None = prop("{v}.reason", "原因 Why it was opened")
    actions: list[str] | None = prop("{v}.actions", "劝返措施 Actions taken")
    status: CaseStatus | None = prop("{v}.status", "状态 Open or closed")
    closed_on: Date | None = prop(_DATE % "closedOn", "销号日期 Closed on")
    resolution: str | None = prop("{v}.resolution", "销号结论 Resolution")


@strawberry.type(description="福利与救助 Civil-affairs care and aid status")
class WelfareStatus(Fact, Mapped):
    file_no: str | None = prop("{v}.fileNo", "档案号 File number")
    category: ChildCategory | None = prop("{v}.category", "儿童类别 Category")
    aid_programme: str | None = prop("{v}.aidProgramme", "救助项目 Aid programme")
    monthly_aid: float | None = prop("{v}.monthlyAid", "月救助金额(元) Monthly aid, yuan")
    end_date: Date | None = prop(_DATE % "endDate", "终止日期 Ended on")
    institution: WelfareInstitution | None = related(
        "福利机构 Institution", "({v})-[:AT]->({t}:WelfareInstitution)", single=True
    )


@strawberry.type(description="辅助器具适配 An assistive-device fitting (DPF)")
class DeviceFitting(Fact, Mapped):
    device: str | None = prop("{v}.device", "辅具 Device")
    provider: str | None = prop("{v}.provider", "适配机构 Provider")


# --- the child -------------------------------------------------------------------------------

_FACT = "({v})-[:HAS_FACT]->({t}:%s)"
_BY_DATE = "{t}.date DESC, {t}.id"

Kinds = Annotated[
    list[str] | None, strawberry.argument(description="只要这些类型 Only these kinds of fact")
]


def _timeline_arguments(args: dict[str, Any], params: Any, t: str) -> tuple[list[str], int | None]:
    conditions = []
    if args.get("kinds"):
        conditions.append(f"any(l IN labels({t}) WHERE l IN {params.add(args['kinds'])})")
    if args.get("from") is not None:
        conditions.append(f"{t}.date >= {params.add(args['from'])}")
    if args.get("to") is not None:
        conditions.append(f"{t}.date <= {params.add(args['to'])}")
    return conditions, args.get("first")


def _service_arguments(args: dict[str, Any], params: Any, t: str) -> tuple[list[str], int | None]:
    conditions = []
    if args.get("kind") is not None:
        conditions.append(f"{t}.kind = {params.add(str(args['kind']))}")
    return conditions, args.get("first")


@fast_resolver
def _services(
    root: Any, info: Info, kind: ServiceKind | None = None, first: int | None = None
) -> Any:
    return lookup(root, info)


@fast_resolver
def _timeline(
    root: Any,
    info: Info,
    kinds: list[str] | None = None,
    from_: Annotated[Date | None, strawberry.argument(name="from")] = None,
    to: Date | None = None,
    first: int | None = None,
) -> Any:
    return lookup(root, info)


def _facts(label: str, description: str, **options: Any) -> Any:
    return related(description, _FACT % label, order=options.pop("order", _BY_DATE), **options)


@strawberry.type(description="适龄残疾儿童少年 A child with a disability or special need")
class Child(Node, Mapped):
    name: str | None = prop("{v}.name", "姓名 Name")
    sex: str | None = prop("{v}.sex", "性别 Sex, M or F")
    birth_date: Date | None = prop(_DATE % "birthDate", "出生日期 Date of birth")
    age: int | None = prop("duration.between({v}.birthDate, date()).years", "年龄 Age in years")
    id_number: str | None = strawberry.field(
        resolver=reveal_id,
        description="身份证号 Resident ID number: masked (first 6, last 4) unless the policy "
        "lets the role reveal it for the declared purpose",
        metadata={"graph": Prop("{v}.idCipher", masked="{v}.idMasked")},
    )
    region_code: str | None = prop("{v}.regionCode", "所在区划代码 Region code")
    region: Region | None = related(
        "所在区划 Region where the child lives", "({v})-[:LIVES_IN]->({t}:Region)", single=True
    )
    disability_category: DisabilityCategory | None = prop(
        "{v}.disabilityCategory", "残疾类别 Disability category"
    )
    disability_grade: int | None = prop("{v}.disabilityGrade", "残疾等级 Disability grade")
    special_needs: list[SpecialNeed] | None = prop("{v}.specialNeeds", "特殊需要 Special needs")
    current_placement: Placement | None = related(
        "当前安置 Current placement", current_placement("{v}", "{t}"), single=True
    )
    placements: list[Placement] = _facts("Placement", "安置历史 Placements, newest first")
    certificates: list[DisabilityCertificate] = _facts(
        "DisabilityCertificate", "残疾人证 Certificates"
    )
    screenings: list[Screening] = _facts("Screening", "筛查与诊断 Screenings")
    assessments: list[Assessment] = _facts("Assessment", "评估 Assessments")
    plans: list[Plan] = _facts(
        "Plan", "个别化教育计划各版本 IEP versions", order="{t}.version DESC"
    )
    current_plan: Plan | None = _facts(
        "Plan", "现行个别化教育计划 Current IEP", where="{t}.current", single=True,
        order="{t}.version DESC",
    )
    transitions: list[Transition] = _facts("Transition", "转衔 Transitions")
    dropout_cases: list[DropoutCase] = _facts("DropoutCase", "控辍保学个案 Dropout cases")
    welfare_statuses: list[WelfareStatus] = _facts("WelfareStatus", "福利与救助 Welfare")
    device_fittings: list[DeviceFitting] = _facts("DeviceFitting", "辅助器具适配 Devices")
    services: list[ServiceSession] = strawberry.field(
        resolver=_services,
        description="服务记录 Service sessions, newest first",
        metadata={"graph": Related(_FACT % "ServiceSession", order=_BY_DATE,
                                   arguments=_service_arguments)},
    )
    timeline: list[Fact] = strawberry.field(
        resolver=_timeline,
        description="时间线 Every dated fact, oldest first",
        metadata={"graph": Related(_FACT % "Fact", order="{t}.date, {t}.id",
                                   arguments=_timeline_arguments)},
    )


# --- connections -----------------------------------------------------------------------------


@strawberry.type(description="分页信息 Where this page ends")
class PageInfo(Mapped):
    has_next_page: bool = strawberry.field(resolver=lookup, description="是否还有下一页 More?")
    end_cursor: str | None = strawberry.field(
        resolver=lookup_cursor, description="本页末尾游标 Cursor of the last item"
    )


@strawberry.type(description="儿童分页中的一项 One child in a page")
class ChildEdge(Mapped):
    cursor: str = strawberry.field(resolver=lookup_cursor, description="游标 Cursor")
    node: Child = strawberry.field(resolver=lookup, description="儿童 The child")


@strawberry.type(description="儿童分页 A page of children")
class ChildConnection(Mapped):
    total_count: int = strawberry.field(
        resolver=lookup, description="符合条件的总数 How many match, over all pages"
    )
    edges: list[ChildEdge] = strawberry.field(resolver=lookup, description="本页 This page")
    page_info: PageInfo = strawberry.field(resolver=lookup, description="分页信息 Page info")


FACT_TYPES: tuple[type, ...] = (
    DisabilityCertificate, Screening, Assessment, Placement, ServiceSession, Plan, Transition,
    DropoutCase, WelfareStatus, DeviceFitting,
)
ORGANISATION_TYPES: tuple[type, ...] = (
    School, ResourceCenter, RehabInstitution, WelfareInstitution, ExpertCommittee,
)
ALL_TYPES: tuple[type, ...] = (
    Child, Region, SchoolClass, ResourceRoom, *FACT_TYPES, *ORGANISATION_TYPES,
)

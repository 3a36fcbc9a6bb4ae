"""The auditors' API 审计接口: who accessed what, volumes, unusual access, a child's report.

Only subjects holding the ``auditor`` role may ask (FORBIDDEN for everyone else). Auditors
still see no child data through the child queries: the policy gives them rows ``none``; here
they see ids, digests and figures from the audit log, never a child's record.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from audit import letter, reports, subjects
from auth.policy import policy_for
from hub import children as child_search
from hub.errors import BadUserInput, Forbidden, NotFound
from schema.context import Context
from schema.fields import After, First, decode_cursor, encode_cursor
from schema.scalars import DateTime

AuditInfo = Info[Context, None]


def _about_child(info: AuditInfo, child_id: str | None) -> None:
    """An auditor asking about one child is on that child's record too."""
    if child_id is not None and info.context.audit is not None:
        info.context.audit.note_child(str(child_id))


async def require_auditor(info: AuditInfo) -> None:
    view = info.context.view
    if view is None or "auditor" not in view.roles:
        raise Forbidden("仅审计人员可查询审计日志 only auditors may read the audit log")
    # What this hub has journalled but not yet shipped goes into the graph first, so that an
    # auditor never reads a log behind the accesses it has answered.
    request = info.context.request
    service = getattr(request.app.state, "audit", None) if request is not None else None
    if service is not None:
        await service.drain()


@strawberry.type(description="访问事件(审计日志的一条) One event of the access audit log")
class AccessEvent:
    seq: int = strawberry.field(description="序号(连续无缺) Sequence number, gap-free")
    id: strawberry.ID = strawberry.field(description="事件标识 Event id")
    time: str = strawberry.field(description="时间(UTC) When, UTC ISO 8601")
    kind: str = strawberry.field(
        description="类别 graphql、token、ingest、export、policy、audit Kind of event")
    action: str = strawberry.field(description="动作(FHIR C/R/U/D/E) FHIR action code")
    subtype: str | None = strawberry.field(
        description="子类 query、update、login、import、disclose … IHE-style subtype")
    request_id: str | None = strawberry.field(description="请求号 Request id")
    subject_id: str | None = strawberry.field(description="访问者标识 Client or person id")
    subject_kind: str | None = strawberry.field(
        description="访问者类别 client、person、system、anonymous Kind of subject")
    department: str | None = strawberry.field(description="部门 Department code")
    region: str | None = strawberry.field(description="访问者区划 Subject's region code")
    roles: list[str] = strawberry.field(description="角色 Roles")
    purpose: str | None = strawberry.field(description="声明用途 Declared purpose of use")
    client_address: str | None = strawberry.field(description="来源地址 Client address")
    operation_type: str | None = strawberry.field(
        description="操作类型 query、mutation、token、command Operation type")
    operation_name: str | None = strawberry.field(description="操作名 Operation name")
    root_fields: list[str] = strawberry.field(description="顶层字段 Top-level fields asked")
    document_hash: str | None = strawberry.field(
        description="查询文本的 SHA-256 sha256 of the GraphQL document")
    variables_digest: str | None = strawberry.field(
        description="变量的 HMAC 摘要(不含明文) HMAC digest of the variables, no values")
    children: list[strawberry.ID] = strawberry.field(
        description="返回了其数据的儿童 id Children whose data was returned (ids)")
    fields: list[str] = strawberry.field(description="返回的字段路径 Field paths returned")
    redacted: list[str] = strawberry.field(description="被遮蔽的字段路径 Field paths masked")
    outcome: str = strawberry.field(
        description="结果 ok、forbidden、not_found、error、unauthenticated、rate_limited Outcome")
    error_codes: list[str] = strawberry.field(description="错误代码 Error codes")
    status: int | None = strawberry.field(description="HTTP 状态码 HTTP status")
    latency_ms: float | None = strawberry.field(description="耗时(毫秒) Latency, ms")
    detail: str | None = strawberry.field(
        description="附加信息(JSON,无个人信息) Extra figures as JSON, no personal data")
    hash: str = strawberry.field(description="链式哈希 Hash in the chain")


_LIST_FIELDS = ("roles", "rootFields", "children", "fields", "redacted", "errorCodes")


def _event(raw: dict[str, Any]) -> AccessEvent:
    def get(name: str) -> Any:
        value = raw.get(name)
        return list(value or []) if name in _LIST_FIELDS else value

    return AccessEvent(
        seq=int(raw["seq"]), id=strawberry.ID(str(raw["id"])), time=str(raw["time"]),
        kind=str(raw["kind"]), action=str(raw["action"]), subtype=get("subtype"),
        request_id=get("requestId"), subject_id=get("subjectId"), subject_kind=get("subjectKind"),
        department=get("department"), region=get("region"), roles=get("roles"),
        purpose=get("purpose"), client_address=get("clientAddress"),
        operation_type=get("operationType"), operation_name=get("operationName"),
        root_fields=get("rootFields"), document_hash=get("documentHash"),
        variables_digest=get("variablesDigest"), children=get("children"), fields=get("fields"),
        redacted=get("redacted"), outcome=str(raw.get("outcome") or "ok"),
        error_codes=get("errorCodes"), status=get("status"), latency_ms=get("latencyMs"),
        detail=get("detail"), hash=str(raw["hash"]),
    )


@strawberry.type(description="访问者 Who a subject key of the log is")
class AuditSubject:
    key: str = strawberry.field(description="日志中的标识 The key as the log has it")
    kind: str = strawberry.field(description="person、client、system、unknown")
    id: str | None = strawberry.field(description="人员或系统 id Person's or client's id")
    username: str | None = strawberry.field(description="用户名 A person's user name")
    name: str | None = strawberry.field(
        description="姓名或系统名称 A person's display name, a client's registered name")
    department: str | None = strawberry.field(description="部门代码 Department code")
    region: str | None = strawberry.field(description="区划代码 Region code")
    organisations: list[str] = strawberry.field(description="工作单位 Organisations (names)")


@strawberry.type(description="访问事件边 An access event and its cursor")
class AccessEventEdge:
    cursor: str = strawberry.field(description="游标 Cursor")
    node: AccessEvent = strawberry.field(description="访问事件 The event")


@strawberry.type(description="访问事件分页(新在前) A page of access events, newest first")
class AccessEventConnection:
    edges: list[AccessEventEdge] = strawberry.field(description="本页 This page")
    subjects: list[AuditSubject] = strawberry.field(
        description="本页访问者的身份 Who the subjects of this page are (one per key)")
    has_next_page: bool = strawberry.field(description="是否还有下一页 More?")
    end_cursor: str | None = strawberry.field(description="本页末尾游标 Cursor of the last")


@strawberry.type(description="儿童(供审计人员辨认) A child as an auditor tells namesakes apart")
class AuditChild:
    id: strawberry.ID = strawberry.field(description="儿童 id")
    name: str | None = strawberry.field(description="姓名 Name")
    birth_date: str | None = strawberry.field(description="出生日期 Birth date")
    organisation: str | None = strawberry.field(
        description="当前学校或机构 Current school or institution")
    region: str | None = strawberry.field(description="居住区划 Region lived in")


@strawberry.input(description="访问事件筛选(同时满足) Conditions on events, all must hold")
class AccessEventFilter:
    subject_id: str | None = strawberry.field(default=None, description="访问者 Subject id")
    subject: str | None = strawberry.field(
        default=None, description="访问者(其全部标识:id、用户名) A subject under every key it "
        "has in the log (a person's id and the user name of its refused sign-ins)")
    department: str | None = strawberry.field(default=None, description="部门 Department code")
    child_id: strawberry.ID | None = strawberry.field(
        default=None, description="涉及的儿童 A child whose data was returned")
    purpose: str | None = strawberry.field(default=None, description="用途 Declared purpose")
    outcome: str | None = strawberry.field(default=None, description="结果 Outcome")
    kind: str | None = strawberry.field(default=None, description="类别 Kind of event")
    from_: DateTime | None = strawberry.field(
        default=None, name="from", description="起(含) From, inclusive")
    to: DateTime | None = strawberry.field(default=None, description="止(不含) To, exclusive")


@strawberry.type(description="访问量 Access volume of one subject or department")
class AccessVolume:
    key: str = strawberry.field(description="访问者或部门 Subject id or department code")
    department: str | None = strawberry.field(description="部门 Department code")
    requests: int = strawberry.field(description="请求数 Requests")
    children_returned: int = strawberry.field(
        description="返回儿童人次 Children returned, counted per request")
    distinct_children: int = strawberry.field(description="不同儿童数 Distinct children")
    denials: int = strawberry.field(description="被拒绝次数 Refused requests")


@strawberry.type(description="访问量汇总 Access volumes per subject and per department")
class AccessVolumes:
    by_subject: list[AccessVolume] = strawberry.field(description="按访问者 Per subject")
    by_department: list[AccessVolume] = strawberry.field(description="按部门 Per department")


@strawberry.type(description="异常访问提示 A flag on unusual access")
class UnusualAccess:
    kind: str = strawberry.field(
        description="类别 BULK_READ、BULK_WINDOW、OFF_HOURS、OUT_OF_REGION、DENIAL_BURST Kind")
    description: str = strawberry.field(description="说明 What it means")
    subject_id: str = strawberry.field(description="访问者 Subject id (or anonymous@address)")
    department: str | None = strawberry.field(description="部门 Department code")
    count: int = strawberry.field(description="涉及事件数 Events flagged")
    first_time: str = strawberry.field(description="最早(UTC) First, UTC")
    last_time: str = strawberry.field(description="最晚(UTC) Last, UTC")
    events: list[int] = strawberry.field(description="事件序号(至多 20) Event seqs, up to 20")
    children: list[strawberry.ID] = strawberry.field(
        description="涉及儿童 id(至多 20) Children involved, up to 20")


@strawberry.type(description="一次访问(给监护人看) One access, in plain words for a guardian")
class ChildAccessEntry:
    time: str = strawberry.field(description="时间(当地) When, local time")
    department: str | None = strawberry.field(description="部门代码 Department code")
    department_name: str = strawberry.field(description="部门 Department")
    subject_id: str | None = strawberry.field(description="访问者标识 Who: system or staff id")
    subject_kind: str = strawberry.field(description="访问者类别 System or staff member")
    purpose: str | None = strawberry.field(description="用途代码 Purpose code")
    purpose_text: str = strawberry.field(description="用途 Why")
    action: str = strawberry.field(description="做了什么 What was done")
    fields: list[str] = strawberry.field(description="看到的字段 Fields seen")
    text: str = strawberry.field(description="一句话说明 The whole entry in one sentence")


@strawberry.type(description="儿童访问报告 Who accessed a child's record, when and why")
class ChildAccessReport:
    child_id: strawberry.ID = strawberry.field(description="儿童 id Child id")
    generated_at: str = strawberry.field(description="生成时间 Generated at")
    summary: str = strawberry.field(description="概述 Summary")
    entries: list[ChildAccessEntry] = strawberry.field(description="访问记录 The accesses")


@strawberry.type(description="说明中的一组访问 One organisation's accesses for one purpose")
class LetterGroup:
    organisation: str = strawberry.field(description="单位 Organisation")
    purpose: str | None = strawberry.field(description="用途代码 Purpose code")
    action: str = strawberry.field(
        description="read、audit-read、export、write:<operation> What was done")
    count: int = strawberry.field(description="次数 How many times")
    first: str = strawberry.field(description="最早日期 First day (YYYY-MM-DD)")
    last: str = strawberry.field(description="最晚日期 Last day (YYYY-MM-DD)")
    text: str = strawberry.field(description="一句话 The group in one sentence")


@strawberry.type(description="给监护人的访问说明 The access report as a letter to a family")
class ChildAccessLetter:
    child_id: strawberry.ID = strawberry.field(description="儿童 id")
    child_name: str | None = strawberry.field(description="姓名 Name")
    birth_date: str | None = strawberry.field(description="出生日期 Birth date")
    language: str = strawberry.field(description="zh 或 en The letter's one language")
    generated_on: str = strawberry.field(description="日期 Written on (YYYY-MM-DD)")
    total: int = strawberry.field(description="访问次数 Accesses")
    reads: int = strawberry.field(description="查看次数 Views")
    writes: int = strawberry.field(description="记录次数 New records")
    organisations: int = strawberry.field(description="单位数 Organisations")
    first: str | None = strawberry.field(description="最早日期 First day")
    last: str | None = strawberry.field(description="最晚日期 Last day")
    summary: str = strawberry.field(description="概述 The summary paragraph")
    groups: list[LetterGroup] = strawberry.field(
        description="按单位、用途分组 Grouped by organisation and purpose")


def _bound(info: AuditInfo, value: dt.datetime | None) -> str | None:
    return None if value is None else reports.utc_text(value,
                                                       info.context.settings.audit_timezone)


def _range(info: AuditInfo, from_: dt.datetime, to: dt.datetime) -> tuple[str, str]:
    since, until = _bound(info, from_), _bound(info, to)
    assert since is not None and until is not None
    if since >= until:
        raise BadUserInput("from 须早于 to from must be before to", field="from")
    return since, until


FromArg = Annotated[DateTime, strawberry.argument(name="from", description="起 From")]
ToArg = Annotated[DateTime, strawberry.argument(description="止 To (exclusive)")]


@strawberry.type(description="审计查询 Auditors' queries")
class AuditQuery:
    @strawberry.field(description="访问事件(仅审计人员) Access events, auditors only")
    async def access_events(
        self, info: AuditInfo,
        filter: Annotated[AccessEventFilter | None, strawberry.argument(
            description="筛选条件 Conditions")] = None,
        first: First = None, after: After = None,
    ) -> AccessEventConnection:
        await require_auditor(info)
        size = 20 if first is None else first
        if not 0 <= size <= info.context.settings.max_page_size:
            raise BadUserInput("first 超出范围 first is out of range", field="first")
        before = None
        if after is not None:
            try:
                before = int(decode_cursor(after))
            except ValueError:
                raise BadUserInput("after 游标无效 bad cursor", field="after") from None
        given = filter or AccessEventFilter()
        _about_child(info, given.child_id)
        keys = (await subjects.aliases(info.context.graph, info.context.settings, given.subject)
                if given.subject else None)
        spec = reports.EventFilter(
            subject_id=given.subject_id, subject_ids=keys, department=given.department,
            child_id=given.child_id, purpose=given.purpose, outcome=given.outcome,
            kind=given.kind, since=_bound(info, given.from_), until=_bound(info, given.to),
        )
        found, more = await reports.events(info.context.graph, spec, size, before)
        edges = [AccessEventEdge(cursor=encode_cursor(str(e["seq"])), node=_event(e))
                 for e in found]
        keys = sorted({str(e["subjectId"]) for e in found if e.get("subjectId")})
        who = await subjects.resolve(info.context.graph, info.context.settings, keys)
        return AccessEventConnection(edges=edges, subjects=[AuditSubject(**vars(w)) for w in who],
                                     has_next_page=more,
                                     end_cursor=edges[-1].cursor if edges else None)

    @strawberry.field(description="给监护人的访问说明(仅审计人员) The child's access report as a "
                      "letter a family can read, in one language; auditors only")
    async def child_access_letter(
        self, info: AuditInfo,
        child_id: Annotated[strawberry.ID, strawberry.argument(description="儿童 id Child id")],
        language: Annotated[str, strawberry.argument(description="zh 或 en")] = "zh",
    ) -> ChildAccessLetter:
        await require_auditor(info)
        if language not in letter.LANGUAGES:
            raise BadUserInput("language: zh 或 en", field="language")
        _about_child(info, child_id)
        settings = info.context.settings
        graph = info.context.graph
        if not await reports.child_known(graph, str(child_id)):
            raise NotFound("childId: 没有这个儿童 no such child", field="childId")
        written = await letter.write_letter(graph, settings, policy_for(settings).spec.purposes,
                                            str(child_id), language)
        return ChildAccessLetter(
            child_id=child_id, child_name=written.child_name, birth_date=written.birth_date,
            language=language, generated_on=written.generated_on, total=written.total,
            reads=written.reads, writes=written.writes, organisations=written.organisations,
            first=written.first, last=written.last, summary=written.summary,
            groups=[LetterGroup(organisation=g.organisation, purpose=g.purpose or None,
                                action=g.action, count=g.count, first=g.first, last=g.last,
                                text=g.text) for g in written.groups])

    @strawberry.field(description="访问者身份(仅审计人员) Who each subject key is, auditors only")
    async def audit_subjects(
        self, info: AuditInfo,
        keys: Annotated[list[str], strawberry.argument(description="日志中的标识,至多 200")],
    ) -> list[AuditSubject]:
        await require_auditor(info)
        if len(keys) > 200:
            raise BadUserInput("keys: 至多 200 个 at most 200", field="keys")
        found = await subjects.resolve(info.context.graph, info.context.settings, keys)
        return [AuditSubject(**vars(who)) for who in found]

    @strawberry.field(description="按姓名找儿童(仅审计人员,为打开其访问报告) Children by name, "
                      "pinyin or initials, with birth date and school to tell namesakes apart")
    async def audit_children(
        self, info: AuditInfo,
        name: Annotated[str, strawberry.argument(description="姓名、拼音或首字母")],
    ) -> list[AuditChild]:
        await require_auditor(info)
        if not 1 <= len(name.strip()) <= 50:
            raise BadUserInput("name: 1–50 个字符 1–50 characters", field="name")
        found = await child_search.namesakes(info.context.graph, name)
        for row in found:  # the auditor has now seen who these children are
            _about_child(info, str(row["id"]))
        return [AuditChild(id=strawberry.ID(str(r["id"])), name=r["name"],
                           birth_date=None if r["birthDate"] is None else str(r["birthDate"]),
                           organisation=r["organisation"], region=r["region"]) for r in found]

    @strawberry.field(description="访问量(仅审计人员) Volumes per subject and department")
    async def access_volumes(self, info: AuditInfo, from_: FromArg, to: ToArg) -> AccessVolumes:
        await require_auditor(info)
        since, until = _range(info, from_, to)
        grouped = await reports.volumes(info.context.graph, since, until)

        def shown(volume: reports.Volume) -> AccessVolume:
            return AccessVolume(key=volume.key, department=volume.department,
                                requests=volume.requests,
                                children_returned=volume.children_returned,
                                distinct_children=volume.distinct_children,
                                denials=volume.denials)

        return AccessVolumes(by_subject=[shown(v) for v in grouped["subject"]],
                             by_department=[shown(v) for v in grouped["department"]])

    @strawberry.field(description="异常访问(仅审计人员) Unusual access flags, auditors only")
    async def unusual_access(self, info: AuditInfo, from_: FromArg, to: ToArg
                             ) -> list[UnusualAccess]:
        await require_auditor(info)
        since, until = _range(info, from_, to)
        flags = await reports.unusual(info.context.graph, info.context.settings, since, until)
        return [UnusualAccess(kind=f.kind, description=f.description, subject_id=f.subject_id,
                              department=f.department, count=f.count, first_time=f.first_time,
                              last_time=f.last_time, events=f.events,
                              children=[strawberry.ID(c) for c in f.children]) for f in flags]

    @strawberry.field(
        description="儿童访问报告(仅审计人员):谁、何时、为何查看了该儿童的记录 "
        "Who accessed this child's record, when and why; auditors only"
    )
    async def child_access_report(
        self, info: AuditInfo,
        child_id: Annotated[strawberry.ID, strawberry.argument(description="儿童 id Child id")],
    ) -> ChildAccessReport:
        await require_auditor(info)
        _about_child(info, child_id)
        settings = info.context.settings
        entries = await reports.child_report(info.context.graph, settings,
                                             policy_for(settings).spec.purposes, str(child_id))
        if not entries and not await reports.child_known(info.context.graph, str(child_id)):
            raise NotFound("childId: 没有这个儿童 no such child", field="childId")
        departments = sorted({e.department_name.split(" ")[0] for e in entries})
        summary = (f"共 {len(entries)} 次访问,涉及 {len(departments)} 个部门"
                   f"({'、'.join(departments) or '无'})。 "
                   f"{len(entries)} accesses by {len(departments)} departments.")
        return ChildAccessReport(
            child_id=child_id,
            generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            summary=summary,
            entries=[ChildAccessEntry(**vars(e)) for e in entries],
        )

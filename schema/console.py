"""GraphQL fields the console needs 控制台查询, on the same ``/graphql`` as every client.

- ``childByIdNumber``: find a child by resident ID number (its keyed hash), for subjects that may
  see ID numbers for the declared purpose; a subject that only sees the masked form is refused,
  since a match would confirm the number it may not see.
- ``childrenByIds``: the children behind an indicator, by id, with the selection compiled like
  ``child(id)`` (row scope in the query: ids outside scope are simply not returned).
- ``schools``: schools of a region by name, for the search form (organisations are not personal
  data and carry no row scope).
- ``searchOptions``, ``recordOptions``, ``purposeOptions``: what this subject may search by,
  record and declare, so the console
  offers nothing it would refuse (the subject's own permissions, no child's data).
- ``auditChainStatus``: whether the online audit log verifies (``hub audit verify``), auditors only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, cast

import strawberry
from graphql import get_named_type

from audit import archive, signing
from hub.errors import BadUserInput, Forbidden
from hub.facts import BY_LABEL
from hub.predicates import in_subtree, region_prefix
from schema.audit import AuditInfo, require_auditor
from schema.compile import where
from schema.queries import HubInfo, _compiler, _field, _result, run_compiled
from schema.types import Child, School

_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
MAX_IDS = 100


@strawberry.type(description="审计日志校验结果 Whether the online audit log verifies")
class AuditChainStatus:
    ok: bool = strawberry.field(description="是否通过 Chain intact and checkpoints signed")
    events: int = strawberry.field(description="在线事件数 Events online")
    checkpoints: int = strawberry.field(description="检查点数 Signed checkpoints")
    first_seq: int = strawberry.field(description="起始序号 First sequence number")
    last_seq: int = strawberry.field(description="末尾序号 Last sequence number")
    problem: str | None = strawberry.field(
        description="首个问题(altered、deleted、inserted、reordered …) The first problem found")
    checked_at: str = strawberry.field(description="校验时间(UTC) When it was checked")


@strawberry.type(description="本次请求可用的查找方式 How this subject may search, for this purpose")
class SearchOptions:
    by_name: bool = strawberry.field(description="按姓名、拼音 By name, pinyin or initials")
    by_id_number_end: bool = strawberry.field(
        description="按身份证号后四位 By the ID number's last four characters (its masked form)")
    by_id_number: bool = strawberry.field(
        description="按完整身份证号 By the whole ID number (only where it is shown unmasked)")
    id_number_purposes: list[str] = strawberry.field(
        description="可按完整身份证号查找的用途 Purposes of this subject that would allow it")


@strawberry.type(description="可记录的内容 What this subject may record (its roles' writes)")
class RecordOptions:
    kinds: list[str] = strawberry.field(
        description="可记录的事实类型 Kinds of fact it may record, e.g. ServiceSession")


@strawberry.type(description="可声明的用途 The purposes of use this subject's roles may declare")
class PurposeOptions:
    purposes: list[str] = strawberry.field(
        description="用途代码 Purpose codes, e.g. SERVICE_DELIVERY (empty: no policy in force)")


@strawberry.type(description="控制台查询 Queries of the console")
class ConsoleQuery:
    @strawberry.field(description="按身份证号查找儿童 A child by resident ID number, for roles "
                      "that may see ID numbers for the declared purpose")
    async def child_by_id_number(
        self, info: HubInfo,
        id_number: Annotated[str, strawberry.argument(description="身份证号 18 characters")],
    ) -> Child | None:
        number = id_number.strip().upper()
        if not _ID_NUMBER.match(number):
            raise BadUserInput("idNumber: 身份证号应为 18 位 an ID number has 18 characters",
                               field="idNumber")
        context = info.context
        if context.view is not None and ("Child", "idNumber") in context.masked:
            purposes = context.view.purpose_would_reveal.get(("Child", "idNumber"))
            hint = (f"; 声明用途 declare one of {list(purposes)}" if purposes else "")
            raise Forbidden("idNumber: 无权按身份证号查找 you may not search by ID number" + hint,
                            field="idNumber")
        if context.protector is None:
            raise Forbidden("idNumber: 无法按身份证号查找 ID search is not available",
                            field="idNumber")
        compiler = _compiler(info)
        field_def, nodes = _field(info)
        v = compiler.var()
        found = compiler.params.add(context.protector.hash(number))
        in_scope = where(compiler.child_where(v))
        projection = compiler.value(get_named_type(field_def.type), v, nodes)
        cypher = f"MATCH ({v}:Child {{idHash: {found}}}){in_scope} RETURN {projection} AS result"
        found = await _result(info.context, cypher, compiler.params.values, "儿童 child")
        return cast(Child, found)

    @strawberry.field(description="可用的查找方式 Which search fields this subject may use now, "
                      "so that the console offers no other")
    def search_options(self, info: HubInfo) -> SearchOptions:
        context = info.context
        view = context.view
        id_ref = ("Child", "idNumber")
        # The same rules as the search itself: children(filter) and childByIdNumber above.
        sees = view is None or view.sees_children
        return SearchOptions(
            by_name=sees and ("Child", "name") not in context.masked,
            by_id_number_end=sees,
            by_id_number=(sees and id_ref not in context.masked
                          and context.protector is not None),
            id_number_purposes=list(view.purpose_would_reveal.get(id_ref, ()))
            if view is not None else [],
        )

    @strawberry.field(description="可记录的内容 What this subject may record, so that the "
                      "console offers nothing it would refuse")
    def record_options(self, info: HubInfo) -> RecordOptions:
        view = info.context.view
        # No policy in force (auth off): every kind the API writes.
        return RecordOptions(kinds=sorted(BY_LABEL) if view is None else sorted(view.write))

    @strawberry.field(description="可声明的用途 Which purposes of use this subject may declare, "
                      "so that the console offers no other")
    def purpose_options(self, info: HubInfo) -> PurposeOptions:
        view = info.context.view
        return PurposeOptions(purposes=sorted(view.purposes) if view is not None else [])

    @strawberry.field(description="按 id 取多名儿童(仅限可见范围) Children by id, within scope")
    async def children_by_ids(
        self, info: HubInfo,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="儿童 id,至多 100")],
    ) -> list[Child]:
        if len(ids) > MAX_IDS:
            raise BadUserInput(f"ids: 至多 {MAX_IDS} 个 at most {MAX_IDS}", field="ids")
        compiler = _compiler(info)
        field_def, nodes = _field(info)
        v, i = compiler.var(), compiler.var()
        wanted = compiler.params.add([str(x) for x in ids])
        in_scope = where(compiler.child_where(v))
        projection = compiler.value(get_named_type(field_def.type), v, nodes)
        cypher = (f"UNWIND range(0, size({wanted}) - 1) AS {i} "
                  f"MATCH ({v}:Child {{id: {wanted}[{i}]}}){in_scope} "
                  f"WITH {v}, {i} ORDER BY {i} RETURN collect({projection}) AS result")
        found = await run_compiled(info.context, None, cypher, compiler.params.values)
        return cast(list[Child], list(found or []))

    @strawberry.field(description="学校列表 Schools of a region (subtree), by name")
    async def schools(
        self, info: HubInfo,
        region: Annotated[str, strawberry.argument(description="行政区划代码 Region code")],
        name: Annotated[str | None, strawberry.argument(description="名称包含 Name contains")
                        ] = None,
        first: Annotated[int | None, strawberry.argument(description="至多 At most")] = None,
    ) -> list[School]:
        if not re.fullmatch(r"\d{6}", region):
            raise BadUserInput("region: 六位区划代码 a six-digit code", field="region")
        size = 200 if first is None else first
        if not 0 <= size <= 500:
            raise BadUserInput("first: 0–500", field="first")
        compiler = _compiler(info)
        field_def, nodes = _field(info)
        v = compiler.var()
        prefix = compiler.params.add(region_prefix(region))
        text = compiler.params.add(name or "")
        limit = compiler.params.add(size)
        projection = compiler.value(get_named_type(field_def.type), v, nodes)
        cypher = (f"MATCH ({v}:School) WHERE {in_subtree(v, prefix)} "
                  f"AND {v}.name CONTAINS {text} WITH {v} ORDER BY {v}.name LIMIT {limit} "
                  f"RETURN collect({projection}) AS result")
        found = await run_compiled(info.context, None, cypher, compiler.params.values)
        return cast(list[School], list(found or []))

    @strawberry.field(description="审计日志校验(仅审计人员) Verify the audit log, auditors only")
    async def audit_chain_status(self, info: AuditInfo) -> AuditChainStatus:
        await require_auditor(info)
        settings = info.context.settings
        public = signing.load_or_create(settings.audit_signing_key_file).public_key()
        report = await archive.verify_online(info.context.graph, public)
        return AuditChainStatus(
            ok=report.ok, events=report.events, checkpoints=report.checkpoints,
            first_seq=report.first_seq, last_seq=report.last_seq,
            problem=None if report.problem is None else str(report.problem),
            checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )

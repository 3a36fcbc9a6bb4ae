"""Top-level queries: each compiles its whole selection into one Cypher query."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

import strawberry
from graphql import FieldNode, GraphQLField, GraphQLObjectType, get_named_type
from strawberry.types import Info

from hub import children as child_search
from hub.errors import Forbidden, NotFound
from hub.facts import BY_LABEL
from hub.graph import Transaction
from hub.predicates import region_prefix
from hub.vocabulary import DisabilityCategory, PlacementType, SpecialNeed, Stage
from schema.compile import Compiler, disclosed_children, where
from schema.context import Context
from schema.fields import After, First
from schema.mapping import Connection, Related
from schema.scalars import Date
from schema.types import Child, ChildConnection, Fact, Node, Region, ResourceCenter, School

HubInfo = Info[Context, None]


@strawberry.input(description="儿童筛选条件(同时满足) Conditions on children, all must hold")
class ChildFilterInput:
    region_code: str | None = strawberry.field(
        default=None, description="行政区划代码(含下级) Region code, its subtree included"
    )
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="当前安置机构 Current placement's organisation id"
    )
    placement_type: PlacementType | None = strawberry.field(
        default=None, description="当前安置方式 Current placement type"
    )
    stage: Stage | None = strawberry.field(default=None, description="当前学段 Current stage")
    disability_category: DisabilityCategory | None = strawberry.field(
        default=None, description="残疾类别 Disability category"
    )
    special_need: SpecialNeed | None = strawberry.field(
        default=None, description="特殊需要 Special need"
    )
    name: str | None = strawberry.field(default=None, description="姓名(前缀) Name starts with")
    min_age: int | None = strawberry.field(default=None, description="最小年龄 Minimum age")
    max_age: int | None = strawberry.field(default=None, description="最大年龄 Maximum age")


def _compiler(info: HubInfo) -> Compiler:
    raw = info._raw_info
    return Compiler(
        raw.schema,
        raw.fragments,
        raw.variable_values,
        max_page_size=info.context.settings.max_page_size,
        scope=info.context.scope,
        masked=info.context.masked,
    )


def _field(info: HubInfo) -> tuple[GraphQLField, list[FieldNode]]:
    raw = info._raw_info
    parent = raw.parent_type
    assert isinstance(parent, GraphQLObjectType)
    return parent.fields[raw.field_name], list(raw.field_nodes)


def note_disclosed(info: HubInfo, result: Any) -> Any:
    """Names every child the result discloses on the request's audit record."""
    audit = info.context.audit
    if audit is not None:
        for child in disclosed_children(result):
            audit.note_child(child)
    return result


async def run_compiled(info: HubInfo, tx: Transaction | None, cypher: str,
                       params: dict[str, Any]) -> Any:
    """Runs a compiled query whose one row holds ``result``; the audit learns its children."""
    rows = await (tx.run(cypher, params) if tx is not None
                  else info.context.graph.run(cypher, params))
    return note_disclosed(info, rows[0]["result"] if rows else None)


async def _result(info: HubInfo, cypher: str, params: dict[str, Any], what: str) -> Any:
    found = await run_compiled(info, None, cypher, params)
    if found is None:
        raise NotFound(f"未找到该{what}或无权查看 no such {what}, or not visible to you")
    return found


async def _by_key(info: HubInfo, label: str, key: str, value: str, what: str) -> Any:
    """One node by its key, with the whole selection below it."""
    compiler = _compiler(info)
    field_def, nodes = _field(info)
    v = compiler.var()
    found = compiler.params.add(value)
    scope = where(compiler.child_where(v)) if label == "Child" else ""
    projection = compiler.value(get_named_type(field_def.type), v, nodes)
    cypher = f"MATCH ({v}:{label} {{{key}: {found}}}){scope} RETURN {projection} AS result"
    return await _result(info, cypher, compiler.params.values, what)


@strawberry.type(description="查询 Queries")
class Query:
    @strawberry.field(description="一名儿童 One child by id")
    async def child(self, info: HubInfo, id: strawberry.ID) -> Child | None:
        return cast(Child, await _by_key(info, "Child", "id", id, "儿童 child"))

    @strawberry.field(description="儿童列表(分页) Children matching a filter, a page at a time")
    async def children(
        self,
        info: HubInfo,
        filter: ChildFilterInput | None = None,
        first: First = None,
        after: After = None,
    ) -> ChildConnection:
        spec = child_search.ChildFilter.model_validate(
            strawberry.asdict(filter) if filter is not None else {}
        )
        _refuse_hidden_filters(info, spec)
        compiler = _compiler(info)
        # A region filter inside a region scope implies the scope condition; leaving it out of
        # this one match keeps the planner's choice of index. Nested matches keep theirs.
        implied = spec.region_code is not None and compiler.scope.implied_by_region(
            region_prefix(spec.region_code))
        field_def, nodes = _field(info)
        conditions = child_search.conditions(spec, compiler.params, dt.date.today())
        args = {"first": first, "after": after}
        expr = compiler.connection(_ALL_CHILDREN, None, field_def, nodes, args, conditions,
                                   scope_implied=implied)
        result = await run_compiled(info, None, f"RETURN {expr} AS result",
                                    compiler.params.values)
        return cast(ChildConnection, result)

    @strawberry.field(
        description="儿童时间线:各部门的全部记录,按日期排列 "
        "Every dated fact of a child across departments, in order"
    )
    async def child_timeline(
        self,
        info: HubInfo,
        child_id: strawberry.ID,
        from_: Annotated[Date | None, strawberry.argument(name="from")] = None,
        to: Date | None = None,
        kinds: list[str] | None = None,
        first: First = None,
    ) -> list[Fact]:
        compiler = _compiler(info)
        field_def, nodes = _field(info)
        mapping = _mapping_of(Child, "timeline")
        v = compiler.var()
        found = compiler.params.add(child_id)
        in_scope = where(compiler.child_where(v))
        items = compiler.related(mapping, field_def, v, nodes)
        cypher = f"MATCH ({v}:Child {{id: {found}}}){in_scope} RETURN {items} AS result"
        return cast(list[Fact], await _result(info, cypher, compiler.params.values, "儿童 child"))

    @strawberry.field(description="一所学校 One school by id")
    async def school(self, info: HubInfo, id: strawberry.ID) -> School | None:
        return cast(School, await _by_key(info, "School", "id", id, "学校 school"))

    @strawberry.field(description="一个资源中心 One resource centre by id")
    async def resource_center(self, info: HubInfo, id: strawberry.ID) -> ResourceCenter | None:
        found = await _by_key(info, "ResourceCenter", "id", id, "资源中心 resource centre")
        return cast(ResourceCenter, found)

    @strawberry.field(description="一个行政区划 One region by its six-digit code")
    async def region(self, info: HubInfo, code: str) -> Region | None:
        return cast(Region, await _by_key(info, "Region", "code", code, "行政区划 region"))

    @strawberry.field(description="按全局 ID 取任一对象 Any object by its global id")
    async def node(self, info: HubInfo, id: strawberry.ID) -> Node | None:
        compiler = _compiler(info)
        field_def, nodes = _field(info)
        found = compiler.params.add(id)
        v = compiler.var()
        # Each branch is an index seek on its label's key; the id's shape is not trusted.
        lookups = " UNION ".join(
            f"MATCH ({v}:{label} {{{key}: {found}}}) RETURN {v}"
            for label, key in _NODE_LABELS
        )
        # A child or a fact passes the same predicate as anywhere else; organisations, classes
        # and regions are not personal data.
        child = " AND ".join(compiler.child_where(v)) or "true"
        fact = " AND ".join(compiler.fact_where(v)) or "true"
        guard = (f" WHERE CASE WHEN {v}:Child THEN {child} WHEN {v}:Fact THEN {fact} "
                 "ELSE true END")
        projection = compiler.value(get_named_type(field_def.type), v, nodes)
        cypher = f"CALL () {{ {lookups} }} WITH {v}{guard} RETURN {projection} AS result"
        return cast(Node, await _result(info, cypher, compiler.params.values, "对象 object"))


def _refuse_hidden_filters(info: HubInfo, spec: child_search.ChildFilter) -> None:
    """A filter on what the subject may not see would reveal it by its answers."""
    view = info.context.view
    if view is None:
        return
    for name, ref in child_search.FILTER_FIELDS.items():
        if getattr(spec, name) is None:
            continue
        type_name, _ = ref
        hidden = ref in view.masked or (type_name in BY_LABEL and type_name not in view.facts)
        if hidden:
            raise Forbidden(
                f"{name}: 无权按此字段筛选 you may not filter on a field you cannot see",
                field=name,
            )


_ALL_CHILDREN = Connection("")

_NODE_LABELS = (
    ("Child", "id"), ("Fact", "id"), ("Organisation", "id"), ("SchoolClass", "id"),
    ("ResourceRoom", "id"), ("Region", "code"),
)


def _mapping_of(type_: type, name: str) -> Related:
    for field in type_.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if field.python_name == name:
            mapping = field.metadata["graph"]
            assert isinstance(mapping, Related)
            return mapping
    raise KeyError(name)


async def read_written(info: HubInfo, tx: Transaction, label: str, node_id: str) -> Any:
    """A mutation's result: the node it wrote, with the client's selection, in its transaction.

    The record itself is returned to its writer, who supplied it (the write was checked against
    the subject's scope and write rights); what is nested below it is scoped as anywhere else.
    """
    compiler = _compiler(info)
    field_def, nodes = _field(info)
    v = compiler.var()
    found = compiler.params.add(node_id)
    projection = compiler.value(get_named_type(field_def.type), v, nodes)
    # A fact is found through the unique index on Fact(id): by its own label alone the planner
    # would scan every node of that label.
    keyed = f"Fact:{label}" if label in BY_LABEL else label
    cypher = f"MATCH ({v}:{keyed} {{id: {found}}}) RETURN {projection} AS result"
    return await run_compiled(info, tx, cypher, compiler.params.values)

"""Top-level queries: each compiles its whole selection into one Cypher query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values
from pydantic.alias_generators import to_camel
from strawberry.types import Info

from hub import children as child_search
from hub.errors import Forbidden, NotFound
from hub.facts import BY_LABEL
from hub.graph import Transaction
from hub.predicates import region_prefix
from hub.vocabulary import DisabilityCategory, PlacementType, SpecialNeed, Stage
from schema.compile import Compiler, disclosed_children, where
from schema.compiled import Kept, params_for, shape_of
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
    text: str | None = strawberry.field(
        default=None, description="姓名任一部分、拼音或首字母 Any part of the name, its pinyin "
        "(chenyan) or initials (cy)")
    id_number_end: str | None = strawberry.field(
        default=None, description="身份证号后四位(脱敏形式可见的部分) The ID number's last four "
        "characters, as its masked form shows them")
    min_age: int | None = strawberry.field(default=None, description="最小年龄 Minimum age")
    max_age: int | None = strawberry.field(default=None, description="最大年龄 Maximum age")


@dataclass(frozen=True)
class RootField:
    """One top-level field to answer: what its compiled query is built from. Made from
    strawberry's ``Info`` by the resolvers below, and from the document itself by the direct
    answer (``schema/direct.py``), so both paths compile the same query."""

    context: Context
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    field_def: GraphQLField
    nodes: list[FieldNode]

    @classmethod
    def of(cls, info: HubInfo) -> RootField:
        raw = info._raw_info
        parent = raw.parent_type
        assert isinstance(parent, GraphQLObjectType)
        # strawberry hands resolvers the coerced values as a plain dict (typed otherwise).
        variables = cast(dict[str, Any], raw.variable_values)
        return cls(info.context, raw.schema, raw.fragments, variables,
                   parent.fields[raw.field_name], list(raw.field_nodes))

    def arguments(self) -> dict[str, Any]:
        """The field's arguments, coerced by graphql-core (GraphQL names, defaults applied)."""
        coerced = VariableValues(sources={}, coerced=self.variables)
        return get_argument_values(self.field_def, self.nodes[0], coerced)

    def compiler(self) -> Compiler:
        return Compiler(
            self.schema,
            self.fragments,
            self.variables,
            max_page_size=self.context.settings.max_page_size,
            scope=self.context.scope,
            masked=self.context.masked,
        )


def _compiler(info: HubInfo) -> Compiler:
    return RootField.of(info).compiler()


def _field(info: HubInfo) -> tuple[GraphQLField, list[FieldNode]]:
    root = RootField.of(info)
    return root.field_def, root.nodes


def note_disclosed(context: Context, result: Any) -> Any:
    """Names every child the result discloses on the request's audit record."""
    audit = context.audit
    if audit is not None:
        for child in disclosed_children(result):
            audit.note_child(child)
    return result


async def run_compiled(context: Context, tx: Transaction | None, cypher: str,
                       params: dict[str, Any]) -> Any:
    """Runs a compiled query whose one row holds ``result``; the audit learns its children.

    The compiler returns maps and values, never a node, so the records are read as the driver
    decoded them (``plain``: ``Record.data()`` would copy each of them again)."""
    rows = await (tx.run(cypher, params) if tx is not None
                  else context.graph.run(cypher, params, plain=True))
    return note_disclosed(context, rows[0]["result"] if rows else None)


async def _keyed(root: RootField, lookup: str, argument: str, value: str,
                 compile: Callable[[], Kept], what: str) -> Any:
    """A lookup by the key given in ``argument``: compiled once per shape of the question
    (``schema/compiled.py``); ``lookup`` names the kind of lookup in that shape."""
    context = root.context
    kept_queries = context.compiled
    shape = None if kept_queries is None else shape_of(
        lookup, root.nodes, root.variables, argument, scope=context.scope,
        masked=context.masked, max_page_size=context.settings.max_page_size)
    kept = None if kept_queries is None or shape is None else kept_queries.get(shape)
    if kept is not None:
        return await _result(context, kept.cypher, params_for(kept, context.scope, value), what)
    compiled = compile()
    if kept_queries is not None and shape is not None:
        kept_queries.keep(shape, compiled)
    return await _result(context, compiled.cypher, compiled.params, what)


async def _result(context: Context, cypher: str, params: dict[str, Any], what: str) -> Any:
    found = await run_compiled(context, None, cypher, params)
    if found is None:
        raise NotFound(f"未找到该{what}或无权查看 no such {what}, or not visible to you")
    return found


async def by_key(root: RootField, label: str, key: str, value: str, what: str) -> Any:
    """One node by its key, with the whole selection below it."""

    def compile() -> Kept:
        compiler = root.compiler()
        v = compiler.var()
        found = compiler.params.add(value)
        scope = where(compiler.child_where(v)) if label == "Child" else ""
        projection = compiler.value(get_named_type(root.field_def.type), v, root.nodes)
        cypher = f"MATCH ({v}:{label} {{{key}: {found}}}){scope} RETURN {projection} AS result"
        return Kept(cypher, compiler.params.values, found[1:])

    return await _keyed(root, f"{label}.{key}", key, value, compile, what)


async def find_children(root: RootField, spec: child_search.ChildFilter, first: int | None,
                        after: str | None) -> Any:
    _refuse_hidden_filters(root.context, spec)
    compiler = root.compiler()
    # A region filter inside a region scope implies the scope condition; leaving it out of
    # this one match keeps the planner's choice of index. Nested matches keep theirs.
    implied = spec.region_code is not None and compiler.scope.implied_by_region(
        region_prefix(spec.region_code))
    conditions = child_search.conditions(spec, compiler.params, dt.date.today())
    args = {"first": first, "after": after}
    expr = compiler.connection(_ALL_CHILDREN, None, root.field_def, root.nodes, args,
                               conditions, scope_implied=implied)
    return await run_compiled(root.context, None, f"RETURN {expr} AS result",
                              compiler.params.values)


async def child_timeline(root: RootField, child_id: str) -> Any:
    """The child's facts; ``from``, ``to``, ``kinds`` and ``first`` are compiled from the
    field's own arguments (``Child.timeline``'s rule)."""

    def compile() -> Kept:
        compiler = root.compiler()
        mapping = _mapping_of(Child, "timeline")
        v = compiler.var()
        found = compiler.params.add(child_id)
        in_scope = where(compiler.child_where(v))
        items = compiler.related(mapping, root.field_def, v, root.nodes)
        cypher = f"MATCH ({v}:Child {{id: {found}}}){in_scope} RETURN {items} AS result"
        return Kept(cypher, compiler.params.values, found[1:])

    return await _keyed(root, "childTimeline", "childId", child_id, compile, "儿童 child")


async def find_node(root: RootField, id: str) -> Any:
    compiler = root.compiler()
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
    projection = compiler.value(get_named_type(root.field_def.type), v, root.nodes)
    cypher = f"CALL () {{ {lookups} }} WITH {v}{guard} RETURN {projection} AS result"
    return await _result(root.context, cypher, compiler.params.values, "对象 object")


def _children(root: RootField, args: dict[str, Any]) -> Awaitable[Any]:
    spec = child_search.ChildFilter.model_validate(args.get("filter") or {})
    return find_children(root, spec, args.get("first"), args.get("after"))


# Each top-level field the compiler answers entirely, from its coerced arguments: the resolvers
# below and the direct answer (schema/direct.py) both call these.
ROOTS: dict[str, Callable[[RootField, dict[str, Any]], Awaitable[Any]]] = {
    "child": lambda root, args: by_key(root, "Child", "id", args["id"], "儿童 child"),
    "children": _children,
    "childTimeline": lambda root, args: child_timeline(root, args["childId"]),
    "school": lambda root, args: by_key(root, "School", "id", args["id"], "学校 school"),
    "resourceCenter": lambda root, args: by_key(root, "ResourceCenter", "id", args["id"],
                                                "资源中心 resource centre"),
    "region": lambda root, args: by_key(root, "Region", "code", args["code"],
                                        "行政区划 region"),
    "node": lambda root, args: find_node(root, args["id"]),
}


async def answer(info: HubInfo) -> Any:
    root = RootField.of(info)
    return await ROOTS[info._raw_info.field_name](root, root.arguments())


@strawberry.type(description="查询 Queries")
class Query:
    @strawberry.field(description="一名儿童 One child by id")
    async def child(self, info: HubInfo, id: strawberry.ID) -> Child | None:
        return cast(Child, await answer(info))

    @strawberry.field(description="儿童列表(分页) Children matching a filter, a page at a time")
    async def children(
        self,
        info: HubInfo,
        filter: ChildFilterInput | None = None,
        first: First = None,
        after: After = None,
    ) -> ChildConnection:
        return cast(ChildConnection, await answer(info))

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
        return cast(list[Fact], await answer(info))

    @strawberry.field(description="一所学校 One school by id")
    async def school(self, info: HubInfo, id: strawberry.ID) -> School | None:
        return cast(School, await answer(info))

    @strawberry.field(description="一个资源中心 One resource centre by id")
    async def resource_center(self, info: HubInfo, id: strawberry.ID) -> ResourceCenter | None:
        return cast(ResourceCenter, await answer(info))

    @strawberry.field(description="一个行政区划 One region by its six-digit code")
    async def region(self, info: HubInfo, code: str) -> Region | None:
        return cast(Region, await answer(info))

    @strawberry.field(description="按全局 ID 取任一对象 Any object by its global id")
    async def node(self, info: HubInfo, id: strawberry.ID) -> Node | None:
        return cast(Node, await answer(info))


def _refuse_hidden_filters(context: Context, spec: child_search.ChildFilter) -> None:
    """A filter on what the subject may not see would reveal it by its answers."""
    view = context.view
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
    # The masked form is shown wherever a child is shown: these need only that the subject is
    # shown children at all (an auditor or a figures-only role is not).
    for name in child_search.MASKED_FORM_FILTERS:
        if getattr(spec, name) is not None and not view.sees_children:
            raise Forbidden(
                f"{to_camel(name)}: 无权按此字段筛选 you may not filter on a field you cannot see",
                field=to_camel(name),
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
    root = RootField.of(info)
    compiler = root.compiler()
    v = compiler.var()
    found = compiler.params.add(node_id)
    projection = compiler.value(get_named_type(root.field_def.type), v, root.nodes)
    # A fact is found through the unique index on Fact(id): by its own label alone the planner
    # would scan every node of that label.
    keyed = f"Fact:{label}" if label in BY_LABEL else label
    cypher = f"MATCH ({v}:{keyed} {{id: {found}}}) RETURN {projection} AS result"
    return await run_compiled(info.context, tx, cypher, compiler.params.values)

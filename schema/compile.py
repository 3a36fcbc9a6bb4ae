"""Compiles a GraphQL selection into one Cypher query: one round trip per top-level field.

The selection set (fragments, inline fragments, aliases, ``@skip``/``@include``) is walked
against the schema; each field's graph mapping (``schema/mapping.py``) becomes a map entry, a
``COLLECT {}`` subquery or a ``CASE`` over labels for abstract types. The result is one map per
row keyed by response key, which the fields then read (``schema/fields.py``).

Only code-defined fragments, generated variable names and response keys (GraphQL names,
``[_A-Za-z][_0-9A-Za-z]*`` by the grammar, quoted with backticks) enter the text; every value
from the request is a parameter.

Row scope (``auth/scope.py``) is applied by construction: every child and every fact the
compiler matches — at the root (:meth:`Compiler.child_where`, :meth:`Compiler.fact_where`), in a
relationship or a connection — is held to the subject's one scope predicate, so rows outside
scope never leave the database. A Child map can only be built for a variable that passed it.

Every map of a child, a fact, an edge or a page's end carries the id of the child it discloses
under :data:`CHILD_KEY`, selected or not, so the audit names each child a response disclosed
(:func:`disclosed_children`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
)

from auth.scope import Scope
from hub.errors import BadUserInput, Forbidden
from hub.facts import BY_LABEL
from hub.graph import Params, fill
from schema.fields import CHILD_KEY, decode_cursor
from schema.mapping import Connection, Prop, Related
from schema.selection import Selections

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_BACKREF = "strawberry-definition"
DEFAULT_PAGE_SIZE = 20


@dataclass
class Compiled:
    cypher: str
    params: dict[str, Any]


class Compiler(Selections):
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
        *,
        max_page_size: int,
        scope: Scope | None = None,
        masked: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        # Resolvers see the coerced values as a dict; graphql-core's helpers want them wrapped.
        coerced = VariableValues(sources={}, coerced=dict(variables or {}))
        super().__init__(schema, fragments, coerced)
        self.max_page_size = max_page_size
        self.scope = scope or Scope()
        self.masked = masked
        self.params = Params()
        self.params.values.update(self.scope.params)
        self._counter = 0
        # Child variables held to the scope predicate, and each fact variable's child variable
        # when the fact was reached from it by HAS_FACT.
        self._scoped: set[str] = set()
        self._owner: dict[str, str] = {}

    # --- scope -----------------------------------------------------------------------------

    def child_where(self, c: str) -> list[str]:
        """Conditions that child ``c`` is in scope; only then can ``c`` be projected."""
        self._scoped.add(c)
        return self.scope.on_child(c)

    def fact_where(self, f: str, owner: str | None = None) -> list[str]:
        """Conditions that fact ``f`` is in scope; ``owner``: the scoped child it was reached
        from by HAS_FACT, whose condition then stands for the fact's own child's."""
        if owner is not None and owner in self._scoped:
            self._owner[f] = owner
            return self.scope.on_fact(f, owner)
        return self.scope.on_fact(f)

    def _owner_id(self, f: str) -> str:
        """The id of fact ``f``'s child, for the audit."""
        owner = self._owner.get(f)
        if owner is not None:
            return f"{owner}.id"
        return f"COLLECT {{ MATCH (audit_c:Child)-[:HAS_FACT]->({f}) RETURN audit_c.id }}[0]"

    # --- helpers ---------------------------------------------------------------------------

    def var(self) -> str:
        self._counter += 1
        return f"n{self._counter}"

    @staticmethod
    def _mapping(field_def: GraphQLField) -> Any:
        return _mapping_of(field_def)

    def _args(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        return get_argument_values(field_def, node, self.variables)

    def _page_size(self, first: int | None) -> int:
        size = DEFAULT_PAGE_SIZE if first is None else first
        if size < 0 or size > self.max_page_size:
            raise BadUserInput(
                f"first 须在 0 到 {self.max_page_size} 之间 "
                f"first must be between 0 and {self.max_page_size}",
                field="first",
            )
        return size

    # --- maps ------------------------------------------------------------------------------

    def value(self, named: GraphQLNamedType, v: str, nodes: list[FieldNode]) -> str:
        """The map for node ``v`` as ``named`` (a CASE over labels when it is abstract)."""
        selection_sets = [n.selection_set for n in nodes if n.selection_set]
        if isinstance(named, GraphQLObjectType):
            return self.object_map(named, v, selection_sets)
        assert isinstance(named, GraphQLInterfaceType)
        branches = [
            f"WHEN {v}:{possible.name} THEN {self.object_map(possible, v, selection_sets, True)}"
            for possible in self.schema.get_possible_types(named)
        ]
        return "CASE " + " ".join(branches) + " END"

    def object_map(
        self,
        runtime: GraphQLObjectType,
        v: str,
        selection_sets: list[SelectionSetNode],
        typename: bool = False,
    ) -> str:
        entries = [f"__typename: '{runtime.name}'"] if typename else []
        if runtime.name == "Child":
            if v not in self._scoped:  # a resolver that matched a child without its scope
                raise RuntimeError("a child is projected without its scope condition")
            entries.append(f"`{CHILD_KEY}`: {v}.id")  # for the audit, whatever was selected
        elif runtime.name in BY_LABEL:
            entries.append(f"`{CHILD_KEY}`: {self._owner_id(v)}")
        for key, nodes in self.collect(runtime, selection_sets).items():
            name = nodes[0].name.value
            if name.startswith("__"):
                continue  # introspection fields are answered by the executor
            if not _NAME.match(key):
                raise BadUserInput("字段别名无效 invalid alias")
            if (runtime.name, name) in self.masked:
                # Masked values never leave the database.
                mapping = self._mapping(runtime.fields[name])
                shown = mapping.masked if isinstance(mapping, Prop) and mapping.masked else None
                entries.append(f"`{key}`: {fill(shown, v=v) if shown else 'null'}")
                continue
            entries.append(f"`{key}`: {self.field(runtime.fields[name], v, nodes)}")
        return "{" + ", ".join(entries) + "}"

    def field(self, field_def: GraphQLField, v: str, nodes: list[FieldNode]) -> str:
        mapping = self._mapping(field_def)
        if isinstance(mapping, Prop):
            return fill(mapping.expr, v=v)
        if isinstance(mapping, Related):
            return self.related(mapping, field_def, v, nodes)
        if isinstance(mapping, Connection):
            args = self._args(field_def, nodes[0])
            return self.connection(mapping, v, field_def, nodes, args, [])
        raise BadUserInput(f"字段 {field_def.ast_node} 无法查询 this field cannot be queried")

    def related(
        self, mapping: Related, field_def: GraphQLField, v: str, nodes: list[FieldNode]
    ) -> str:
        t, x = self.var(), self.var()
        pattern = fill(mapping.pattern, v=v, t=t, x=x)
        conditions = [fill(mapping.where, v=v, t=t, x=x)] if mapping.where else []
        conditions += self._scope_for(mapping, v, t)
        limit: int | None = 1 if mapping.single else None
        if mapping.arguments is not None:
            more, first = mapping.arguments(self._args(field_def, nodes[0]), self.params, t)
            conditions += more
            if first is not None:
                limit = self._page_size(first)
        named = get_named_type(field_def.type)
        body = f"MATCH {pattern}"
        if conditions:
            body += " WHERE " + " AND ".join(conditions)
        body += f" WITH {t}"
        if mapping.order:
            body += " ORDER BY " + fill(mapping.order, v=v, t=t, x=x)
        if limit is not None:
            body += f" LIMIT {self.params.add(limit)}"
        body += f" RETURN {self.value(named, t, nodes)} AS item"
        return f"COLLECT {{ {body} }}" + ("[0]" if mapping.single else "")

    def _scope_for(self, mapping: Related, v: str, t: str) -> list[str]:
        """Scope conditions for the node ``t`` a relationship reaches, by its label."""
        if mapping.target == "Child":
            return self.child_where(t)
        if mapping.target in _FACT_LABELS:
            return self.fact_where(t, owner=v if mapping.owned else None)
        return []

    # --- connections ----------------------------------------------------------------------------

    def connection(
        self,
        mapping: Connection,
        v: str | None,
        field_def: GraphQLField,
        nodes: list[FieldNode],
        args: dict[str, Any],
        filters: list[str],
        scope_implied: bool = False,
    ) -> str:
        """A keyset-paged connection of children; ``filters`` are conditions on ``{c}``.

        ``scope_implied``: the filters provably imply the scope condition (the caller checked,
        with :meth:`Scope.implied_by_region`); it is then left out of this match only.
        """
        for kind in sorted(mapping.reveals):
            if not self.scope.sees(kind):
                name = nodes[0].name.value
                raise Forbidden(f"{name}: 此名单由{BY_LABEL[kind].chinese}记录构成,您的角色无权"
                                f"查看 this list is built from {kind} records, which your "
                                "roles do not see", field=name)
        t, x, rows, r = self.var(), self.var(), self.var(), self.var()
        pattern, condition = mapping.pattern, mapping.where
        match = fill(pattern, v=v or "", t=t, x=x) if pattern else f"({t}:Child)"
        base = [fill(condition, v=v or "", t=t, x=x)] if condition else []
        in_scope = self.child_where(t)
        base += ([] if scope_implied else in_scope) + [fill(f, c=t) for f in filters]
        first = self._page_size(args.get("first"))
        after = args.get("after")
        after_key = None if after is None else self.params.add(decode_cursor(after))
        size = self.params.add(first)

        connection_type = get_named_type(field_def.type)
        assert isinstance(connection_type, GraphQLObjectType)
        sets = [n.selection_set for n in nodes if n.selection_set]
        selected = self.collect(connection_type, sets)
        edge_type = get_named_type(connection_type.fields["edges"].type)
        assert isinstance(edge_type, GraphQLObjectType)

        ids = self.var()
        count_keys: list[str] = []
        needs_rows = False
        row_entries = [f"k: {t}.id"]
        out: list[str] = []
        for key, key_nodes in selected.items():
            name = key_nodes[0].name.value
            if name == "totalCount":
                count_keys.append(key)
            elif name == "edges":
                needs_rows = True
                edge = f"e{len(row_entries)}"
                edge_fields = self.collect(
                    edge_type, [n.selection_set for n in key_nodes if n.selection_set]
                )
                parts = [f"`{CHILD_KEY}`: {t}.id"]  # a cursor discloses its child too
                for edge_key, edge_nodes in edge_fields.items():
                    edge_name = edge_nodes[0].name.value
                    if edge_name == "cursor":
                        parts.append(f"`{edge_key}`: {t}.id")
                    elif edge_name == "node":
                        child_type = get_named_type(edge_type.fields["node"].type)
                        parts.append(f"`{edge_key}`: {self.value(child_type, t, edge_nodes)}")
                row_entries.append(f"{edge}: {{{', '.join(parts)}}}")
                out.append(f"`{key}`: [{r} IN {rows}[0..{size}] | {r}.{edge}]")
            elif name == "pageInfo":
                info_type = get_named_type(connection_type.fields["pageInfo"].type)
                assert isinstance(info_type, GraphQLObjectType)
                info_fields = self.collect(
                    info_type, [n.selection_set for n in key_nodes if n.selection_set]
                )
                parts = []
                for info_key, info_nodes in info_fields.items():
                    if info_nodes[0].name.value == "hasNextPage":
                        needs_rows = True
                        parts.append(f"`{info_key}`: size({rows}) > {size}")
                    elif info_nodes[0].name.value == "endCursor":
                        needs_rows = True
                        parts.append(f"`{info_key}`: last({rows}[0..{size}]).k")
                        parts.append(f"`{CHILD_KEY}`: last({rows}[0..{size}]).k")
                out.append(f"`{key}`: {{{', '.join(parts)}}}")
        row = "{" + ", ".join(row_entries) + "}"
        if count_keys and needs_rows:
            # The filter runs once: the matching ids, in order, give the count, and the page is
            # the first of them past the cursor, each then found by its id. Every child has an
            # id; saying so lets a composite index that ends in it (migration 0014) give the ids
            # without reading the children.
            out += [f"`{key}`: size({ids})" for key in count_keys]
            k, key_ = self.var(), self.var()
            matched = (f"COLLECT {{ MATCH {match}{where([*base, f'{t}.id IS NOT NULL'])} "
                       f"WITH {t}.id AS {key_} ORDER BY {key_} RETURN {key_} }}")
            past = f"[{k} IN {ids} WHERE {k} > {after_key}]" if after_key else ids
            page_rows = (f"COLLECT {{ UNWIND {past}[0..{size} + 1] AS {k} "
                         f"MATCH ({t}:Child {{id: {k}}}) RETURN {row} AS row }}")
            answer = "{" + ", ".join(out) + "}"
            return f"[{ids} IN [{matched}] | [{rows} IN [{page_rows}] | {answer}][0]][0]"
        out += [f"`{key}`: COUNT {{ MATCH {match}{where(base)} }}" for key in count_keys]
        answer = "{" + ", ".join(out) + "}"
        if not needs_rows:
            return answer
        page = [*base, f"{t}.id IS NOT NULL"] + ([f"{t}.id > {after_key}"] if after_key else [])
        page_rows = (f"COLLECT {{ MATCH {match}{where(page)} WITH {t} ORDER BY {t}.id "
                     f"LIMIT {size} + 1 RETURN {row} AS row }}")
        return f"[{rows} IN [{page_rows}] | {answer}][0]"


# field id → (the field, its mapping): read once per field of a schema. The field is held, so
# its id cannot be reused by another while the entry lives.
_MAPPINGS: dict[int, tuple[GraphQLField, Any]] = {}


def _mapping_of(field_def: GraphQLField) -> Any:
    """The field's graph mapping (schema/mapping.py), from its strawberry definition."""
    known = _MAPPINGS.get(id(field_def))
    if known is not None and known[0] is field_def:
        return known[1]
    definition = (field_def.extensions or {}).get(_BACKREF)
    mapping = (definition.metadata or {}).get("graph") if definition is not None else None
    _MAPPINGS[id(field_def)] = (field_def, mapping)
    return mapping


def disclosed_children(value: Any, found: set[str] | None = None) -> set[str]:
    """The ids of every child a compiled result discloses (:data:`CHILD_KEY` at any depth)."""
    found = set() if found is None else found
    if isinstance(value, dict):
        child = value.get(CHILD_KEY)
        if isinstance(child, str):
            found.add(child)
        for item in value.values():
            if isinstance(item, dict | list):
                disclosed_children(item, found)
    elif isinstance(value, list):
        for item in value:
            disclosed_children(item, found)
    return found


def where(conditions: list[str]) -> str:
    """A WHERE clause of all the conditions (nothing when there are none)."""
    return " WHERE " + " AND ".join(conditions) if conditions else ""


_FACT_LABELS = ("Fact", *BY_LABEL)

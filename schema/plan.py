"""The shape of an answer 应答结构: how the compiled query's maps become the response.

The compiled query returns, for each top-level field, nested maps keyed by response key. The
standard executor (graphql-core) then walks every field of them to complete it. For a document
whose every field only reads its key from the map (``schema/fields.py`` ``reading``), a
:class:`Plan` does the same work once per document instead: it lists, per object type, the
response keys in the order the executor would write them, and how each one's value is
completed — the leaf types' own ``serialize``, the cursor's encoding, the ID number's
decryption, ``__typename`` — with the masked fields that note a redaction. :meth:`Plan.write`
then writes the response from the maps in one pass.

Anything the plan cannot write exactly as the executor would (a null where the schema says
non-null, a value a leaf type refuses) raises :class:`Mismatch`; the caller then lets the
executor answer instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLID,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    get_named_type,
    visit,
)
from graphql.execution.values import VariableValues
from graphql.language import Visitor

from hub.identity import IdProtector
from schema.fields import CURSOR, ID_NUMBER, LOOKUP, encode_cursor, reading
from schema.selection import Selections

TYPENAME = "__typename"
_TYPENAME_TYPE = GraphQLNonNull(GraphQLString)

Path = tuple[str | int, ...]
Protector = IdProtector | None
Completer = Callable[[Any, Path, "Answer", Protector], Any]


class NotDirect(Exception):
    """The document has a field the plan cannot write: the executor answers it."""


class Mismatch(Exception):
    """The maps do not fit the schema where the executor would have raised: it answers."""


@dataclass
class Answer:
    """What writing one response noted besides the data: the redacted paths and fields."""

    redacted: list[str] = field(default_factory=list)
    hidden: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class Entry:
    """One response key of an object: where its value comes from and how it is completed."""

    key: str
    field: str  # the field's name (the key may be an alias)
    how: str  # LOOKUP, CURSOR, ID_NUMBER or TYPENAME
    type: GraphQLOutputType
    masked: bool
    objects: dict[str, tuple[Entry, ...]] | None  # per runtime type, for object values
    # (``field`` above is the GraphQL field's name: dataclasses' is spelled out here.)
    complete: Completer = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Made once per plan from the type, so writing a value tests only what can vary.
        object.__setattr__(self, "complete", _completer(self.type, self.objects))


@dataclass(frozen=True)
class RootEntry:
    key: str
    field: str
    nodes: list[FieldNode]
    entry: Entry


class Plan:
    """How to write the answer of one operation, for one set of masked fields."""

    def __init__(self, roots: list[RootEntry], typename_keys: list[str], order: list[str]
                 ) -> None:
        self.roots = roots
        self.typename_keys = typename_keys  # ``__typename`` asked of the root itself
        self.order = order  # every top-level response key, as the executor writes them

    @classmethod
    def build(cls, schema: GraphQLSchema, document: DocumentNode,
              operation: OperationDefinitionNode, masked: frozenset[tuple[str, str]],
              eligible: frozenset[str]) -> Plan:
        """Raises :class:`NotDirect` unless every field is one the plan can write and every
        top-level field is one of ``eligible``."""
        if operation.operation is not OperationType.QUERY:
            raise NotDirect("not a query")
        if _directive_takes_variable(document):
            # @skip/@include on a variable: the selection would change with the request.
            raise NotDirect("a directive depends on a variable")
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        builder = _Builder(schema, fragments, masked)
        query = schema.query_type
        assert query is not None
        roots: list[RootEntry] = []
        typename_keys: list[str] = []
        selected = builder.collect(query, [operation.selection_set])
        for key, nodes in selected.items():
            name = nodes[0].name.value
            if name == TYPENAME:
                typename_keys.append(key)
                continue
            if name not in eligible:
                raise NotDirect(name)
            field_def = query.fields[name]
            entry = Entry(key, name, LOOKUP, field_def.type, False,
                          builder.objects(field_def.type, nodes))
            roots.append(RootEntry(key, name, nodes, entry))
        return cls(roots, typename_keys, list(selected))


def complete(entry: Entry, value: Any, path: Path, answer: Answer,
             protector: IdProtector | None) -> Any:
    """The completed value of ``entry`` (its value already read from the map)."""
    return entry.complete(value, path, answer, protector)


def _directive_takes_variable(document: DocumentNode) -> bool:
    found = False

    class Finder(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> Any:
            nonlocal found
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    found = True
                    return Visitor.BREAK
            return None

    visit(document, Finder())
    return found


class _Builder(Selections):
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 masked: frozenset[tuple[str, str]]) -> None:
        super().__init__(schema, fragments, VariableValues(sources={}, coerced={}))
        self.masked = masked

    def objects(self, type_: GraphQLOutputType, nodes: list[FieldNode]
                ) -> dict[str, tuple[Entry, ...]] | None:
        named = get_named_type(type_)
        if isinstance(named, GraphQLLeafType):
            return None
        sets = [n.selection_set for n in nodes if n.selection_set]
        if isinstance(named, GraphQLObjectType):
            return {named.name: self.entries(named, sets)}
        if isinstance(named, GraphQLInterfaceType):
            return {possible.name: self.entries(possible, sets)
                    for possible in self.schema.get_possible_types(named)}
        raise NotDirect(named.name)  # unions: none are compiled

    def entries(self, runtime: GraphQLObjectType, sets: list[Any]) -> tuple[Entry, ...]:
        out = []
        for key, nodes in self.collect(runtime, sets).items():
            name = nodes[0].name.value
            if name == TYPENAME:
                out.append(Entry(key, name, TYPENAME, _TYPENAME_TYPE, False, None))
                continue
            if name.startswith("__"):
                raise NotDirect(name)
            field_def = runtime.fields[name]
            how = reading(field_def)
            if how is None:
                raise NotDirect(f"{runtime.name}.{name}")
            out.append(Entry(key, name, how, field_def.type,
                             (runtime.name, name) in self.masked,
                             self.objects(field_def.type, nodes)))
        return tuple(out)


def read(entry: Entry, parent: str, source: dict[str, Any], path: tuple[str | int, ...],
         answer: Answer, protector: IdProtector | None) -> Any:
    """The value of ``entry`` in the map ``source`` of an object of type ``parent``, as its
    resolver reads it (``schema/fields.py``)."""
    if entry.how == TYPENAME:
        return parent
    value = source.get(entry.key)
    if entry.how == CURSOR:
        return None if value is None else encode_cursor(str(value))
    if entry.how == ID_NUMBER:
        if entry.masked or protector is None:
            _note(entry, parent, path, answer)
            return value
        return None if value is None else protector.reveal(value)
    if entry.masked:
        _note(entry, parent, path, answer)
    return value


def _note(entry: Entry, parent: str, path: tuple[str | int, ...], answer: Answer) -> None:
    answer.redacted.append(".".join(str(p) for p in path))
    answer.hidden.add((parent, entry.field))


def _mismatch(path: Path) -> Mismatch:
    return Mismatch(".".join(str(p) for p in path))


def _completer(type_: GraphQLOutputType, objects: dict[str, tuple[Entry, ...]] | None
               ) -> Completer:
    """Completes a value of ``type_`` as the executor's ``complete_value`` does."""
    if isinstance(type_, GraphQLNonNull):
        inner = _completer(type_.of_type, objects)

        def non_null(value: Any, path: Path, answer: Answer, protector: Protector) -> Any:
            if value is None:
                raise _mismatch(path)
            return inner(value, path, answer, protector)
        return non_null
    if isinstance(type_, GraphQLList):
        item = _completer(type_.of_type, objects)

        def listed(value: Any, path: Path, answer: Answer, protector: Protector) -> Any:
            if value is None:
                return None
            if not isinstance(value, list):
                raise _mismatch(path)
            return [item(v, (*path, i), answer, protector) for i, v in enumerate(value)]
        return listed
    if isinstance(type_, GraphQLLeafType):
        serialize = type_.serialize
        text = type_ is GraphQLString or type_ is GraphQLID  # a str is written as it is

        def leaf(value: Any, path: Path, answer: Answer, protector: Protector) -> Any:
            if value is None or (text and type(value) is str):
                return value
            try:
                serialized = serialize(value)
            except Exception as error:  # the executor would raise a field error: it answers
                raise _mismatch(path) from error
            if serialized is None:
                raise _mismatch(path)
            return serialized
        return leaf
    if objects is None:
        raise NotDirect(str(type_))
    concrete = type_.name if isinstance(type_, GraphQLObjectType) else None

    def composite(value: Any, path: Path, answer: Answer, protector: Protector) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _mismatch(path)
        runtime = concrete or value.get(TYPENAME)
        entries = objects.get(runtime) if isinstance(runtime, str) else None
        if entries is None:
            raise _mismatch(path)
        assert isinstance(runtime, str)
        out = {}
        for inner in entries:
            inner_path = (*path, inner.key)
            raw = read(inner, runtime, value, inner_path, answer, protector)
            out[inner.key] = inner.complete(raw, inner_path, answer, protector)
        return out
    return composite

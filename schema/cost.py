"""The cost of an operation, estimated from its document before anything runs, and its budget.

Depth, alias and token caps bound how a document *looks*, not how much it reads: five levels of
lists of a few hundred each pass them and still make the database walk millions of rows. The
estimate counts what the answer may hold instead:

- every field selected costs 1 (a scalar, a related node, a list, a connection);
- a list of objects multiplies the cost of its selection by how many items it may return: its
  ``first`` argument (literal, variable or default), ``len(ids)`` for ``childrenByIds``, the
  resolver's own default when ``first`` is absent, or, for lists nothing bounds, an assumed
  size per field (:data:`ASSUMED_SIZE`);
- a connection or page (``children``, ``possibleDuplicates``, ``accessEvents``) passes its page
  size to the list inside it (``edges``, ``items``), so ``totalCount`` alone stays cheap;
- on an interface (``Fact``, ``Organisation``, ``Node``) the dearest possible type counts.

Fragments, inline fragments, aliases and ``@skip``/``@include`` are collected the way the
executor collects them (``schema/selection.py``, shared with the query compiler), so spelling a
selection one way or another does not change its cost. Introspection fields cost 1 and are not
descended into: the executor answers them from memory, bounded by the schema, not by the data.

The check runs once the document has validated and before the executor starts (see
:class:`QueryCost`); it depends on the variables and on the subject's roles, so it cannot be a
validation rule (the validation cache keys on the document alone).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import product
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_input_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    type_from_ast,
    value_from_ast,
    visit,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_variable_values,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from hub.errors import CostLimit
from schema.compile import DEFAULT_PAGE_SIZE
from schema.errors import classify
from schema.selection import Selections

# Lists whose resolver has its own default page when `first` is absent.
RESOLVER_DEFAULT: Mapping[tuple[str, str], int] = {
    ("Query", "schools"): 200,  # schema/console.py
    ("Query", "stalledTransitions"): 100,  # schema/indicators.py
    ("Query", "openDropoutCases"): 100,
}

# Lists nothing bounds: the size the estimate assumes, from what one record really holds. The
# demo city (devtools/demo, 400 children loaded through its files) was measured: per child at
# most 4 placements, 3 plan versions, 3 transitions, 2 assessments and 2 screenings, 1 of each
# other kind but sessions (max 58) and 44 facts in all at p95 (68 max); per school 1 guiding
# centre; a centre serves at most 12 schools. A school's classes accumulate school year by
# school year (one per snapshot year: the special school of the demo's 15 years has 107), more
# than the one year ``School.classes`` assumes. The figures leave room above the rest; a record
# bigger than assumed still answers, and the transaction timeout bounds the rest.
FACT_LIST = 5
ASSUMED_SIZE: Mapping[tuple[str, str], int] = {
    ("Query", "childTimeline"): 50,  # without `first` the timeline is not limited
    ("Child", "timeline"): 50,
    ("Child", "services"): 50,
    ("Child", "placements"): FACT_LIST,
    ("Child", "certificates"): FACT_LIST,
    ("Child", "screenings"): FACT_LIST,
    ("Child", "assessments"): FACT_LIST,
    ("Child", "plans"): FACT_LIST,
    ("Child", "transitions"): FACT_LIST,
    ("Child", "dropoutCases"): FACT_LIST,
    ("Child", "welfareStatuses"): FACT_LIST,
    ("Child", "deviceFittings"): FACT_LIST,
    ("School", "classes"): 36,  # a nine-year school: 9 grades of up to 4 classes
    ("School", "servedBy"): 4,  # one centre per level: city, county, township, school
    ("ResourceCenter", "serves"): 20,  # a county centre and the schools of its county
    ("DuplicateCandidate", "children"): 2,  # a pair, by construction
    ("IndicatorReport", "indicators"): 25,  # the rule book's indicators (hub/indicators/)
    ("IndicatorItem", "values"): 5,
}
# Any other list of objects (audit reports, indicator detail rows): one default page.
DEFAULT_LIST = DEFAULT_PAGE_SIZE

_PAGES = ("edges", "items")  # the list inside a connection or page that takes its size


# The only arguments the estimate reads (sizes of lists); with the directives, the only places
# a variable can change an operation's cost.
COST_ARGUMENTS = frozenset({"first", "ids"})


def cost_variables(document: DocumentNode) -> frozenset[str]:
    """The variables the cost of ``document`` can depend on: those given to a
    :data:`COST_ARGUMENTS` argument or to a directive. Any other variable (an id, a filter)
    leaves the estimate as it is, so it may be kept for other values of them."""
    names: set[str] = set()

    class Finder(Visitor):
        def enter_argument(self, node: ArgumentNode, _key: Any, _parent: Any, _path: Any,
                           ancestors: list[Any]) -> None:
            in_directive = any(isinstance(a, DirectiveNode) for a in ancestors)
            if in_directive or node.name.value in COST_ARGUMENTS:
                visit(node.value, Collector())

    class Collector(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            visit(definition.selection_set, Finder())
    return frozenset(names)


def estimate(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    schema: GraphQLSchema,
) -> int:
    """The cost of running ``operation_name`` of ``document`` with ``variables``.

    The document must have validated against ``schema``. An operation that cannot run (no such
    operation, variables that do not coerce) costs 0: the executor refuses it by itself.
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    definitions = operation.variable_definitions or ()
    coerced = get_variable_values(schema, definitions, dict(variables or {}))
    if not isinstance(coerced, VariableValues):
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Estimator(schema, fragments, coerced).selection(root, (operation.selection_set,), None)


# At most this many variables of a document's cost are tried both ways (2**n estimates).
MAX_COST_CHOICES = 10


class FixedCostError(ValueError):
    """A document whose greatest cost cannot be fixed in advance (the message says why)."""


def greatest(document: DocumentNode, schema: GraphQLSchema, page_size: int, list_size: int
             ) -> int:
    """The most the document's one operation can cost, whatever its variables: the estimate
    above with each variable it reads (:func:`cost_variables`) at its worst — a page size at
    ``page_size`` (``HUB_MAX_PAGE_SIZE``, the compiler refuses more) or left to the field's
    default, a list of ids ``list_size`` long, a ``@skip``/``@include`` condition both ways —
    taking the dearest combination. The other variables cannot change the estimate and stand
    for any value. What a trusted document is registered with (``schema/trusted.py``)."""
    operation = get_operation_ast(document, None)
    if operation is None:
        raise FixedCostError("文档须恰有一个操作 the document must hold exactly one operation")
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise FixedCostError(f"此接口无 {operation.operation.value} no such operation type")
    depends = cost_variables(document)
    fixed: dict[str, Any] = {}
    choices: dict[str, tuple[Any, ...]] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        given = type_from_ast(schema, definition.type)
        if not is_input_type(given):  # narrows the type, too
            raise FixedCostError(f"${name}: 不是输入类型 not an input type")
        default = (value_from_ast(definition.default_value, given)
                   if definition.default_value is not None else None)
        nullable = get_nullable_type(given)
        if name not in depends:
            fixed[name] = default if default is not None else "?"  # read by no size
        elif is_list_type(nullable):
            fixed[name] = ["?"] * list_size
        elif get_named_type(given).name == "Boolean":
            choices[name] = (True, False)
        elif get_named_type(given).name == "Int":
            # Left out, the field's own default page applies (200 for `schools`).
            choices[name] = ((page_size,) if is_non_null_type(given) and default is None
                             else (page_size, default))
        else:
            fixed[name] = default if default is not None else "?"
    if len(choices) > MAX_COST_CHOICES:
        raise FixedCostError(f"代价取决于过多变量 the cost depends on more than "
                             f"{MAX_COST_CHOICES} variables; give some of them literally")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    worst = 0
    for picked in product(*choices.values()):
        values = {**fixed, **{n: v for n, v in zip(choices, picked, strict=True)
                              if v is not None}}
        # Placeholders are never coerced: only the sizes and conditions are read.
        variables = VariableValues(sources={}, coerced=values)
        estimator = _Estimator(schema, fragments, variables)
        worst = max(worst, estimator.selection(root, (operation.selection_set,), None))
    return worst


class _Estimator(Selections):
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        super().__init__(schema, fragments, variables)
        # A fragment spread under many fields is costed once per (type, page): without this a
        # small document of nested fragments would take exponential time to estimate.
        self.memo: dict[tuple[str, tuple[int, ...], int | None], int] = {}

    def selection(
        self, runtime: GraphQLObjectType, sets: tuple[SelectionSetNode, ...], page: int | None
    ) -> int:
        key = (runtime.name, tuple(id(s) for s in sets), page)
        found = self.memo.get(key)
        if found is None:
            found = sum(
                self.field(runtime, nodes, page) for nodes in self.collect(runtime, sets).values()
            )
            self.memo[key] = found
        return found

    def field(self, parent: GraphQLObjectType, nodes: list[FieldNode], page: int | None) -> int:
        name = nodes[0].name.value
        if name.startswith("__"):
            return 1
        field_def = parent.fields[name]
        sets = tuple(n.selection_set for n in nodes if n.selection_set)
        if not sets:
            return 1
        nullable = get_nullable_type(field_def.type)
        args = self.arguments(field_def, nodes[0])
        if is_list_type(nullable):
            size = self.size(parent.name, name, args, page if name in _PAGES else None)
            return 1 + size * self.composite(field_def, sets, None)
        inner = self.page(parent.name, name, args) if "first" in field_def.args else None
        return 1 + self.composite(field_def, sets, inner)

    def composite(
        self, field_def: GraphQLField, sets: tuple[SelectionSetNode, ...], page: int | None
    ) -> int:
        """One item of the field's type: the dearest of its possible types when abstract."""
        named = get_named_type(field_def.type)
        if is_object_type(named):
            assert isinstance(named, GraphQLObjectType)
            return self.selection(named, sets, page)
        assert is_abstract_type(named)
        possible = self.schema.get_possible_types(named)
        return max((self.selection(t, sets, page) for t in possible), default=0)

    def arguments(self, field_def: GraphQLField, node: FieldNode) -> dict[str, Any]:
        try:
            return get_argument_values(field_def, node, self.variables)
        except GraphQLError:
            return {}  # the executor reports it; the sizes fall back to their defaults

    @staticmethod
    def size(type_name: str, name: str, args: dict[str, Any], page: int | None) -> int:
        # Reads only COST_ARGUMENTS, as page() does.
        first = args.get("first")
        if isinstance(first, int):
            return max(first, 0)
        ids = args.get("ids")
        if isinstance(ids, list):
            return len(ids)
        if page is not None:
            return page
        key = (type_name, name)
        return RESOLVER_DEFAULT.get(key) or ASSUMED_SIZE.get(key) or DEFAULT_LIST

    @staticmethod
    def page(type_name: str, name: str, args: dict[str, Any]) -> int:
        first = args.get("first")
        if isinstance(first, int):
            return max(first, 0)
        return RESOLVER_DEFAULT.get((type_name, name), DEFAULT_PAGE_SIZE)


def budget_of(context: Any) -> int:
    """The subject's budget (its roles' largest); the setting when no policy applies."""
    view = getattr(context, "view", None)
    if view is not None:
        return int(view.cost_budget)
    return int(context.settings.max_query_cost)


class QueryCost(SchemaExtension):
    """Refuses an operation whose estimate exceeds the subject's budget, before it runs."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.result:
            cost = estimate(document, ctx.operation_name, ctx.variables, ctx.schema._schema)
            budget = budget_of(ctx.context)
            if cost > budget:
                roles = getattr(getattr(ctx.context, "view", None), "roles", ())
                refused = CostLimit(cost, budget, tuple(roles))
                error = GraphQLError(refused.message, original_error=refused)
                if ctx.operation_type is OperationType.SUBSCRIPTION:
                    # A subscription's stream ignores a result set here: it is stopped by an
                    # error, coded now (its results bypass ErrorCodes).
                    raise classify(error)
                # A result set before execution stops the executor: nothing reaches the graph.
                ctx.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

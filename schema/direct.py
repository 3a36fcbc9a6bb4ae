"""The direct answer 直接应答: a query the compiler handles entirely, answered without the
executor walking every field.

For a query whose every top-level field is one the compiler answers in one Cypher query
(``schema/queries.py`` ``ROOTS``) and whose every nested field only reads its key from the
result (``schema/plan.py``), the database already builds the response's shape: aliases,
masking and scope are compiled into the query. What is left — the response keys in order,
leaf serialization, cursors, the ID number, redaction notes — the document's :class:`Plan`
does in one pass, and the bytes are written with orjson.

It takes only what the standard path would answer the same way, and gives the rest back
(``None``): a document not yet validated by the schema (the first time it is seen), variables
that do not coerce, an operation over its cost budget, a document with a field the plan cannot
write, maps that do not fit the schema (:class:`~schema.plan.Mismatch`). The executor then
answers, with its errors. What does run here goes through the same root functions, the same
compiler and scope, the same audit record and the same error codes
(``tests/test_direct.py`` compares both paths over the schema walk's queries).

Cached per document: its parsed, validated form (``schema/documents.py``) and, per set of
masked fields, its plan. A lookup by key keeps its compiled Cypher by the question's shape
(``schema/compiled.py``); other roots compile theirs per request, as their text depends on the
request's values (filters given, a region filter standing for the scope).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
    located_error,
)
from graphql.execution.values import VariableValues, get_variable_values

from audit.extension import record_operation
from audit.service import AuditRecord
from hub.errors import QueryTimeout
from schema.context import Context
from schema.cost import budget_of, cost_variables, estimate
from schema.documents import Documents
from schema.errors import classify
from schema.plan import Answer, Mismatch, NotDirect, Plan, RootEntry, complete
from schema.queries import ROOTS, RootField
from schema.redactions import redaction_results

ELIGIBLE = frozenset(ROOTS)

PlanKey = tuple[str, str | None, frozenset[tuple[str, str]]]


class DirectAnswer:
    def __init__(self, schema: GraphQLSchema, documents: Documents, size: int = 512) -> None:
        self.schema = schema
        self.documents = documents
        self.size = size
        self._plans: OrderedDict[PlanKey, Plan | None] = OrderedDict()
        self._costs: OrderedDict[tuple[str, str | None, bytes], int] = OrderedDict()
        self._cost_variables: dict[str, frozenset[str]] = {}

    def plan(self, text: str, operation_name: str | None, document: DocumentNode,
             operation: OperationDefinitionNode, masked: frozenset[tuple[str, str]]
             ) -> Plan | None:
        key = (text, operation_name, masked)
        if key in self._plans:
            self._plans.move_to_end(key)
            return self._plans[key]
        try:
            plan: Plan | None = Plan.build(self.schema, document, operation, masked, ELIGIBLE)
        except NotDirect:
            plan = None
        self._plans[key] = plan
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return plan

    def cost(self, text: str, operation_name: str | None, document: DocumentNode,
             variables: dict[str, Any] | None) -> int:
        """The operation's estimate (schema/cost.py), kept per document and the values of the
        variables it can depend on (a page size, not a child's id)."""
        given = variables or {}
        depends = self._cost_variables.get(text)
        if depends is None:
            depends = self._cost_variables[text] = cost_variables(document)
        key = (text, operation_name, orjson.dumps({n: given.get(n) for n in sorted(depends)}))
        found = self._costs.get(key)
        if found is None:
            found = estimate(document, operation_name, variables, self.schema)
            self._costs[key] = found
            while len(self._costs) > self.size:
                self._costs.popitem(last=False)
        if len(self._cost_variables) > self.size:
            self._cost_variables.clear()
        return found

    async def answer(self, context: Context, request: Any) -> bytes | None:
        """The response's body, or None when the standard executor is to answer."""
        if not isinstance(request, dict):
            return None
        text, operation_name = request.get("query"), request.get("operationName")
        variables = request.get("variables")
        if not isinstance(text, str) or not isinstance(operation_name, str | None) or not (
                variables is None or isinstance(variables, dict)):
            return None
        document = self.documents.get(text)
        if document is None:
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        plan = self.plan(text, operation_name, document, operation, context.masked)
        if plan is None:
            return None
        coerced = get_variable_values(self.schema, operation.variable_definitions or (),
                                      variables or {})
        if not isinstance(coerced, VariableValues):
            return None
        if self.cost(text, operation_name, document, variables) > budget_of(context):
            return None  # refused by the executor's cost check, with its figures
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}
        results = await asyncio.gather(
            *(self._run(context, fragments, coerced, root) for root in plan.roots),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
        lost = [r for root, r in zip(plan.roots, results, strict=True)
                if isinstance(r, Exception) and isinstance(root.entry.type, GraphQLNonNull)]
        if lost and not all(isinstance(r, QueryTimeout) for r in lost):
            # A non-null field's error nulls the whole answer, and the executor then reports
            # whichever error came first: it answers (a timeout is not run twice).
            return None
        answer = Answer()
        query = self.schema.query_type
        assert query is not None
        values: dict[str, Any] = {key: query.name for key in plan.typename_keys}
        errors: list[GraphQLError] = []
        for root, result in zip(plan.roots, results, strict=True):
            if isinstance(result, Exception):
                errors.append(classify(located_error(result, root.nodes, [root.key])))
                values[root.key] = None
                continue
            try:
                values[root.key] = complete(root.entry, result, (root.key,), answer,
                                            context.protector)
            except Mismatch:
                return None
        data = None if lost else {key: values[key] for key in plan.order}
        context.redacted.extend(answer.redacted)
        context.hidden |= answer.hidden
        response: dict[str, Any] = {"data": data}
        if errors:
            response["errors"] = [error.formatted for error in errors]
        extensions = redaction_results(context)
        if extensions:
            response["extensions"] = extensions
        if isinstance(context.audit, AuditRecord):
            record_operation(context.audit, context, text, operation_name, variables, document,
                             data, errors)
        return orjson.dumps(response)

    async def _run(self, context: Context, fragments: dict[str, FragmentDefinitionNode],
                   coerced: VariableValues, root: RootEntry) -> Any:
        query = self.schema.query_type
        assert query is not None
        field = RootField(context, self.schema, fragments, coerced.coerced,
                          query.fields[root.field], root.nodes)
        return await ROOTS[root.field](field, field.arguments())

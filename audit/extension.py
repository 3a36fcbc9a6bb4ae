"""Captures what a GraphQL operation asked for and disclosed, for its audit event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from audit import events as ev
from audit.service import AuditRecord, outcome_of
from hub.errors import HubError


def _code(error: Any) -> str:
    extensions = getattr(error, "extensions", None) or {}
    code = extensions.get("code")
    if code is None and isinstance(getattr(error, "original_error", None), HubError):
        code = error.original_error.code
    return str(code or "BAD_USER_INPUT")


def root_field_names(document: DocumentNode, selection_set: SelectionSetNode) -> list[str]:
    """The operation's top-level fields, through fragment spreads and inline fragments."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    names: set[str] = set()
    seen: set[str] = set()

    def walk(selections: SelectionSetNode) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    walk(fragments[name].selection_set)

    walk(selection_set)
    return sorted(names)


def record_operation(record: AuditRecord, context: Any, query: str | None,
                     operation_name: str | None, variables: dict[str, Any] | None,
                     document: DocumentNode | None, data: Any, errors: list[Any]) -> None:
    """Puts what one operation asked for and disclosed on its audit record: called by the
    extension below after the executor, and by the direct answer (``schema/direct.py``)."""
    record.document_hash = ev.document_hash(query)
    record.operation_name = operation_name
    record.variables_digest = ev.variables_digest(context.settings, variables)
    view = getattr(context, "view", None)
    if view is not None:
        record.roles = view.roles
    if document is not None:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                operation_name is None
                or (definition.name and definition.name.value == operation_name)
            ):
                record.operation_type = definition.operation.value
                record.root_fields = root_field_names(document, definition.selection_set)
                break
    record.fields = ev.field_paths(data)
    record.redacted = ev.strip_indices(getattr(context, "redacted", []))
    record.error_codes = sorted({_code(e) for e in errors})
    record.outcome = outcome_of(record.error_codes)


class AuditCapture(SchemaExtension):
    """Listed first in the schema's extensions so it runs last, after ErrorCodes has given
    every error its code."""

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        record = getattr(ctx.context, "audit", None)
        if not isinstance(record, AuditRecord):
            return  # not an HTTP request (tests, the hub's own jobs)
        result = ctx.result
        record_operation(record, ctx.context, ctx.query, ctx.operation_name, ctx.variables,
                         ctx.graphql_document, getattr(result, "data", None),
                         list(getattr(result, "errors", None) or []))

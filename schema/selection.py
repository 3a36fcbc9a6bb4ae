"""The fields a selection asks of one runtime type, collected as graphql-core's executor collects
them: fragments and inline fragments whose type condition applies, ``@skip``/``@include``
honoured, fields grouped by response key. The query compiler and the cost estimate both read
documents this way, so what is compiled is what is costed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
    type_from_ast,
)
from graphql.execution.values import VariableValues, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective


class Selections:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode],
                 variables: VariableValues) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        if not node.directives:
            return True  # the usual case, without asking graphql-core
        try:
            skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
            include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        except GraphQLError:
            return True  # kept: the executor refuses the document anyway
        if skip and skip.get("if") is True:
            return False
        return not (include and include.get("if") is False)

    def applies(self, condition: Any, runtime: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        wanted = type_from_ast(self.schema, condition)
        if wanted is runtime:
            return True
        return is_abstract_type(wanted) and self.schema.is_sub_type(wanted, runtime)

    def collect(
        self, runtime: GraphQLObjectType, sets: Iterable[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Response key → field nodes, as the executor groups them for ``runtime``."""
        fields: dict[str, list[FieldNode]] = {}
        seen: set[str] = set()

        def walk(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    if self.included(selection):
                        key = selection.alias.value if selection.alias else selection.name.value
                        fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self.included(selection) and self.applies(
                        selection.type_condition, runtime
                    ):
                        walk(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if name in seen or fragment is None or not self.included(selection):
                        continue
                    seen.add(name)
                    if self.applies(fragment.type_condition, runtime):
                        walk(fragment.selection_set)

        for selection_set in sets:
            walk(selection_set)
        return fields

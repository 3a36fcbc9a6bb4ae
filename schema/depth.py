"""The depth limit 查询深度上限: strawberry's ``QueryDepthLimiter``, except on a document that
spreads a fragment it does not define.

The limiter walks the document when its rule is made and looks every spread up in the
document's fragments: an undefined one raised ``KeyError``, and the client got an INTERNAL
error instead of graphql's own "Unknown fragment" (the same bug is open in graphene, #1538).
Such a document is invalid anyway; graphql's ``KnownFragmentNamesRule`` names the fragment, so
the depth is then not measured."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode, FragmentSpreadNode, ValidationContext
from graphql.language import Visitor, visit
from graphql.validation import ValidationRule
from strawberry.extensions import AddValidationRules, QueryDepthLimiter


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def spreads_are_defined(document: DocumentNode) -> bool:
    """Every ``...Name`` of the document has its ``fragment Name``."""
    defined = {d.name.value for d in document.definitions
               if isinstance(d, FragmentDefinitionNode)}
    spreads = _Spreads()
    visit(document, spreads)
    return spreads.names <= defined


class DepthLimit(AddValidationRules):
    def __init__(self, max_depth: int) -> None:
        (measure,) = QueryDepthLimiter(max_depth=max_depth).validation_rules

        class DepthRule(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                if spreads_are_defined(context.document):
                    measure(context)  # reports an operation too deep on the context
                super().__init__(context)

        super().__init__([DepthRule])

"""Documents the schema has already parsed and validated 已校验的查询文档.

Validation does not depend on who asks (depth, alias, token and introspection limits are the
hub's own), so a document that passed once passes again: the direct answer
(``schema/direct.py``) takes it from here without parsing or validating it a second time. A
document enters only once the standard executor has validated it (:class:`RememberValid`), so
the rules applied are exactly the schema's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension


class Documents:
    """A bounded map from a document's text to its parsed, validated form (least recently
    used first out)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._known: OrderedDict[str, DocumentNode] = OrderedDict()

    def get(self, text: str) -> DocumentNode | None:
        document = self._known.get(text)
        if document is not None:
            self._known.move_to_end(text)
        return document

    def remember(self, text: str, document: DocumentNode) -> None:
        self._known[text] = document
        self._known.move_to_end(text)
        while len(self._known) > self.size:
            self._known.popitem(last=False)


class RememberValid(SchemaExtension):
    """Hands every document that reached execution (so passed parsing and every validation
    rule) to the request's :class:`Documents`."""

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        documents = getattr(ctx.context, "documents", None)
        if isinstance(documents, Documents) and ctx.query and ctx.graphql_document is not None:
            documents.remember(ctx.query, ctx.graphql_document)
        yield

"""Every error a client sees carries ``extensions.code`` and a message a person can act on.

Domain errors (``hub.errors``) keep their message and code. GraphQL syntax and validation
errors become BAD_USER_INPUT. A database that cannot answer now is UNAVAILABLE (retry later).
Anything else becomes INTERNAL with the request id, so support
can find the log line; no stack trace or Cypher text ever reaches the client.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from hub.errors import DATABASE_UNAVAILABLE, HubError
from hub.graph import unavailable
from hub.logs import log, request_id


def _validation_message(error: ValidationError) -> tuple[str, str | None]:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = str(first["msg"]).removeprefix("Value error, ")
    return (f"{field}: {message}" if field else message), field


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    extensions: dict[str, object]
    if isinstance(original, HubError):
        message = original.message
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        extensions.update(getattr(original, "details", None) or {})
    elif isinstance(original, ValidationError):
        message, field = _validation_message(original)
        extensions = {"code": "BAD_USER_INPUT"}
        if field:
            extensions["field"] = field
    elif original is None or isinstance(original, GraphQLError):
        # Parse and validation errors, and bad variable values: the client's to fix.
        message = error.message
        extensions = {"code": "BAD_USER_INPUT"}
    elif isinstance(original, ValueError):
        # Scalars' parse errors (a date that is not a date) arrive as ValueError.
        message = str(original)
        extensions = {"code": "BAD_USER_INPUT"}
    elif unavailable(original):
        log.warning("database unavailable", error_type=type(original).__name__, path=error.path)
        message = DATABASE_UNAVAILABLE
        extensions = {"code": "UNAVAILABLE"}
    else:
        rid = request_id.get()
        log.error("unexpected error", error_type=type(original).__name__, path=error.path)
        message = f"内部错误,请联系管理员并提供请求号 internal error; request id {rid}"
        extensions = {"code": "INTERNAL", "requestId": rid}
    return GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [classify(error) for error in result.errors]

"""Tells clients what was hidden: ``extensions.redacted`` (paths) and the purposes that would
reveal them (``extensions.purposeWouldReveal``), so "hidden" is never mistaken for "empty"."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension


def redaction_results(context: Any) -> dict[str, Any]:
    """The response's extensions for what the request's fields noted as hidden."""
    redacted = getattr(context, "redacted", None)
    if not redacted:
        return {}
    results: dict[str, Any] = {"redacted": list(redacted)}
    view = context.view
    if view is not None and view.purpose_would_reveal:
        # By field, not response key: an alias must not hide which purpose would help.
        hidden: set[tuple[str, str]] = getattr(context, "hidden", set())
        results["purposeWouldReveal"] = {
            f"{type_name}.{field}": list(purposes)
            for (type_name, field), purposes in view.purpose_would_reveal.items()
            if (type_name, field) in hidden
        }
    return results


class Redactions(SchemaExtension):
    def get_results(self) -> dict[str, Any]:
        return redaction_results(self.execution_context.context)

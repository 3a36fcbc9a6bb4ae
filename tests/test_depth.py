"""The depth limit (schema/depth.py): still refuses a document too deep, and leaves a spread
of an undefined fragment to graphql's own rule."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from hub.settings import Settings
from schema.api import build_schema
from schema.depth import spreads_are_defined
from schema.trusted import validation_rules


def _messages(settings: Settings, document: str) -> list[str]:
    schema = build_schema(settings)
    return [e.message for e in validate(schema._schema, parse(document),
                                        list(validation_rules(schema)))]


def _nested(depth: int) -> str:
    inner = "code"
    for _ in range(depth - 1):
        inner = f"parent {{ {inner} }}"
    return f'{{ region(code: "140000") {{ {inner} }} }}'


@pytest.mark.parametrize("depth", [3, 8])
def test_within_the_depth_passes(settings: Settings, depth: int) -> None:
    conf = settings.model_copy(update={"max_query_depth": 8})
    assert _messages(conf, _nested(depth)) == []


def test_too_deep_is_refused(settings: Settings) -> None:
    conf = settings.model_copy(update={"max_query_depth": 8})
    assert any("exceeds maximum operation depth" in m for m in _messages(conf, _nested(9)))


def test_an_undefined_fragment_is_named_not_a_crash(settings: Settings) -> None:
    messages = _messages(settings, '{ child(id: "ch_1") { ...Nope } }')
    assert messages == ["Unknown fragment 'Nope'."]


@pytest.mark.parametrize(("document", "defined"), [
    ("{ a }", True),
    ("{ ...F } fragment F on Query { a }", True),
    ("{ ...F } fragment G on Query { ...F }", False),
    ("query { x { ... on T { ...G } } } fragment G on T { y }", True),
])
def test_spreads_are_defined(document: str, defined: bool) -> None:
    assert spreads_are_defined(parse(document)) is defined

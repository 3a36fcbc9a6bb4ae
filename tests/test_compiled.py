"""A keyed lookup's compiled query is kept by the shape of the question (``schema/compiled.py``),
and a kept query never carries one subject's scope or view into another's answer."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from graphql import FieldNode, GraphQLSchema, OperationDefinitionNode, parse

from auth.policy import default_policy
from hub.errors import NotFound
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from hub.subject import Subject
from schema.api import build_schema
from schema.compiled import CompiledQueries
from schema.endpoint import context_for
from schema.queries import ROOTS, RootField
from tests.test_auth_policy import CHILDREN, SUBJECTS, subject_for, world  # noqa: F401
from tests.test_schema_walk import _revealing_purpose

TIMELINE = "query T($id: ID!, $n: Int) { childTimeline(childId: $id, first: $n) { __typename id } }"
CHILD = """query C($id: ID!) { child(id: $id) { id name idNumber birthDate
  facts: timeline { __typename id } } }"""


async def _ask(graph: Graph, settings: Settings, schema: GraphQLSchema, subject: Subject,
               document: str, variables: dict[str, Any], kept: CompiledQueries | None
               ) -> tuple[str, Any]:
    context = context_for(graph, settings, default_policy(), subject, IdProtector(settings))
    context.compiled = kept
    operation = parse(document).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    node = operation.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    query_type = schema.query_type
    assert query_type is not None
    root = RootField(context, schema, {}, variables, query_type.fields[node.name.value], [node])
    try:
        return "ok", await ROOTS[node.name.value](root, root.arguments())
    except NotFound:
        return "not found", None


@pytest.mark.parametrize("document", [TIMELINE, CHILD], ids=["childTimeline", "child"])
async def test_kept_queries_answer_as_compiled_ones(
    world: Graph, settings: Settings, document: str  # noqa: F811
) -> None:
    """Every role — in its own county and in another, without a purpose and with the one that
    reveals most — asks for every child, in a shuffled order, twice, with one cache shared by
    all: each answer is the one compiled afresh (so no kept query carries another subject's
    region, organisations or masked fields), and the cache was used."""
    schema = build_schema(settings)._schema
    kept = CompiledQueries()
    subjects = [dataclasses.replace(subject_for(role, purpose), region=region)
                for role in SUBJECTS for purpose in {None, _revealing_purpose(role)}
                for region in {SUBJECTS[role][1], "140406"}]
    asks = [(subject, child, n) for subject in subjects for child in CHILDREN
            for n in (None, 2)] * 2
    random.Random(7).shuffle(asks)
    for subject, child, n in asks:
        variables: dict[str, Any] = {"id": child} if document is CHILD else {"id": child, "n": n}
        answered = await _ask(world, settings, schema, subject, document, variables, kept)
        fresh = await _ask(world, settings, schema, subject, document, variables, None)
        assert answered == fresh, (subject, child)
        if subject.region == SUBJECTS[next(iter(subject.roles))][1] and subject.purpose is None:
            role = next(iter(subject.roles))
            assert (answered[0] == "ok") == (child in SUBJECTS[role][3]), (role, child)
    assert len(kept) < len(asks) / 4 and kept.hits >= len(asks) - len(kept)


async def test_a_key_variable_used_twice_is_not_kept(
    world: Graph, settings: Settings  # noqa: F811
) -> None:
    """When ``$id`` feeds another field too, the text may depend on its value: not kept."""
    schema = build_schema(settings)._schema
    kept = CompiledQueries()
    once = "query T($id: ID!) { childTimeline(childId: $id) { id } }"
    twice = "query T($id: ID!) { childTimeline(childId: $id) { id } child(id: $id) { id } }"
    for document in (once, once, once, twice, twice):
        await _ask(world, settings, schema, subject_for("edu-officer"), document, {"id": "ch_1"},
                   kept)
    assert len(kept) == 1 and kept.hits == 2

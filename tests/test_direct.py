"""The direct answer (``schema/direct.py``) answers exactly as the executor does.

Over the schema walk's coverage trees (every relationship of every type below each root field
the compiler answers, for every role, without a purpose and with the one that reveals most),
both paths run on the same database: the data (keys in the same order), the errors, the
redaction notes and the audit record must be the same. Then over HTTP: the first request of a
document goes through the executor, the next ones are answered directly, byte for byte alike
once decoded.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import strawberry
from graphql import OperationDefinitionNode, parse

from audit.service import AuditRecord
from auth.policy import default_policy
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from schema.api import build_schema
from schema.cost import estimate
from schema.direct import ELIGIBLE, DirectAnswer
from schema.documents import Documents
from schema.endpoint import context_for
from schema.plan import NotDirect, Plan
from shell.app import create_app
from tests.graphql_helpers import seed
from tests.test_auth_policy import SUBJECTS, subject_for, world  # noqa: F401
from tests.test_schema_walk import (  # noqa: F401
    FULL_TREES,
    ROLES,
    ROOT_ORDER,
    WALKER,
    World,
    _revealing_purpose,
    argument_table,
    walked,
)

_schemas: dict[int, strawberry.Schema] = {}


def _context(graph: Graph, settings: Settings, role: str, purpose: str | None) -> Any:
    context = context_for(graph, settings, default_policy(), subject_for(role, purpose),
                          IdProtector(settings))
    assert context.view is not None
    context.view = dataclasses.replace(context.view, cost_budget=10**12)
    context.audit = AuditRecord()
    return context


def _ordered(value: Any) -> str:
    """The JSON text: equal only when keys come in the same order too."""
    return json.dumps(value, ensure_ascii=False)


def _audit(record: AuditRecord) -> dict[str, Any]:
    return {"children": sorted(record.children), "fields": record.fields,
            "redacted": sorted(record.redacted), "codes": record.error_codes,
            "outcome": record.outcome, "roots": record.root_fields,
            "type": record.operation_type, "document": record.document_hash}


async def _both(graph: Graph, settings: Settings, role: str, purpose: str | None,
                document: str) -> bool:
    """Whether the direct path answered (and answered alike)."""
    schema = _schemas.setdefault(id(settings), build_schema(settings))
    standard = _context(graph, settings, role, purpose)
    result = await schema.execute(document, context_value=standard)
    expected_errors = sorted((dict(e.formatted) for e in result.errors or []), key=_ordered)

    documents = Documents()
    documents.remember(document, parse(document))
    direct = _context(graph, settings, role, purpose)
    body = await DirectAnswer(schema._schema, documents).answer(direct, {"query": document})
    where = (role, purpose, document[:120])
    if body is None:
        # Left to the executor only when a non-null field's error nulls the whole answer.
        assert result.data is None and result.errors, where
        return False
    got = orjson.loads(body)
    assert _ordered(got["data"]) == _ordered(result.data), where
    assert sorted(got.get("errors", []), key=_ordered) == expected_errors, where
    extensions = dict(result.extensions or {})
    got_extensions = got.get("extensions", {})
    assert sorted(got_extensions.pop("redacted", [])) == sorted(extensions.pop("redacted", []))
    assert got_extensions == extensions, where
    assert _audit(direct.audit) == _audit(standard.audit), where
    return True


DIRECT_ROOTS = [root for root in ROOT_ORDER if root in ELIGIBLE]


async def test_both_paths_agree_over_the_schema_walk(
        walked: tuple[Graph, Settings, World]) -> None:  # noqa: F811
    graph, settings, known = walked
    trees = WALKER.coverage_trees(ROOT_ORDER, FULL_TREES)
    assert set(DIRECT_ROOTS) == ELIGIBLE
    answered = []
    for role in ROLES:
        for purpose in (None, _revealing_purpose(role)):
            for root in DIRECT_ROOTS:
                arguments = argument_table(known, SUBJECTS[role][1])[root]
                document = WALKER.document(root, arguments, trees[root])
                answered.append(await _both(graph, settings, role, purpose, document))
    # The walk asks for missing and out-of-scope children too; most documents still answer.
    assert sum(answered) > len(answered) / 2, (sum(answered), len(answered))


LEFT_TO_THE_EXECUTOR = {
    "a mutation": 'mutation { endPlacement(id: "x", date: "2024-01-01", reason: GRADUATED) '
                  '{ id } }',
    "a root with its own resolver": '{ indicators(region: "140000", year: 2024) { region } }',
    "a directive on a variable": 'query ($s: Boolean!) { child(id: "x") { id @skip(if: $s) } }',
    "introspection": "{ __schema { queryType { name } } }",
}


@pytest.mark.parametrize("text", LEFT_TO_THE_EXECUTOR.values(), ids=list(LEFT_TO_THE_EXECUTOR))
def test_what_the_plan_leaves_to_the_executor(settings: Settings, text: str) -> None:
    schema = build_schema(settings)._schema
    document = parse(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    with pytest.raises(NotDirect):
        Plan.build(schema, document, operation, frozenset(), ELIGIBLE)


def test_the_plan_keeps_the_executors_order(settings: Settings) -> None:
    schema = build_schema(settings)._schema
    document = parse('{ child(id: "x") { id name @skip(if: true) __typename } }')
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    plan = Plan.build(schema, document, operation, frozenset(), ELIGIBLE)
    entries = plan.roots[0].entry.objects
    assert entries is not None and [e.key for e in entries["Child"]] == ["id", "__typename"]


@pytest.fixture
async def served(graph: Graph, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    await seed(graph)
    app = create_app(settings.model_copy(update={"auth_enabled": False, "audit_enabled": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            yield client, app


def _endpoint(app: Any) -> Any:
    """The HubGraphQL app behind the guard."""
    for route in app.routes:
        if getattr(route, "path", None) == "/graphql":
            inner = route.app if hasattr(route, "app") else route.endpoint
            while not hasattr(inner, "direct"):
                inner = inner.app
            return inner
    raise AssertionError("no /graphql route")


async def test_a_repeated_document_is_answered_directly(
        served: tuple[httpx.AsyncClient, Any]) -> None:
    client, app = served
    endpoint = _endpoint(app)
    query = """query ($id: ID!) { child(id: $id) { name ... on Child { placements { __typename
      placementType organisation { name } } } currentPlacement { id } } }"""
    first = await client.post("/graphql", json={"query": query, "variables": {"id": "ch_1"}})
    assert endpoint.documents.get(query) is not None  # validated by the executor, remembered
    second = await client.post("/graphql", json={"query": query, "variables": {"id": "ch_1"}})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["data"]["child"]["name"] == "张小明"
    assert "张小明".encode() in second.content  # UTF-8 as it is, not \\u escapes
    assert list(second.json()["data"]["child"]) == ["name", "placements", "currentPlacement"]
    # The executor still answers what the direct path leaves: errors of a missing child are
    # the same either way.
    missing = await client.post("/graphql", json={"query": query,
                                                  "variables": {"id": "nobody"}})
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert missing.json()["data"] == {"child": None}
    bad = await client.post("/graphql", json={"query": query, "variables": {"id": 5.5}})
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_kept_cost_follows_what_it_depends_on(settings: Settings) -> None:
    """The cost is kept per document and the values of the variables it can depend on (page
    sizes, id lists, directives): any other variable may change without changing it."""
    schema = build_schema(settings)._schema
    text = """query ($id: ID!, $n: Int, $ids: [ID!]!, $s: Boolean!) {
      childTimeline(childId: $id, first: $n) { id }
      childrenByIds(ids: $ids) { id placements { id @include(if: $s) } } }"""
    document = parse(text)
    direct = DirectAnswer(schema, Documents())
    costs = set()
    for n, ids, s, child in itertools.product((1, 50), (["a"], ["a", "b", "c"]), (True, False),
                                               ("ch_1", "ch_2")):
        variables = {"id": child, "n": n, "ids": ids, "s": s}
        kept = direct.cost(text, None, document, variables)
        assert kept == estimate(document, None, variables, schema), variables
        costs.add(kept)
    assert len(costs) == 8  # every page size, id list and directive value counts; the id not

"""Query cost (schema/cost.py): the estimate, the per-role budget, and the read timeout.

The estimate is a pure function of the document, so most of it is tested without a database;
the refusals and the timeout run against the real one.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLSchema, parse
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from auth.policy import DEFAULT_COST_BUDGET, Policy, PolicyFile, default_policy
from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject
from schema.api import build_schema
from schema.cost import estimate
from tests.auth_helpers import gql, http_client, register, token_for
from tests.graphql_helpers import execute, seed
from tests.test_auth_policy import SUBJECTS

# Finding 6 of issue 12: within the depth, alias and token caps, it ran 12 s and returned 1.9 MB.
EXAMPLE = """{ schools(region: "140400", first: 500) { servedBy { serves {
  children(first: 100) { edges { node { timeline { id } } } } } } } }"""


@pytest.fixture(scope="module")
def schema(settings: Settings) -> GraphQLSchema:
    return build_schema(settings)._schema


def cost(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None) -> int:
    return estimate(parse(query), None, variables, schema)


# --- the estimate ----------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    # children 1, totalCount 1, edges 1 + 10 × (node 1 + id 1 + name 1)
    ('{ children(first: 10) { totalCount edges { node { id name } } } }', 33),
    # a connection without `first`: the compiler's default page of 20
    ('{ children { edges { node { id } } } }', 1 + 1 + 20 * 2),
    # totalCount alone does not pay for the page
    ('{ children(first: 100) { totalCount } }', 2),
    # an unbounded list of facts: its assumed size (5)
    ('{ child(id: "x") { placements { id } } }', 1 + 1 + 5),
    # the resolver's default when `first` is absent
    ('{ schools(region: "140400") { id } }', 1 + 200),
    ('{ childrenByIds(ids: ["a", "b", "c"]) { id name } }', 1 + 3 * 2),
    ('{ child(id: "x") { timeline(first: 3) { id } } }', 1 + 1 + 3),
    ('{ childTimeline(childId: "x") { id } }', 1 + 50),
    # an interface: the dearest possible type (Placement: organisation 1 + name 1)
    ('{ child(id: "x") { timeline { ... on Placement { organisation { name } } '
     '... on Plan { goals } } } }', 1 + 1 + 50 * 2),
    # introspection is answered from memory: 1 each, not descended into
    ('{ __typename __schema { types { fields { name } } } }', 2),
])
def test_each_field_costs_one_and_lists_multiply(
    schema: GraphQLSchema, query: str, expected: int
) -> None:
    assert cost(schema, query) == expected


def test_the_issues_example_exceeds_every_budget(schema: GraphQLSchema,
                                                 settings: Settings) -> None:
    budgets = [role.cost or default_policy().spec.cost_budget
               for role in default_policy().spec.roles.values()]
    found = cost(schema, EXAMPLE)
    assert found > 1000 * max(budgets)
    assert found > 1000 * settings.max_query_cost


def test_variables_count_like_literals(schema: GraphQLSchema) -> None:
    literal = cost(schema,
                   '{ children(first: 7) { edges { node { timeline(first: 4) { id } } } } }')
    query = ('query ($n: Int, $m: Int) { children(first: $n) { edges { node { '
             'timeline(first: $m) { id } } } } }')
    assert cost(schema, query, {"n": 7, "m": 4}) == literal
    # an absent variable: the argument's default, as the resolver would take it
    assert cost(schema, query, {"m": 4}) == cost(
        schema, '{ children { edges { node { timeline(first: 4) { id } } } } }')


def test_skip_and_include_leave_out_what_will_not_run(schema: GraphQLSchema) -> None:
    query = ('query ($s: Boolean!, $i: Boolean!) { child(id: "x") { name '
             'placements @skip(if: $s) { id } timeline @include(if: $i) { id } } }')
    bare = cost(schema, '{ child(id: "x") { name } }')
    assert cost(schema, query, {"s": True, "i": False}) == bare
    assert cost(schema, query, {"s": False, "i": True}) == bare + (1 + 5) + (1 + 50)


def test_an_operation_that_cannot_run_costs_nothing(schema: GraphQLSchema) -> None:
    # the executor refuses it without reading anything
    assert cost(schema, 'query ($id: ID!) { child(id: $id) { name } }', {}) == 0
    assert estimate(parse('query A { child(id: "x") { name } }'), "B", None, schema) == 0


def test_nested_fragments_are_estimated_in_linear_time(schema: GraphQLSchema) -> None:
    # Each level spreads the next under two aliases: 2^40 paths if walked naively.
    levels = 40
    fragments = [
        f"fragment R{n} on Region {{ a: parent {{ ...R{n + 1} }} b: parent {{ ...R{n + 1} }} }}"
        for n in range(levels)
    ]
    fragments.append(f"fragment R{levels} on Region {{ code }}")
    query = '{ region(code: "140404") { ...R0 } } ' + " ".join(fragments)
    started = time.monotonic()
    found = cost(schema, query)
    assert time.monotonic() - started < 1
    assert found > 2 ** levels  # the cost itself is exponential, and refused


# The same selection written inline, through named fragments, inline fragments and aliases
# must cost the same: the estimate collects fields as the executor does.
_LEAVES = ("id", "name", "sex", "birthDate", "idNumber", "regionCode", "disabilityGrade")
_NESTED = {
    "region": "{ code name parent { code } }",
    "currentPlacement": "{ id stage organisation { name } }",
    "placements": "{ id status }",
    "timeline(first: 4)": "{ id date ... on Placement { stage } }",
    "services": "{ id hours }",
}


@st.composite
def child_selections(draw: st.DrawFn) -> list[str]:
    leaves = draw(st.lists(st.sampled_from(_LEAVES), min_size=1, unique=True))
    nested = draw(st.lists(st.sampled_from(sorted(_NESTED)), unique=True))
    return [*leaves, *(f"{name} {_NESTED[name]}" for name in nested)]


@given(selection=child_selections(), first=st.integers(0, 100))
@hyp_settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fragments_and_aliases_cost_the_same_as_inline(
    schema: GraphQLSchema, selection: list[str], first: int
) -> None:
    def page(body: str, extra: str = "") -> str:
        return f"{{ children(first: {first}) {{ edges {{ node {{ {body} }} }} }} }} {extra}"

    inline = cost(schema, page(" ".join(selection)))
    named = " ".join(f"fragment F{n} on Child {{ {s} }}" for n, s in enumerate(selection))
    spreads = " ".join(f"...F{n}" for n in range(len(selection)))
    assert cost(schema, page(spreads, named)) == inline
    # a fragment spread twice, and the same field asked twice, are one field to the executor
    assert cost(schema, page(f"{spreads} {spreads}", named)) == inline
    assert cost(schema, page(" ".join(selection * 2))) == inline
    assert cost(schema, page(" ".join(f"... on Child {{ {s} }}" for s in selection))) == inline
    assert cost(schema, page(" ".join(f"... {{ {s} }}" for s in selection))) == inline
    aliased = " ".join(f"a{n}: {s}" for n, s in enumerate(selection))
    assert cost(schema, page(aliased)) == inline


@given(a=st.integers(0, 1000), b=st.integers(0, 1000), level=st.sampled_from(range(4)))
@hyp_settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_estimate_grows_with_first(
    schema: GraphQLSchema, a: int, b: int, level: int
) -> None:
    low, high = sorted((a, b))
    pages = ["schools(region: \"140400\", first: {})", "children(first: {})",
             "timeline(first: {})", "services(first: {})"]

    def query(n: int) -> str:
        firsts = [n if i == level else 10 for i in range(4)]
        return (f"{{ {pages[0].format(firsts[0])} {{ name "
                f"{pages[1].format(firsts[1])} {{ totalCount edges {{ node {{ id "
                f"{pages[2].format(firsts[2])} {{ id date }} "
                f"{pages[3].format(firsts[3])} {{ hours }} }} }} }} }} }}")

    assert cost(schema, query(low)) <= cost(schema, query(high))
    if low < high:
        assert cost(schema, query(low)) < cost(schema, query(high))


CONSOLE_PAGES = Path(__file__).parent.parent / "console" / "static" / "pages"


def _console_operations() -> dict[str, str]:
    """The console's GraphQL documents: ``const NAME = `…`;`` with ``${OTHER}`` filled in."""
    found: dict[str, str] = {}
    for page in sorted(CONSOLE_PAGES.glob("*.js")):
        consts: dict[str, str] = {}

        def filled(match: re.Match[str], consts: dict[str, str] = consts) -> str:
            return consts[match.group(1)]

        for name, body in re.findall(r"const ([A-Z_]+) = `([^`]*)`;", page.read_text()):
            consts[name] = re.sub(r"\$\{([A-Z_]+)\}", filled, body)
            if re.match(r"\s*(query|mutation)\b", consts[name]):
                found[f"{page.name}:{name}"] = consts[name]
    return found


def test_the_consoles_queries_fit_the_smallest_budget(schema: GraphQLSchema) -> None:
    operations = _console_operations()
    assert len(operations) >= 10
    smallest = min(role.cost or default_policy().spec.cost_budget
                   for role in default_policy().spec.roles.values())
    for where, text in operations.items():
        found = estimate(parse(text), None, _plausible(text), schema)
        assert 0 < found <= smallest, (where, found)


def _plausible(text: str) -> dict[str, Any]:
    """A value for every required variable; the optional ones take their defaults."""
    values: dict[str, Any] = {
        "String!": "140400", "ID!": "ch_1", "Int!": 2025, "DateTime!": "2025-01-01T00:00:00Z",
        "[ID!]!": [f"ch_{n}" for n in range(100)],  # the indicator page's list, at its most
        "[String!]!": [f"ps_{n}" for n in range(50)],  # the access log's people, a page's worth
        "RecordServiceSessionInput!": {"childId": "ch_1", "kind": "HOME_DELIVERY",
                                       "date": "2025-01-01", "hours": 1.0,
                                       "organisationId": "sch_1"},
    }
    return {name: values[kind] for name, kind in re.findall(r"\$(\w+): ([\w!\[\]]+!)", text)}


# --- the budget ------------------------------------------------------------------------------


def _subject(role: str, **changes: Any) -> Subject:
    department, region, organisations, _ = SUBJECTS[role]
    fields: dict[str, Any] = {"kind": "client", "id": f"t-{role}", "department": department,
                              "region": region, "roles": frozenset({role}),
                              "organisations": organisations}
    fields.update(changes)
    return Subject(**fields)


def test_a_subject_gets_its_largest_roles_budget() -> None:
    policy = default_policy()
    assert policy.view(_subject("edu-officer")).cost_budget == DEFAULT_COST_BUDGET
    assert policy.view(_subject("school-staff")).cost_budget == 20_000
    assert policy.view(_subject("auditor")).cost_budget == 10_000
    both = _subject("school-staff", roles=frozenset({"school-staff", "edu-officer"}))
    assert policy.view(both).cost_budget == DEFAULT_COST_BUDGET
    # a role the subject's department may not hold does not raise it
    foreign = _subject("figures", roles=frozenset({"figures", "edu-officer"}))
    assert policy.view(foreign).cost_budget == 10_000

    spec = policy.spec.model_dump()
    spec["cost_budget"] = 1234
    spec["roles"]["school-staff"]["cost"] = 99_000
    custom = Policy(PolicyFile.model_validate(spec), "custom")
    assert custom.view(_subject("edu-officer")).cost_budget == 1234
    assert custom.view(_subject("school-staff")).cost_budget == 99_000
    spec["roles"]["school-staff"]["cost"] = 0
    with pytest.raises(ValueError, match="cost"):
        PolicyFile.model_validate(spec)


async def test_the_example_is_refused_for_every_role_before_any_read(
    graph: Graph, settings: Settings
) -> None:
    await seed(graph)
    for role in SUBJECTS:
        subject = _subject(role)
        budget = default_policy().view(subject).cost_budget
        outcome = await execute(graph, settings, EXAMPLE, subject=subject)
        assert outcome.codes == ["COST_LIMIT"], (role, outcome.errors)
        assert outcome.data is None
        assert outcome.round_trips == 0, role  # refused before the database was asked
        error = outcome.errors[0]
        assert error["extensions"]["budget"] == budget
        assert error["extensions"]["cost"] > budget
        assert f"超过上限 {budget}" in error["message"]
        assert f"exceeds the budget {budget} of role {role}" in error["message"]
        assert str(error["extensions"]["cost"]) in error["message"]
    # and without a policy (auth off) the setting is the budget
    outcome = await execute(graph, settings, EXAMPLE)
    assert outcome.codes == ["COST_LIMIT"]
    assert f"budget {settings.max_query_cost} of this hub" in outcome.errors[0]["message"]


async def test_over_http_the_county_client_gets_cost_limit(graph: Graph,
                                                           settings: Settings) -> None:
    await seed(graph)
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(settings) as client:
        token = await token_for(client, registered)
        response = await gql(client, token, EXAMPLE)
        assert response.status_code == 200
        body = response.json()
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "COST_LIMIT"
        assert error["extensions"]["budget"] == DEFAULT_COST_BUDGET
        assert f"exceeds the budget {DEFAULT_COST_BUDGET} of role edu-officer" in error["message"]
        # the same client's ordinary page is served
        page = await gql(client, token, "{ children(first: 20) { edges { node { id } } } }")
        assert page.json() == {"data": {"children": {"edges": [{"node": {"id": "ch_1"}},
                                                              {"node": {"id": "ch_3"}}]}}}


# children 1 + totalCount 1 + edges (1 + 100 × (node 1 + id 1 + timeline (1 + 60 × 4))) = 24,303:
# within an officer's budget, over school staff's.
MIDDLING = """{ children(first: 100) { totalCount edges { node { id
  timeline(first: 60) { id date kind recordedBy } } } } }"""


async def test_the_budget_follows_the_role(graph: Graph, settings: Settings) -> None:
    await seed(graph)
    officer = await execute(graph, settings, MIDDLING, subject=_subject("edu-officer"))
    assert officer.errors == []
    assert {e["node"]["id"] for e in officer.data["children"]["edges"]} == {"ch_1", "ch_3"}
    staff = await execute(graph, settings, MIDDLING, subject=_subject("school-staff"))
    assert staff.codes == ["COST_LIMIT"]
    assert staff.errors[0]["extensions"] == {"code": "COST_LIMIT", "cost": 24_303,
                                             "budget": 20_000}
    # halving the page brings it within budget
    half = MIDDLING.replace("first: 100", "first: 50")
    assert (await execute(graph, settings, half, subject=_subject("school-staff"))).errors == []


async def test_ordinary_queries_pass(graph: Graph, settings: Settings) -> None:
    await seed(graph)
    console = _console_operations()
    officer = _subject("edu-officer")
    child = await execute(graph, settings, console["child.js:QUERY"], {"id": "ch_1"},
                          subject=officer)
    assert child.errors == [] and child.data["child"]["name"] == "张小明"
    search = await execute(graph, settings, console["search.js:SEARCH"],
                           {"filter": {"regionCode": "140404"}}, subject=officer)
    assert search.errors == [] and search.data["children"]["totalCount"] == 2
    start = await execute(graph, settings, console["search.js:START"], {"r": "140400"},
                          subject=officer)
    assert start.errors == [] and len(start.data["schools"]) == 2
    assert start.data["searchOptions"]["byName"] is True


async def test_without_a_policy_the_setting_is_the_budget(graph: Graph,
                                                          settings: Settings) -> None:
    await seed(graph)
    tight = settings.model_copy(update={"max_query_cost": 32})
    query = '{ children(first: 10) { totalCount edges { node { id name } } } }'  # costs 33
    refused = await execute(graph, tight, query)
    assert refused.codes == ["COST_LIMIT"] and refused.round_trips == 0
    fits = await execute(graph, tight, query.replace("totalCount ", ""))  # costs 32
    assert fits.errors == [] and len(fits.data["children"]["edges"]) == 3

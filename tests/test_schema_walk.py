"""Walks the schema, not a list of queries: every path to a child or a fact, for every role.

The queries are generated from the GraphQL schema itself. From every root field, a *coverage
tree* takes each relationship of each type the first time it is met (fragments on every runtime
type of an interface) down to the depth cap; Hypothesis then draws random walks of any shape to
the cap. Each query runs for every role of the default policy, without a purpose and with one it
may declare, with every argument the seeded world offers (children in and out of scope, every
node id, region filters of the subject's county and of others), against the real database. On
every answer the test checks that

- every child (its id, a cursor, an id in a list) is one the role must see (``SUBJECTS``);
- every fact is of a kind the role sees and belongs to a child it sees;
- ``totalCount`` never counts more children than the role sees;
- every sensitive field is masked unless the role may reveal it for the declared purpose;
- the audit record names every child disclosed, a fact's child included.

Writes that cannot move a child in or out of scope run for every role that may make them,
about every child, with a whole tree below the written record: out of scope is NOT_FOUND, and
the answer obeys the same rules.

A new root field or type that reaches a child must be taught to the walker (an argument value,
a probe), or the test fails: the walker cannot silently skip it.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import strawberry
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from audit.service import AuditRecord
from auth.policy import default_policy
from hub.graph import Graph
from hub.identity import IdProtector
from hub.predicates import OPEN_PLACEMENT
from hub.settings import Settings, load_settings
from schema.api import build_schema
from schema.endpoint import context_for
from tests.test_auth_policy import ID_1, RAW, SUBJECTS, subject_for, world  # noqa: F401

# What the walk covered, printed at the end of the run (tests/conftest.py).
STATS: dict[str, int] = {}

ROLES = sorted(SUBJECTS)
FIRST = 2  # every list the walker opens: small pages keep the answers small
MISSING = "nobody"


def _walk_settings(settings: Settings) -> Settings:
    # The same caps as production for depth; more aliases and tokens, because one document holds
    # every argument value side by side.
    return settings.model_copy(update={"max_aliases": 100_000, "max_query_tokens": 100_000,
                                       "query_timeout_seconds": 120})


# --- the schema as a graph of types ------------------------------------------------------------

def _composite(field: GraphQLField) -> GraphQLObjectType | GraphQLInterfaceType | None:
    named = get_named_type(field.type)
    return named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else None


def _runtimes(schema: GraphQLSchema, named: GraphQLObjectType | GraphQLInterfaceType
              ) -> list[GraphQLObjectType]:
    if isinstance(named, GraphQLObjectType):
        return [named]
    return list(schema.get_possible_types(named))


@dataclass(frozen=True)
class World:
    """What the seeded world holds, read straight from the graph (not through the API)."""

    owner: dict[str, str]  # fact id → its child's id
    kind: dict[str, str]  # fact id → its kind
    nodes: dict[str, str | None]  # every id node(id) is asked for → its type (None: none)
    organisations: dict[str, list[str]]  # label → ids


async def _world(graph: Graph) -> World:
    facts = await graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(f:Fact) "
        "RETURN f.id AS id, c.id AS child, "
        "[l IN labels(f) WHERE NOT l IN ['Fact', $open]][0] AS kind", {"open": OPEN_PLACEMENT})
    orgs = await graph.run(
        "MATCH (o:Organisation) RETURN o.id AS id, [l IN labels(o) WHERE l <> 'Organisation'] "
        "AS labels")
    others = await graph.run(
        "MATCH (n) WHERE n:Child OR n:SchoolClass OR n:ResourceRoom "
        "RETURN n.id AS id, labels(n)[0] AS type")
    by_label: dict[str, list[str]] = {}
    for row in orgs:
        for label in row["labels"]:
            by_label.setdefault(label, []).append(row["id"])
    nodes: dict[str, str | None] = {r["id"]: r["kind"] for r in facts}
    nodes |= {r["id"]: r["labels"][0] for r in orgs} | {r["id"]: r["type"] for r in others}
    return World(owner={r["id"]: r["child"] for r in facts},
                 kind={r["id"]: r["kind"] for r in facts},
                 nodes={**nodes, "140404": "Region", MISSING: None},
                 organisations=by_label)


class EnumValue(str):
    """An enum value in a GraphQL literal: written bare."""


def _literal(value: Any) -> str:
    if isinstance(value, EnumValue):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


Arguments = list[tuple[dict[str, Any], str | None]]


def argument_table(known: World, region: str) -> dict[str, Arguments]:
    """Every set of arguments each root field is asked with (``region``: the subject's), with
    the runtime type its answer must have when known; a root field missing here fails the
    test."""
    children = ["ch_1", "ch_2", "ch_3", MISSING]
    table: dict[str, list[dict[str, Any]]] = {
        "child": [{"id": c} for c in children],
        "childTimeline": [{"childId": c} for c in children],
        "children": [{}, {"filter": {"regionCode": region}}, {"filter": {"regionCode": "140406"}},
                     {"filter": {"regionCode": "140000", "organisationId": "sch_1"}}],
        "school": [{"id": s} for s in known.organisations["School"]],
        "resourceCenter": [{"id": r} for r in known.organisations["ResourceCenter"]],
        "region": [{"code": c} for c in ("140000", "140400", "140404", "140406")],
        "schools": [{"region": "140000"}],
        "childByIdNumber": [{"idNumber": ID_1}],
        "childrenByIds": [{"ids": children}],
        "stalledTransitions": [{"region": "140000"}],
        "openDropoutCases": [{"region": "140000"}],
        "indicators": [{"region": "140000", "year": 2024}],
        "possibleDuplicates": [{}],
        "searchOptions": [{}],
        "recordOptions": [{}],
        "purposeOptions": [{}],
    }
    out: dict[str, Arguments] = {name: [(args, None) for args in sets]
                                 for name, sets in table.items()}
    out["node"] = [({"id": n}, kind or "Child") for n, kind in sorted(known.nodes.items())]
    return out


EMPTY = World(owner={}, kind={}, nodes={}, organisations={"School": [], "ResourceCenter": []})


# Root fields that reach no child and no fact: the auditors' log (ids and digests only, for the
# auditor role; FORBIDDEN for every other), the chain's status, who a subject is, and the
# auditor's look-up of a child by name (name, birth date, school; on the auditor's own event).
AUDIT_ROOTS = {"accessEvents", "accessVolumes", "unusualAccess", "childAccessReport",
               "auditChainStatus", "auditSubjects", "auditChildren", "childAccessLetter"}


def probe(runtime: GraphQLObjectType, maskable: set[tuple[str, str]]) -> list[str]:
    """What the walker selects on every object it passes through."""
    name = runtime.name
    out = ["__typename"]
    if name == "Child":
        out += ["wChild: id", "regionCode"]
    elif "Fact" in {i.name for i in runtime.interfaces}:
        out += ["wFact: id"]
    elif name == "ChildConnection":
        out += ["totalCount"]
    elif name == "PageInfo":
        out += ["endCursor", "hasNextPage"]
    elif name == "ChildEdge":
        out += ["cursor"]
    elif name == "Indicator":
        out += ["childIds", "childrenVisible"]
    elif name == "IndicatorItem":
        out += ["kind", "itemId: id"]
    elif name == "DuplicateChild":
        out += ["wChild: id"]
    out += [f"m_{name}_{field}: {field}" for (type_name, field) in sorted(maskable)
            if type_name == name]
    return out


def _field_arguments(owner: str, field: GraphQLField) -> str:
    """Arguments below the root: a small page wherever a field takes ``first``."""
    parts = [f"first: {FIRST}"] if "first" in field.args else []
    for name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull) and name != "first":
            raise AssertionError(f"the walker has no value for {owner}.{name}")
    return f"({', '.join(parts)})" if parts else ""


# A step: (field, runtime type of what it returns).
Step = tuple[str, str]


class Walker:
    def __init__(self, schema: GraphQLSchema, maskable: set[tuple[str, str]],
                 max_depth: int) -> None:
        self.schema = schema
        self.maskable = maskable
        self.max_depth = max_depth
        self.types = {name: t for name, t in schema.type_map.items()
                      if isinstance(t, GraphQLObjectType) and not name.startswith("__")}

    def edges(self, runtime: str) -> list[Step]:
        """Every relationship of a type, one per runtime type of what it returns."""
        out: list[Step] = []
        for name, field in sorted(self.types[runtime].fields.items()):
            target = _composite(field)
            if target is None:
                continue
            out += [(name, t.name) for t in _runtimes(self.schema, target)]
        return out

    def coverage_trees(self, roots: list[str], full: tuple[str, ...] = (),
                       operation: str = "Query") -> dict[str, dict[str, dict[Step, Any]]]:
        """Each relationship of each type taken once, breadth first, to the depth cap, starting
        from every root field at once: root field → runtime type → tree. Every root field gets
        at least its own probe; the first roots take most of the relationships (the planner's
        time grows with a query's size, so no relationship is sent twice). The roots in
        ``full`` get a whole tree of their own."""
        out: dict[str, dict[str, dict[Step, Any]]] = {}
        for root in full:  # two levels short of the cap: the planner's time grows with depth
            out |= self._spread([root], operation, self.max_depth - 2, pairs=True)
        shared = self._spread([r for r in roots if r not in full], operation, self.max_depth)
        return {**shared, **out}

    def _spread(self, roots: list[str], operation: str, max_depth: int, pairs: bool = False
                ) -> dict[str, dict[str, dict[Step, Any]]]:
        """``pairs``: each relationship once per type it is reached *from* (so region → parent
        → children is walked as well as region → children), not once in all."""
        seen: set[tuple[str, str, Step]] = set()
        out: dict[str, dict[str, dict[Step, Any]]] = {}
        frontier: list[tuple[str, str, dict[Step, Any], int]] = []
        for root in roots:
            out[root] = {t.name: {} for t in self.root_types(root, operation)}
            frontier += [(name, operation, tree, 1) for name, tree in out[root].items()]
        while frontier:
            following: list[tuple[str, str, dict[Step, Any], int]] = []
            for runtime, came_from, node, depth in frontier:
                if depth >= max_depth:  # the probes' leaves are one level below
                    continue
                for step in self.edges(runtime):
                    key = (came_from if pairs else "", runtime, step)
                    if key in seen:
                        continue
                    seen.add(key)
                    node[step] = {}
                    following.append((step[1], runtime, node[step], depth + 1))
            frontier = following
        return out

    def selection(self, runtime: str, tree: dict[Step, Any]) -> str:
        """The selection of ``tree`` on an object of type ``runtime``."""
        parts = probe(self.types[runtime], self.maskable)
        by_field: dict[str, list[tuple[str, dict[Step, Any]]]] = {}
        for (field, target), below in tree.items():
            by_field.setdefault(field, []).append((target, below))
        for field, targets in by_field.items():
            definition = self.types[runtime].fields[field]
            args = _field_arguments(runtime, definition)
            inner = []
            for target, below in targets:
                body = self.selection(target, below)
                declared = get_named_type(definition.type)
                inner.append(body if declared.name == target else f"... on {target} {{ {body} }}")
            parts.append(f"{field}{args} {{ {' '.join(inner)} }}")
        return " ".join(parts)

    def root_types(self, root: str, operation: str = "Query") -> list[GraphQLObjectType]:
        declared = _composite(self.types[operation].fields[root])
        assert declared is not None, root
        return _runtimes(self.schema, declared)

    def document(self, root: str, arguments: list[tuple[dict[str, Any], str | None]],
                 trees: dict[str, dict[Step, Any]], operation: str = "Query") -> str:
        """One query asking ``root`` once per argument set (aliased); below it, each runtime
        type's tree (``trees``: type name → tree). An argument set may name the one runtime
        type its answer can have (``node`` by a known id), so the others are not sent."""
        field = self.types[operation].fields[root]
        declared = get_named_type(field.type)
        parts = []
        for n, (args, only) in enumerate(arguments):
            if declared.name in trees:
                body = self.selection(declared.name, trees[declared.name])
            else:
                body = " ".join(
                    f"... on {t.name} {{ {self.selection(t.name, trees.get(t.name, {}))} }}"
                    for t in self.root_types(root, operation) if only is None or t.name == only)
            text = ", ".join(f"{k}: {_literal(v)}" for k, v in args.items())
            if "first" in field.args and "first" not in args:
                text = ", ".join(filter(None, [text, f"first: {FIRST}"]))
            parts.append(f"r{n}: {root}{f'({text})' if text else ''} {{ {body} }}")
        return ("mutation " if operation == "Mutation" else "") + "{ " + " ".join(parts) + " }"


# --- what a response discloses, checked against what the role may see -----------------------

def _decode(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("k1:")


def _items(value: Any) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item, value
            yield from _items(item)
    elif isinstance(value, list):
        for item in value:
            yield from _items(item)


def check(role: str, purpose: str | None, data: Any, record: AuditRecord, known: World,
          where: str) -> int:
    """Asserts the rules of the module docstring on one answer; returns the values checked."""
    visible = SUBJECTS[role][3]
    rule = RAW["roles"][role]
    kinds = set(rule["facts"])
    disclosed: set[str] = set()
    checked = 0
    for key, value, parent in _items(data):
        if value is None:
            continue
        child: str | None = None
        if key == "wChild" or key in ("cursor", "endCursor"):
            child = value if key == "wChild" else _decode(value)
        elif key == "wFact":
            assert known.kind[value] in kinds, (where, role, "fact kind", value)
            child = known.owner[value]
        elif key == "childIds":
            for listed in value:
                assert listed in visible, (where, role, "indicator child", listed)
                disclosed.add(listed)
        elif key == "itemId" and parent.get("kind") == "Child":
            child = value
        elif key == "totalCount":
            assert value <= len(visible), (where, role, "totalCount", value)
        elif key.startswith("m_"):
            _, type_name, field = key.split("_", 2)
            ref = f"{type_name}.{field}"
            revealed = (ref in rule.get("reveal", []) and ref not in rule.get("masked", [])
                        and purpose in RAW["sensitive"].get(ref, [])
                        and purpose in rule.get("purposes", []))
            if ref in RAW["sensitive"] and not revealed:
                assert value is None or "*" in str(value), (where, role, purpose, ref, value)
        if child is not None:
            assert child in visible, (where, role, key, child)
            disclosed.add(child)
        checked += 1
    missing = disclosed - record.children
    assert not missing, (where, role, "not on the audit record", missing)
    return checked


# --- running -------------------------------------------------------------------------------

_schemas: dict[int, strawberry.Schema] = {}


async def run(graph: Graph, settings: Settings, role: str, purpose: str | None, query: str
              ) -> tuple[Any, list[dict[str, Any]], AuditRecord]:
    schema = _schemas.setdefault(id(settings), build_schema(settings))
    context = context_for(graph, settings, default_policy(), subject_for(role, purpose),
                          IdProtector(settings))
    # The walk tests scope, not the cost budget (tests/test_cost.py): its trees may exceed it.
    assert context.view is not None
    context.view = dataclasses.replace(context.view, cost_budget=10**12)
    record = AuditRecord()
    context.audit = record
    result = await schema.execute(query, context_value=context)
    errors = [dict(e.formatted) for e in result.errors or []]
    return result.data, errors, record


# Refusals that are answers, not failures: out of scope, forbidden kinds, the auditors' log.
REFUSALS = {"NOT_FOUND", "FORBIDDEN"}


def _purposes(role: str) -> list[str | None]:
    declared = RAW["roles"][role].get("purposes", [])
    return [None, *declared[:1], *declared[-1:]] if declared else [None]


def _walker(settings: Settings) -> Walker:
    schema = build_schema(settings)._schema
    return Walker(schema, set(default_policy().maskable()), settings.max_query_depth)


WALKER = _walker(_walk_settings(load_settings()))
ROOTS = sorted(set(WALKER.types["Query"].fields) - AUDIT_ROOTS)


@pytest.fixture
async def walked(world: Graph, settings: Settings  # noqa: F811
                 ) -> AsyncIterator[tuple[Graph, Settings, World]]:
    # Its own connection, whose reads may take longer than production's limit: every alias of a
    # document is a query of its own, all planned at once on two cores.
    conf = _walk_settings(settings)
    graph = Graph.connect(conf)
    try:
        yield graph, conf, await _world(world)
    finally:
        await graph.close()


def test_every_root_field_is_walked() -> None:
    assert set(ROOTS) - set(argument_table(EMPTY, "140404")) == set(), (
        "teach the walker these root fields")


def _revealing_purpose(role: str) -> str | None:
    """The purpose the role may declare that reveals the most sensitive fields."""
    rule = RAW["roles"][role]

    def revealed(purpose: str) -> int:
        return sum(1 for ref in rule.get("reveal", []) if purpose in RAW["sensitive"][ref])

    best = max(rule.get("purposes", []), key=revealed, default=None)
    return best if best is not None and revealed(best) else None


# The root that takes one argument set (every child at once) carries the bulk of the tree;
# ``children`` gets a whole tree of its own, because its filters may stand for the scope
# condition at its own match and never below it.
ROOT_ORDER = ["childrenByIds", *(r for r in ROOTS if r != "childrenByIds")]
FULL_TREES = ("children",)


async def test_coverage_trees_for_every_role(walked: tuple[Graph, Settings, World]) -> None:
    graph, settings, known = walked
    trees = WALKER.coverage_trees(ROOT_ORDER, FULL_TREES)
    probes = WALKER.coverage_trees(ROOT_ORDER)  # every root with the shared trees only
    # Per role: the whole trees without a purpose, then every argument with the shared trees
    # and the purpose that reveals most (a purpose changes masks only). The whole tree of a
    # FULL_TREES root is asked with the arguments that change how it is compiled (no filter;
    # a filter that may stand for the scope); its other arguments get the shared trees.
    cases = [(role, purpose, full) for role in ROLES
             for purpose, full in ((None, True), (_revealing_purpose(role), False))]

    def whole(role: str, root: str) -> bool:
        """A FULL_TREES root's whole tree, for the roles whose scope a filter may stand for
        (rows: region); the others meet that root's own compilation with the shared trees."""
        return root not in FULL_TREES or RAW["roles"][role]["rows"] == "region"
    lock = asyncio.Semaphore(2)  # the database plans two big queries at once on two cores

    async def one(role: str, purpose: str | None, full: bool, root: str) -> int:
        arguments = argument_table(known, SUBJECTS[role][1])[root]
        full = full and whole(role, root)
        if full and root in FULL_TREES:
            arguments = arguments[:2]
        document = WALKER.document(root, arguments, (trees if full else probes)[root])
        async with lock:
            data, errors, record = await run(graph, settings, role, purpose, document)
        codes = {e.get("extensions", {}).get("code") for e in errors}
        assert codes <= REFUSALS, (root, role, errors[:2])
        return check(role, purpose, data, record, known, root)

    checked = await asyncio.gather(*(one(role, purpose, full, root)
                                     for role, purpose, full in cases for root in ROOT_ORDER))
    queries, values = len(checked), sum(checked)
    STATS.update({"roles": len(ROLES), "root fields": len(ROOTS),
                  "relationships": sum(_count(t) for r in trees.values() for t in r.values()),
                  "role × purpose × tree cases": len(cases), "coverage queries": queries,
                  "values checked": values})
    assert values > 1000


def _count(tree: dict[Any, Any]) -> int:
    return sum(1 + _count(below) for below in tree.values())


async def test_the_audit_roots_are_for_auditors_only(
    walked: tuple[Graph, Settings, World]
) -> None:
    graph, settings, _ = walked
    queries = {
        "accessEvents": "{ accessEvents { edges { node { id } } } }",
        "accessVolumes": '{ accessVolumes(from: "2024-01-01T00:00:00Z", '
                         'to: "2030-01-01T00:00:00Z") { bySubject { key } } }',
        "unusualAccess": '{ unusualAccess(from: "2024-01-01T00:00:00Z", '
                         'to: "2030-01-01T00:00:00Z") { kind } }',
        "childAccessReport": '{ childAccessReport(childId: "ch_1") { summary } }',
        "auditChainStatus": "{ auditChainStatus { ok } }",
        "auditSubjects": '{ auditSubjects(keys: ["x"]) { kind } }',
        "auditChildren": '{ auditChildren(name: "张") { id } }',
        "childAccessLetter": '{ childAccessLetter(childId: "ch_1") { summary } }',
    }
    assert set(queries) == AUDIT_ROOTS
    for role, (name, query) in itertools.product(ROLES, queries.items()):
        _, errors, _ = await run(graph, settings, role, None, query)
        codes = {e.get("extensions", {}).get("code") for e in errors}
        assert (codes == {"FORBIDDEN"}) is (role != "auditor"), (role, name, errors)


@st.composite
def walks(draw: st.DrawFn) -> tuple[str, dict[str, dict[Step, Any]], str, int]:
    """A path of any shape from a root field, to the depth cap."""
    root = draw(st.sampled_from(ROOTS))
    start = draw(st.sampled_from([t.name for t in WALKER.root_types(root)]))
    tree: dict[Step, Any] = {}
    node, runtime = tree, start
    # The probes' leaves are one level below the last object: at most the cap.
    for _ in range(draw(st.integers(min_value=1, max_value=WALKER.max_depth - 1))):
        options = WALKER.edges(runtime)
        if not options:
            break
        step = draw(st.sampled_from(options))
        node = node.setdefault(step, {})
        runtime = step[1]
    role = draw(st.sampled_from(ROLES))
    return root, {start: tree}, role, draw(st.integers(min_value=0, max_value=2))


WALKS = {"count": 0, "refused for cost": 0}


@hyp_settings(max_examples=80, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(walk=walks())
async def test_random_walks(
    walked: tuple[Graph, Settings, World], walk: tuple[str, dict[str, Any], str, int]
) -> None:
    graph, settings, known = walked
    root, trees, role, which = walk
    purposes = _purposes(role)
    purpose = purposes[which % len(purposes)]
    document = WALKER.document(root, argument_table(known, SUBJECTS[role][1])[root], trees)
    data, errors, record = await run(graph, settings, role, purpose, document)
    codes = {e.get("extensions", {}).get("code") for e in errors}
    # A walk may be too costly for a small role's budget: refused whole, nothing disclosed.
    assert codes <= REFUSALS | {"COST_LIMIT"}, (root, role, errors[:2])
    check(role, purpose, data, record, known, f"walk from {root}")
    WALKS["count"] += 1
    WALKS["refused for cost"] += "COST_LIMIT" in codes
    STATS["random walks"] = WALKS["count"]
    STATS["walks refused for cost"] = WALKS["refused for cost"]


# Writes that cannot move a child in or out of anyone's row scope (none places, ends or hands
# over): each is answered through the same compiler, with a whole tree below the written record.
WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "recordAssessment": ("Assessment", {"date": "2024-10-01", "kind": EnumValue("PERIODIC"),
                                        "recommendation": EnumValue("REGULAR_CLASS")}),
    "recordServiceSession": ("ServiceSession", {"kind": EnumValue("ITINERANT_GUIDANCE"),
                                                "date": "2024-10-02", "hours": 1.0,
                                                "organisationId": "rc_1"}),
    "updatePlan": ("Plan", {"date": "2024-10-03", "goals": "认识数字"}),
    "openDropoutCase": ("DropoutCase", {"date": "2024-10-04", "reason": "长期缺课"}),
}


async def test_writes_answer_within_scope(walked: tuple[Graph, Settings, World]) -> None:
    """A write returns the record it wrote to its writer (who supplied it); all below it is
    scoped like any read, and the audit names the child written about."""
    graph, settings, known = walked
    trees = WALKER.coverage_trees(sorted(WRITES), operation="Mutation")
    runs = 0
    for role, (mutation, (kind, values)) in itertools.product(ROLES, WRITES.items()):
        if kind not in RAW["roles"][role].get("write", []):
            continue
        for child in ("ch_1", "ch_2", "ch_3"):
            arguments = [({"input": {"childId": child, **values}}, None)]
            document = WALKER.document(mutation, arguments, trees[mutation], "Mutation")
            data, errors, record = await run(graph, settings, role, None, document)
            codes = {e.get("extensions", {}).get("code") for e in errors}
            if child not in SUBJECTS[role][3]:
                assert codes == {"NOT_FOUND"}, (mutation, role, errors[:1])
            elif codes:  # the tree asks for a list built from kinds it may not see: nothing
                assert codes == {"FORBIDDEN"} and "Placement" not in RAW["roles"][role]["facts"]
            else:
                written = data["r0"].pop("wFact")  # its own kind need not be one it sees
                known.owner[written], known.kind[written] = child, kind
                check(role, None, data, record, known, mutation)
                assert child in record.children, (mutation, role, "written child not on record")
            runs += 1
    STATS["writes"] = runs

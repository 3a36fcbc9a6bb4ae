"""Queries on the real database: right answers, in one round trip per top-level field."""

from __future__ import annotations

import pytest

from hub.graph import Graph
from hub.settings import Settings
from tests.graphql_helpers import execute, seed

CHILD = """
query ($id: ID!) {
  child(id: $id) {
    id name sex birthDate idNumber regionCode disabilityCategory
    region { code name parent { code name } }
    currentPlacement {
      placementType stage status startDate endDate
      organisation { __typename id name ... on School { code schoolType } }
      schoolClass { name }
    }
    placements { id placementType endDate }
    currentPlan { version goals }
    plans { version }
    guidance: services(kind: ITINERANT_GUIDANCE) { id hours organisation { name } }
    allServices: services { id serviceKind }
    certificates { category grade numberMasked recordedBy source }
  }
}
"""


@pytest.fixture
async def seeded(graph: Graph) -> Graph:
    await seed(graph)
    return graph


async def test_child_whole_story_in_one_round_trip(seeded: Graph, settings: Settings) -> None:
    out = await execute(seeded, settings, CHILD, {"id": "ch_1"})
    assert out.errors == []
    assert out.round_trips == 1
    child = out.data["child"]
    assert child["name"] == "张小明"
    assert child["birthDate"] == "2016-03-02"
    assert child["disabilityCategory"] == "INTELLECTUAL"
    assert child["region"] == {"code": "140404", "name": "上党区",
                               "parent": {"code": "140400", "name": "长治市"}}
    current = child["currentPlacement"]
    assert current["placementType"] == "REGULAR_CLASS" and current["endDate"] is None
    assert current["organisation"] == {"__typename": "School", "id": "sch_1",
                                       "name": "上党区实验小学", "code": "2140404001",
                                       "schoolType": "PRIMARY"}
    assert current["schoolClass"] == {"name": "三年级2班"}
    assert [p["id"] for p in child["placements"]] == ["plc_2", "plc_1"]
    assert child["currentPlan"] == {"version": 2, "goals": "两位数加法"}
    assert child["plans"] == [{"version": 2}, {"version": 1}]
    assert child["guidance"] == [{"id": "svc_1", "hours": 2.0,
                                  "organisation": {"name": "上党区特殊教育资源中心"}}]
    assert [s["id"] for s in child["allServices"]] == ["svc_2", "svc_1"]
    assert child["certificates"][0]["recordedBy"] == "DPF"


async def test_unknown_child_is_not_found(seeded: Graph, settings: Settings) -> None:
    out = await execute(seeded, settings, CHILD, {"id": "ch_missing"})
    assert out.data == {"child": None}
    assert out.codes == ["NOT_FOUND"]
    assert "Cypher" not in out.errors[0]["message"]


async def test_timeline_orders_every_fact_and_filters(seeded: Graph, settings: Settings) -> None:
    query = """
    query ($id: ID!, $from: Date, $kinds: [String!]) {
      childTimeline(childId: $id, from: $from, kinds: $kinds) {
        __typename id date kind recordedBy
        ... on Placement { placementType }
        ... on ServiceSession { serviceKind hours }
      }
    }"""
    out = await execute(seeded, settings, query, {"id": "ch_1"})
    assert out.errors == [] and out.round_trips == 1
    items = out.data["childTimeline"]
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert [i["id"] for i in items] == [
        "crt_1", "plc_1", "pln_1", "plc_2", "pln_2", "svc_1", "svc_2"
    ]
    assert items[1] == {"__typename": "Placement", "id": "plc_1", "date": "2022-09-01",
                        "kind": "Placement", "recordedBy": "EDU",
                        "placementType": "SPECIAL_CLASS"}
    filtered = await execute(
        seeded, settings, query,
        {"id": "ch_1", "from": "2024-01-01", "kinds": ["ServiceSession", "Plan"]},
    )
    assert [i["id"] for i in filtered.data["childTimeline"]] == ["pln_2", "svc_1", "svc_2"]


async def test_bad_date_is_bad_user_input(seeded: Graph, settings: Settings) -> None:
    query = 'query { childTimeline(childId: "ch_1", from: "2024-13-45") { id } }'
    out = await execute(seeded, settings, query)
    assert out.codes == ["BAD_USER_INPUT"]
    assert out.round_trips == 0


async def test_children_pages_with_keyset_cursors(seeded: Graph, settings: Settings) -> None:
    query = """
    query ($after: String, $filter: ChildFilterInput) {
      children(filter: $filter, first: 1, after: $after) {
        totalCount
        edges { cursor node { id name } }
        pageInfo { hasNextPage endCursor }
      }
    }"""
    region = {"regionCode": "140404"}
    first = await execute(seeded, settings, query, {"filter": region})
    assert first.errors == [] and first.round_trips == 1
    page = first.data["children"]
    assert page["totalCount"] == 2
    assert [e["node"]["id"] for e in page["edges"]] == ["ch_1"]
    assert page["pageInfo"]["hasNextPage"] is True
    # a row inserted before the cursor does not shift the next page
    await seeded.write("CREATE (:Child {id: 'ch_0', name: '新生', regionCode: '140404'})")
    second = await execute(
        seeded, settings, query, {"filter": region, "after": page["pageInfo"]["endCursor"]}
    )
    page2 = second.data["children"]
    assert [e["node"]["id"] for e in page2["edges"]] == ["ch_3"]
    assert page2["pageInfo"]["hasNextPage"] is False
    assert page2["totalCount"] == 3


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"regionCode": "140400"}, ["ch_1", "ch_2", "ch_3"]),
        ({"regionCode": "140406"}, ["ch_2"]),
        ({"placementType": "REGULAR_CLASS"}, ["ch_1"]),
        ({"stage": "JUNIOR"}, ["ch_2"]),
        ({"organisationId": "sch_1"}, ["ch_1"]),
        ({"disabilityCategory": "INTELLECTUAL"}, ["ch_1"]),
        ({"specialNeed": "AUTISM"}, ["ch_2"]),
        ({"name": "张"}, ["ch_1", "ch_3"]),
        ({"name": "阿依古丽·"}, ["ch_2"]),
        ({"minAge": 13}, ["ch_2"]),
        ({"maxAge": 8}, ["ch_3"]),
        ({"regionCode": "140404", "placementType": "SPECIAL_SCHOOL"}, []),
    ],
)
async def test_children_filters(
    seeded: Graph, settings: Settings, filter: dict[str, object], expected: list[str]
) -> None:
    query = """query ($f: ChildFilterInput) {
      children(filter: $f, first: 50) { totalCount edges { node { id } } } }"""
    out = await execute(seeded, settings, query, {"f": filter})
    assert out.errors == []
    assert [e["node"]["id"] for e in out.data["children"]["edges"]] == expected
    assert out.data["children"]["totalCount"] == len(expected)


async def test_bad_filter_and_caps_are_refused(seeded: Graph, settings: Settings) -> None:
    bad_region = '{ children(filter: {regionCode: "999999"}) { totalCount } }'
    out = await execute(seeded, settings, bad_region)
    assert out.codes == ["BAD_USER_INPUT"] and out.errors[0]["message"].startswith("regionCode:")
    big = await execute(seeded, settings, "{ children(first: 100000) { totalCount } }")
    assert big.codes == ["BAD_USER_INPUT"] and "first" in big.errors[0]["message"]
    cursor = await execute(seeded, settings, '{ children(after: "bogus") { totalCount } }')
    assert cursor.codes == ["BAD_USER_INPUT"]
    deep = "{ child(id: \"ch_1\") { region { parent { parent { parent { parent { parent {" \
           " parent { parent { parent { code } } } } } } } } } } }"
    too_deep = await execute(seeded, settings, deep)
    assert too_deep.codes == ["BAD_USER_INPUT"] and too_deep.round_trips == 0


async def test_fragments_aliases_and_directives(seeded: Graph, settings: Settings) -> None:
    query = """
    fragment who on Child { name ...more }
    fragment more on Child { sex }
    query ($with: Boolean!, $without: Boolean!) {
      a: child(id: "ch_1") {
        ...who
        region @include(if: $with) { code }
        placements @skip(if: $without) { id }
        rehab: services(kind: REHABILITATION) { id }
        guidance: services(kind: ITINERANT_GUIDANCE) { id }
        ... on Child { birthDate }
      }
      b: child(id: "ch_2") { name }
    }"""
    out = await execute(seeded, settings, query, {"with": False, "without": True})
    assert out.errors == []
    assert out.round_trips == 2  # one per top-level field
    assert out.data["a"] == {"name": "张小明", "sex": "M", "rehab": [{"id": "svc_2"}],
                             "guidance": [{"id": "svc_1"}], "birthDate": "2016-03-02"}
    assert out.data["b"] == {"name": "阿依古丽·买买提"}


async def test_organisations_and_regions_with_their_children(
    seeded: Graph, settings: Settings
) -> None:
    query = """{
      school(id: "sch_1") { name classes { name } resourceRoom { teachers }
        servedBy { name level } children { totalCount edges { node { id } } } }
      resourceCenter(id: "rc_1") { level serves { code } children { totalCount } }
      region(code: "140400") { name children(first: 2) { totalCount
        edges { node { id } } pageInfo { hasNextPage } } }
    }"""
    out = await execute(seeded, settings, query)
    assert out.errors == [] and out.round_trips == 3
    school = out.data["school"]
    assert school["classes"] == [{"name": "三年级2班"}]
    assert school["resourceRoom"] == {"teachers": 2}
    assert school["servedBy"] == [{"name": "上党区特殊教育资源中心", "level": "COUNTY"}]
    assert school["children"] == {"totalCount": 1, "edges": [{"node": {"id": "ch_1"}}]}
    assert out.data["resourceCenter"] == {"level": "COUNTY", "serves": [{"code": "2140404001"}],
                                          "children": {"totalCount": 1}}
    region = out.data["region"]["children"]
    assert region["totalCount"] == 3 and region["pageInfo"] == {"hasNextPage": True}


@pytest.mark.parametrize(
    ("node_id", "typename"),
    [("ch_1", "Child"), ("plc_2", "Placement"), ("sch_1", "School"), ("rc_1", "ResourceCenter"),
     ("140404", "Region"), ("cls_1", "SchoolClass"), ("svc_2", "ServiceSession")],
)
async def test_node_fetches_any_kind(
    seeded: Graph, settings: Settings, node_id: str, typename: str
) -> None:
    query = """query ($id: ID!) { node(id: $id) { __typename id
      ... on Child { name } ... on Fact { date recordedBy } ... on Organisation { name } } }"""
    out = await execute(seeded, settings, query, {"id": node_id})
    assert out.errors == [] and out.round_trips == 1
    assert out.data["node"]["__typename"] == typename
    assert out.data["node"]["id"] == node_id
    missing = await execute(seeded, settings, query, {"id": "nothing"})
    assert missing.codes == ["NOT_FOUND"]

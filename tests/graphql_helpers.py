"""Running GraphQL operations against the real database in tests, counting round trips."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry

from auth.policy import default_policy
from hub import names
from hub.current import sync_all
from hub.graph import Graph, counting
from hub.identity import IdProtector
from hub.settings import Settings
from hub.subject import SYSTEM, Subject
from schema.api import build_schema
from schema.compile import Scope
from schema.context import Context
from schema.endpoint import context_for

_schemas: dict[int, strawberry.Schema] = {}


@dataclass
class Outcome:
    data: Any
    errors: list[dict[str, Any]]
    round_trips: int
    extensions: dict[str, Any]
    queries: list[tuple[str, dict[str, Any]]]

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


async def execute(
    graph: Graph,
    settings: Settings,
    query: str,
    variables: dict[str, Any] | None = None,
    scope: Scope | None = None,
    subject: Subject = SYSTEM,
) -> Outcome:
    schema = _schemas.setdefault(id(settings), build_schema(settings))
    if subject is SYSTEM:
        context = Context(graph=graph, settings=settings, scope=scope or Scope())
    else:
        context = context_for(graph, settings, default_policy(), subject, IdProtector(settings))
    async with counting() as trips:
        result = await schema.execute(query, variable_values=variables, context_value=context)
    errors: list[dict[str, Any]] = [dict(e.formatted) for e in result.errors or []]
    return Outcome(result.data, errors, trips.count, dict(result.extensions or {}), trips.queries)


SEED = """
MERGE (p:Region {code: '140000'}) SET p.name = '山西省', p.level = 'PROVINCE', p.current = true
MERGE (c:Region {code: '140400'}) SET c.name = '长治市', c.level = 'PREFECTURE', c.current = true
MERGE (k:Region {code: '140404'}) SET k.name = '上党区', k.level = 'COUNTY', k.current = true
MERGE (k2:Region {code: '140406'}) SET k2.name = '潞城区', k2.level = 'COUNTY', k2.current = true
MERGE (c)-[:PART_OF]->(p) MERGE (k)-[:PART_OF]->(c) MERGE (k2)-[:PART_OF]->(c)
CREATE (s:Organisation:School {id: 'sch_1', name: '上党区实验小学', code: '2140404001',
        schoolType: 'PRIMARY', regionCode: '140404'})-[:IN_REGION]->(k)
CREATE (s2:Organisation:School {id: 'sch_2', name: '潞城区特殊教育学校', code: '2140406002',
        schoolType: 'SPECIAL', regionCode: '140406'})-[:IN_REGION]->(k2)
CREATE (s)-[:HAS_CLASS]->(cls:SchoolClass {id: 'cls_1', name: '三年级2班', grade: '3',
        special: false})
CREATE (s)-[:HAS_RESOURCE_ROOM]->(:ResourceRoom {id: 'rr_1', teachers: 2})
CREATE (rc:Organisation:ResourceCenter {id: 'rc_1', name: '上党区特殊教育资源中心',
        level: 'COUNTY', regionCode: '140404'})-[:SERVES]->(s)
CREATE (x:Child {id: 'ch_1', name: '张小明', sex: 'M', birthDate: date('2016-03-02'),
        idMasked: '140421********1234', regionCode: '140404', disabilityCategory: 5,
        disabilityGrade: 2, specialNeeds: []})-[:LIVES_IN]->(k)
CREATE (y:Child {id: 'ch_2', name: '阿依古丽·买买提', sex: 'F', birthDate: date('2012-07-01'),
        regionCode: '140406', specialNeeds: ['AUTISM']})-[:LIVES_IN]->(k2)
CREATE (z:Child {id: 'ch_3', name: '张小红', sex: 'F', birthDate: date('2019-05-05'),
        regionCode: '140404', specialNeeds: []})-[:LIVES_IN]->(k)
CREATE (x)-[:HAS_FACT]->(old:Fact:Placement {id: 'plc_1', date: date('2022-09-01'),
        endDate: date('2024-07-01'), type: 'SPECIAL_CLASS', stage: 'PRIMARY',
        status: 'TRANSFERRED', recordedBy: 'EDU', recordedIn: '140404', source: 'api',
        sourceKey: 'plc_1', sourceRef: 'api/plc_1'})-[:AT]->(s2)
CREATE (x)-[:HAS_FACT]->(now:Fact:Placement {id: 'plc_2', date: date('2024-09-01'),
        type: 'REGULAR_CLASS', stage: 'PRIMARY', grade: '3', status: 'ACTIVE',
        studentNumber: 'G140421201603021234', recordedBy: 'EDU', recordedIn: '140404',
        source: 'edu-status', sourceKey: 'G1', sourceRef: 'edu-status/G1'})-[:AT]->(s)
CREATE (now)-[:IN_CLASS]->(cls)
CREATE (x)-[:HAS_FACT]->(:Fact:DisabilityCertificate {id: 'crt_1', date: date('2021-05-01'),
        category: 5, grade: 2, numberMasked: '140421**********1234', recordedBy: 'DPF',
        source: 'dpf-certificates', sourceKey: 'C1', sourceRef: 'dpf-certificates/C1'})
CREATE (x)-[:HAS_FACT]->(:Fact:ServiceSession {id: 'svc_1', date: date('2024-10-08'),
        kind: 'ITINERANT_GUIDANCE', hours: 2.0, content: ['EDUCATION'], recordedBy: 'EDU',
        source: 'api', sourceKey: 'svc_1', sourceRef: 'api/svc_1'})-[:BY]->(rc)
CREATE (x)-[:HAS_FACT]->(:Fact:ServiceSession {id: 'svc_2', date: date('2024-11-12'),
        kind: 'REHABILITATION', hours: 1.5, content: ['REHABILITATION'], recordedBy: 'DPF',
        source: 'rehab-sessions', sourceKey: 'R1', sourceRef: 'rehab-sessions/R1'})
CREATE (x)-[:HAS_FACT]->(:Fact:Plan {id: 'pln_1', date: date('2023-09-10'), version: 1,
        current: false, goals: '认识数字', recordedBy: 'EDU', source: 'api', sourceKey: 'pln_1',
        sourceRef: 'api/pln_1'})
CREATE (x)-[:HAS_FACT]->(:Fact:Plan {id: 'pln_2', date: date('2024-09-10'), version: 2,
        current: true, goals: '两位数加法', recordedBy: 'EDU', source: 'api', sourceKey: 'pln_2',
        sourceRef: 'api/pln_2'})
CREATE (y)-[:HAS_FACT]->(:Fact:Placement {id: 'plc_3', date: date('2021-09-01'),
        type: 'SPECIAL_SCHOOL', stage: 'JUNIOR', status: 'ACTIVE', recordedBy: 'EDU',
        source: 'api', sourceKey: 'plc_3', sourceRef: 'api/plc_3'})-[:AT]->(s2)
"""


async def plan_operators(graph: Graph, cypher: str, params: dict[str, Any]) -> list[str]:
    """The operators of the plan Neo4j makes for ``cypher`` (EXPLAIN: nothing runs)."""
    return [operator for operator, _ in await plan_steps(graph, cypher, params)]


async def plan_steps(
    graph: Graph, cypher: str, params: dict[str, Any]
) -> list[tuple[str, str]]:
    """(operator, details) of each step of the plan, top down: the details say what an
    operator scans, seeks, expands or filters on (``Filter | p.type = $p0``)."""
    async with graph.driver.session(database=graph.database) as session:
        result = await session.run("EXPLAIN " + cypher, params)
        summary = await result.consume()

    def walk(plan: dict[str, Any]) -> list[tuple[str, str]]:
        step = (str(plan["operatorType"]), str(plan.get("args", {}).get("Details", "")))
        return [step, *(s for child in plan.get("children", []) for s in walk(child))]

    return walk(summary.plan)


async def seed(graph: Graph) -> None:
    await graph.write(SEED)
    await sync_all(graph)  # the placements above were written raw: give them their pointers
    await names.backfill(graph)  # and the children raw: give them their search text

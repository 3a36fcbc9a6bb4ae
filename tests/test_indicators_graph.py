"""A small hand-computed graph for the indicators: every rule's edge case sits in it.

School year 2025 (2025-09-01..2026-08-31, ages on 2025-08-31, census 2025-09-01), lists as of
2026-06-30, stalled after 30 days, hollow window 30 days. County 140404 unless said otherwise.

| child | born | evidence | placement on the census day | what it tests |
|---|---|---|---|---|
| ch_a | 2019-08-31 | certificate | PRIMARY REGULAR_CLASS in cls_1 | 6 on 31 Aug: compulsory |
| ch_b | 2019-09-01 | POSITIVE screening | none | 6 a day later: preschool band |
| ch_c | 2015-05-01 | certificate | HOME_DELIVERY at sch_s | exactly 120 hours (40 × 3 h) |
| ch_d | 2014-03-03 | certificate | HOME_DELIVERY at sch_s | 112.5 h, a 1.5 h visit, last |
|  |  |  |  | visit 30 days before as-of: hollow |
| ch_e | 2012-01-10 | welfare + category | WELFARE_CLASS at wfi | roster by welfare listing |
| ch_f | 2011-06-06 | certificate | JUNIOR REGULAR_CLASS, ended 2026-05-30 | stalled: 31 days |
| ch_g | 2011-07-07 | certificate | JUNIOR REGULAR_CLASS, ended 2026-05-31 | 30 days: not stalled |
| ch_n | 2013-02-02 | certificate | none | should enrol, not enrolled; open case |
| ch_q | 2009-01-01 | certificate | none | senior band, not enrolled |
| ch_r | 2008-10-01 | certificate | SENIOR REGULAR_CLASS | senior band (16 on 31 Aug) |
| ch_x | 2007-08-31 | certificate | none | 18 on 31 Aug: not on the roster |
| ch_h, ch_i | 2018 | none | PRIMARY REGULAR_CLASS in cls_1 | cls_1 has exactly 3 |
| ch_j–ch_m | 2018 | none | PRIMARY REGULAR_CLASS in cls_2 | cls_2 has 4: flagged |
| sp_001–sp_097 | 2016 | none | PRIMARY SPECIAL_SCHOOL at sch_s | sch_s has 99 pupils |
| ch_o, ch_p | 2013 | none | none | cases closed after 20 and 40 days |
| ch_s | 2014-01-01 | none | PRIMARY, ended 2025-07-01 | did not return (dropout check), stalled |
| ch_z (140406) | 2015 | certificate | none | another county: outside the region |
"""

from __future__ import annotations

import datetime as dt

from hub.current import sync_all
from hub.graph import Graph

AS_OF = dt.date(2026, 6, 30)
YEAR = 2025

C_VISITS = [dt.date(2025, 9, 2) + dt.timedelta(days=7 * k) for k in range(40)]
D_VISITS = [dt.date(2026, 5, 31) - dt.timedelta(days=7 * k) for k in range(38)]

GRAPH = """
MERGE (p:Region {code: '140000'}) SET p.name = '山西省', p.level = 'PROVINCE', p.current = true
MERGE (city:Region {code: '140400'}) SET city.name = '长治市', city.level = 'PREFECTURE',
      city.current = true
MERGE (k:Region {code: '140404'}) SET k.name = '上党区', k.level = 'COUNTY', k.current = true
MERGE (k2:Region {code: '140406'}) SET k2.name = '潞城区', k2.level = 'COUNTY', k2.current = true
MERGE (city)-[:PART_OF]->(p) MERGE (k)-[:PART_OF]->(city) MERGE (k2)-[:PART_OF]->(city)
CREATE (sp:Organisation:School {id: 'sch_p', name: '上党区实验小学', schoolType: 'PRIMARY',
        regionCode: '140404', code: '2140404001'})
CREATE (sj:Organisation:School {id: 'sch_j', name: '上党区第一中学', schoolType: 'JUNIOR',
        regionCode: '140404', code: '2140404002'})
CREATE (ss:Organisation:School {id: 'sch_s', name: '上党区特殊教育学校', schoolType: 'SPECIAL',
        regionCode: '140404', code: '2140404003'})
CREATE (wfi:Organisation:WelfareInstitution {id: 'wfi', name: '福利院', regionCode: '140404'})
CREATE (sp)-[:HAS_CLASS]->(:SchoolClass {id: 'cls_1', name: '一年级1班', grade: 1,
        special: false})
CREATE (sp)-[:HAS_CLASS]->(:SchoolClass {id: 'cls_2', name: '一年级2班', grade: 1,
        special: false})
WITH 1 AS one
UNWIND $children AS row
MATCH (r:Region {code: row.region})
CREATE (c:Child {id: row.id, name: row.name, birthDate: row.born, regionCode: row.region,
        disabilityCategory: row.category, specialNeeds: []})-[:LIVES_IN]->(r)
WITH c, row
FOREACH (_ IN CASE WHEN row.cert THEN [1] ELSE [] END |
  CREATE (c)-[:HAS_FACT]->(:Fact:DisabilityCertificate {id: 'crt_' + row.id,
          date: date('2024-01-01'), category: 5, grade: 2, recordedBy: 'DPF', source: 't',
          sourceKey: 'crt_' + row.id, sourceRef: 't/crt_' + row.id}))
FOREACH (_ IN CASE WHEN row.screening THEN [1] ELSE [] END |
  CREATE (c)-[:HAS_FACT]->(:Fact:Screening {id: 'scr_' + row.id, date: date('2023-01-01'),
          result: 'POSITIVE', recordedBy: 'HEALTH', source: 't', sourceKey: 'scr_' + row.id,
          sourceRef: 't/scr_' + row.id}))
FOREACH (_ IN CASE WHEN row.welfare THEN [1] ELSE [] END |
  CREATE (c)-[:HAS_FACT]->(:Fact:WelfareStatus {id: 'wel_' + row.id, date: date('2020-01-01'),
          category: 'ORPHAN', recordedBy: 'CIVIL', source: 't', sourceKey: 'wel_' + row.id,
          sourceRef: 't/wel_' + row.id}))
WITH c, row WHERE row.placement IS NOT NULL
MATCH (o:Organisation {id: row.placement.org})
CREATE (c)-[:HAS_FACT]->(pl:Fact:Placement {id: 'plc_' + row.id, type: row.placement.type,
        stage: row.placement.stage, date: row.placement.from, endDate: row.placement.to,
        status: row.placement.status, recordedBy: 'EDU', source: 't', sourceKey: 'plc_' + row.id,
        sourceRef: 't/plc_' + row.id})-[:AT]->(o)
WITH pl, row WHERE row.placement.class IS NOT NULL
MATCH (k:SchoolClass {id: row.placement.class})
CREATE (pl)-[:IN_CLASS]->(k)
"""

EXTRA = """
UNWIND $visits AS v
MATCH (c:Child {id: v.child})
CREATE (c)-[:HAS_FACT]->(:Fact:ServiceSession {id: v.id, kind: 'HOME_DELIVERY', date: v.date,
        hours: v.hours, recordedBy: 'EDU', source: 't', sourceKey: v.id, sourceRef: 't/' + v.id})
WITH count(*) AS done
MATCH (a:Child {id: 'ch_a'}), (e:Child {id: 'ch_e'}), (c:Child {id: 'ch_c'})
MATCH (n:Child {id: 'ch_n'}), (o:Child {id: 'ch_o'}), (p:Child {id: 'ch_p'})
MATCH (sch:School {id: 'sch_j'})
CREATE (a)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_a', date: date('2026-06-01'),
        status: 'PLANNED', fromStage: 'PRIMARY', toStage: 'PRIMARY', recordedBy: 'EDU',
        source: 't', sourceKey: 'trn_a', sourceRef: 't/trn_a'})-[:RECEIVING]->(sch)
CREATE (e)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_e', date: date('2025-07-01'),
        status: 'COMPLETED', completedOn: date('2025-09-01'), fromStage: 'PRIMARY',
        toStage: 'JUNIOR', recordedBy: 'EDU', source: 't', sourceKey: 'trn_e',
        sourceRef: 't/trn_e'})
CREATE (c)-[:HAS_FACT]->(:Fact:Transition {id: 'trn_c', date: date('2024-07-01'),
        status: 'COMPLETED', completedOn: date('2025-08-31'), fromStage: 'PRESCHOOL',
        toStage: 'PRIMARY', recordedBy: 'EDU', source: 't', sourceKey: 'trn_c',
        sourceRef: 't/trn_c'})
CREATE (n)-[:HAS_FACT]->(:Fact:DropoutCase {id: 'drp_n', date: date('2026-03-01'),
        status: 'OPEN', reason: '家长不愿送学', recordedBy: 'EDU', source: 't',
        sourceKey: 'drp_n', sourceRef: 't/drp_n'})
CREATE (o)-[:HAS_FACT]->(:Fact:DropoutCase {id: 'drp_o', date: date('2025-10-01'),
        closedOn: date('2025-10-21'), status: 'CLOSED', resolution: '已劝返复学',
        recordedBy: 'EDU', source: 't', sourceKey: 'drp_o', sourceRef: 't/drp_o'})
CREATE (p)-[:HAS_FACT]->(:Fact:DropoutCase {id: 'drp_p', date: date('2025-11-01'),
        closedOn: date('2025-12-11'), status: 'CLOSED', resolution: '转为送教上门',
        recordedBy: 'EDU', source: 't', sourceKey: 'drp_p', sourceRef: 't/drp_p'})
"""


def _placement(org: str, type_: str, stage: str, start: str, end: str | None = None,
               status: str = "ACTIVE", klass: str | None = None) -> dict[str, object]:
    return {"org": org, "type": type_, "stage": stage, "from": dt.date.fromisoformat(start),
            "to": dt.date.fromisoformat(end) if end else None, "status": status,
            "class": klass}


def _child(id_: str, born: str, *, region: str = "140404", cert: bool = False,
           screening: bool = False, welfare: bool = False, category: int | None = None,
           placement: dict[str, object] | None = None) -> dict[str, object]:
    return {"id": id_, "name": f"测试{id_}", "born": dt.date.fromisoformat(born),
            "region": region, "cert": cert, "screening": screening, "welfare": welfare,
            "category": category if category is not None else (5 if cert else None),
            "placement": placement}


def children() -> list[dict[str, object]]:
    regular = "REGULAR_CLASS"
    rows = [
        _child("ch_a", "2019-08-31", cert=True,
               placement=_placement("sch_p", regular, "PRIMARY", "2025-09-01", klass="cls_1")),
        _child("ch_b", "2019-09-01", screening=True),
        _child("ch_c", "2015-05-01", cert=True,
               placement=_placement("sch_s", "HOME_DELIVERY", "PRIMARY", "2024-09-01")),
        _child("ch_d", "2014-03-03", cert=True,
               placement=_placement("sch_s", "HOME_DELIVERY", "PRIMARY", "2024-09-01")),
        _child("ch_e", "2012-01-10", welfare=True, category=4,
               placement=_placement("wfi", "WELFARE_CLASS", "JUNIOR", "2019-09-01")),
        _child("ch_f", "2011-06-06", cert=True,
               placement=_placement("sch_j", regular, "JUNIOR", "2023-09-01", "2026-05-30",
                                    "TRANSFERRED")),
        _child("ch_g", "2011-07-07", cert=True,
               placement=_placement("sch_j", regular, "JUNIOR", "2023-09-01", "2026-05-31",
                                    "TRANSFERRED")),
        _child("ch_n", "2013-02-02", cert=True),
        _child("ch_q", "2009-01-01", cert=True),
        _child("ch_r", "2008-10-01", cert=True,
               placement=_placement("sch_j", regular, "SENIOR", "2024-09-01")),
        _child("ch_x", "2007-08-31", cert=True),
        _child("ch_o", "2013-05-05"),
        _child("ch_p", "2013-06-06"),
        _child("ch_s", "2014-01-01",
               placement=_placement("sch_p", regular, "PRIMARY", "2019-09-01", "2025-07-01",
                                    "GRADUATED")),
        _child("ch_z", "2015-01-01", region="140406", cert=True),
    ]
    for id_, klass in (("ch_h", "cls_1"), ("ch_i", "cls_1"), ("ch_j", "cls_2"),
                       ("ch_k", "cls_2"), ("ch_l", "cls_2"), ("ch_m", "cls_2")):
        rows.append(_child(id_, "2018-03-03", placement=_placement(
            "sch_p", regular, "PRIMARY", "2025-09-01", klass=klass)))
    for n in range(1, 98):
        rows.append(_child(f"sp_{n:03d}", "2016-04-04", placement=_placement(
            "sch_s", "SPECIAL_SCHOOL", "PRIMARY", "2024-09-01")))
    return rows


def visits() -> list[dict[str, object]]:
    rows = [{"child": "ch_c", "id": f"svc_c{n}", "date": day, "hours": 3.0}
            for n, day in enumerate(C_VISITS)]
    rows += [{"child": "ch_d", "id": f"svc_d{n}", "date": day,
              "hours": 1.5 if n == len(D_VISITS) - 1 else 3.0}
             for n, day in enumerate(D_VISITS)]
    return rows


async def load(graph: Graph) -> None:
    await graph.write(GRAPH, {"children": children()})
    await graph.write(EXTRA, {"visits": visits()})
    await sync_all(graph)  # placements written raw: their children's current-placement pointers

"""The guardian's letter (issue 15): grouped by organisation and purpose with count and first
and last day, one language, writes told as what they recorded, no field paths or ids."""

from __future__ import annotations

import re
from typing import Any

from audit import letter
from auth import people
from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import Settings
from tests.graphql_helpers import seed

PURPOSES = default_policy().spec.purposes


def _event(seq: int, day: str, child: str, **extra: Any) -> dict[str, Any]:
    return {"seq": seq, "id": f"ev_{seq}", "time": f"{day}T02:00:00.000000Z", "kind": "graphql",
            "action": "R", "outcome": "ok", "children": [child], "hash": f"h{seq}",
            "fields": ["children.edges.node.name", "children.pageInfo.endCursor"], **extra}


def event_rows(person_id: str, n: int, child: str = "ch_1") -> list[dict[str, Any]]:
    """``n`` accesses to ``child`` over two months: the person reads for service delivery, the
    county's education bureau system reads for placement assessment, and a few writes."""
    rows = []
    for i in range(n):
        day = f"2026-0{3 + (i % 2)}-{1 + i % 28:02d}"
        if i % 10 == 0:
            rows.append(_event(900_000 + i, day, child, action="U", subjectId=person_id,
                               department="EDU", region="140404", purpose="SERVICE_DELIVERY",
                               rootFields=["recordServiceSession"], roles=["x"]))
        elif i % 2:
            rows.append(_event(900_000 + i, day, child, subjectId=person_id, department="EDU",
                               region="140404", purpose="SERVICE_DELIVERY",
                               rootFields=["child"], roles=["resource-centre-staff"]))
        else:
            rows.append(_event(900_000 + i, day, child, subjectId="cl_unregistered",
                               department="EDU", region="140404",
                               purpose="PLACEMENT_ASSESSMENT", rootFields=["children"],
                               roles=["edu-officer"]))
    return rows


async def many_events(graph: Graph, person_id: str, n: int, child: str = "ch_1") -> None:
    rows = event_rows(person_id, n, child)
    await graph.write("UNWIND $rows AS row CREATE (e:AuditEvent) SET e = row", {"rows": rows})


async def test_the_letter_groups_accesses_by_organisation_and_purpose(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    person = await people.add_person(
        graph, default_policy(), username="wang.li", password="correct-horse-battery",
        department="EDU", region="140404", roles=["resource-centre-staff"], works_at=["rc_1"],
        display_name="王丽")
    await many_events(graph, person, 500)
    zh = await letter.write_letter(graph, settings, PURPOSES, "ch_1", "zh")
    assert zh.total == 500 and zh.writes == 50 and zh.reads == 450
    assert zh.child_name == "张小明" and zh.birth_date == "2016-03-02"
    assert zh.organisations == 2 and (zh.first, zh.last) == ("2026-03-01", "2026-04-28")
    texts = [g.text for g in zh.groups]
    assert len(texts) == 3  # one line per organisation, purpose and what was done
    assert "长治市上党区教育局 为安置评估查看过 200 次，2026-03-01 至 2026-03-27" in texts
    centre = "上党区特殊教育资源中心"
    assert f"{centre} 为服务提供记录了送教、巡回指导等服务 50 次，2026-03-01 至 2026-03-27" in texts
    assert "上党区特殊教育资源中心 为服务提供查看过 250 次，2026-04-02 至 2026-04-28" in texts
    assert "共 500 次" in zh.summary
    whole = zh.summary + "".join(texts)
    assert not re.search(r"[A-Za-z]{3,}|endCursor|ps_|cl_", whole)  # one language, no paths
    en = await letter.write_letter(graph, settings, PURPOSES, "ch_1", "en")
    english = en.summary + "".join(g.text for g in en.groups)
    assert "viewed the record 200 times for placement assessment, 2026-03-01 to 2026-03-27" \
        in english
    assert "recorded service sessions for service delivery, 50 times" in english
    assert not re.search(r"[次为查看至记录]", english.replace("张小明", ""))
    assert "endCursor" not in english and "T02:00" not in english


async def test_a_child_nobody_accessed_gets_a_letter_saying_so(graph: Graph,
                                                              settings: Settings) -> None:
    await seed(graph)
    quiet = await letter.write_letter(graph, settings, PURPOSES, "ch_3", "zh")
    assert quiet.total == 0 and quiet.groups == []
    assert "没有任何单位访问过张小红的记录" in quiet.summary

"""A snapshot batch reconciles only the children it has to (issue 14), and the graph is the
one full reconciliation would give.

A batch settles in memory the placements of the children it created (``settle_new``) and
runs ``settle_snapshot`` only for the children whose placements it added to, moved, or started
or ended on another day (``SNAPSHOT_KNOWN`` returns them); a row re-listing a placement as it
was touches nobody's pointer. Whatever the batch size, running the full reconciliation
(``end_superseded`` and ``sync_current`` over every child) afterwards must change nothing, and
hub/current.py's invariant must hold after every load.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from devtools.generate import make_id
from hub.graph import Graph, native
from hub.identity import IdProtector
from hub.services.placements import settle_snapshot
from tests.test_current import check_pointers
from tests.test_ingest import csv_file, edu_row, ingest, protector

__all__ = ["protector"]

S1, S2 = "2114040001", "2114040002"
BORN = dt.date(2015, 3, 2)
IDS = {name: make_id("140402", BORN, 2 * n, "F") for n, name in
       enumerate("ABCDEFG", start=300)}


def row(name: str, school: str = S1, **changes: object) -> dict[str, object]:
    number = IDS[name]
    return edu_row(**{"姓名": f"赵{name}", "身份证号": number, "学籍号": f"G{number}",
                      "学校标识码": school, "学校名称": f"学校{school[-1]}", **changes})


# Three snapshots: several placements of one new child in one file, a status ending one, a
# later stage, a re-opened one, a new placement of a known child, a changed enrolment day,
# a pupil gone from the roll and back, and rows that only re-list what was there.
SNAPSHOTS: list[tuple[dt.date, list[dict[str, object]]]] = [
    (dt.date(2025, 6, 30), [
        row("A"), row("A", S2, **{"入学日期": "2024-09-01"}),
        row("B", **{"学籍状态": "转出"}),
        row("C"), row("C", **{"学段": "初中", "年级": "七年级", "入学日期": "2024-09-01"}),
        row("D", **{"学籍状态": "休学"}),
        row("E", **{"入学日期": ""}),
        row("G", S2, **{"学籍状态": "毕业"}), row("G", S2, **{"就读方式": "特教班"}),
    ]),
    (dt.date(2025, 9, 15), [
        row("A"), row("A", S2, **{"入学日期": "2024-09-01"}),
        row("B"),  # back at school: the snapshot's end is undone
        row("C", S2, **{"学段": "初中", "年级": "八年级", "入学日期": "2025-09-01"}),
        row("D", **{"入学日期": "2021-10-08"}),
        row("F"), row("F", S2, **{"入学日期": "2025-09-01", "班级": "2班"}),
        row("G", S2, **{"学籍状态": "毕业"}), row("G", S2, **{"就读方式": "特教班"}),
    ]),  # E is not listed: gone from S1's roll
    (dt.date(2025, 10, 8), [
        row("A"), row("A", S2, **{"入学日期": "2024-09-01"}), row("B"),
        row("C", S2, **{"学段": "初中", "年级": "八年级", "入学日期": "2025-09-01"}),
        # D now in a special class: a new placement (type is part of its ref), and the
        # child's mirror of its current placement's type follows
        row("D", **{"入学日期": "2021-10-08", "就读方式": "特教班"}), row("E", **{"入学日期": ""}),
        row("F"), row("F", S2, **{"入学日期": "2025-09-01", "班级": "2班"}),
        row("G", S2, **{"学籍状态": "毕业"}), row("G", S2, **{"就读方式": "特教班"}),
    ]),
]


async def canonical(graph: Graph) -> dict[str, dict[str, Any]]:
    """Every placement by sourceRef: its child, days, end, class, and whether it is current."""
    rows = await graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(p:Placement) "
        "OPTIONAL MATCH (p)-[:IN_CLASS]->(k:SchoolClass) "
        "RETURN p.sourceRef AS ref, c.name AS child, p.date AS date, p.endDate AS endDate, "
        "p.status AS status, p.endReason AS endReason, p.endedBy AS endedBy, "
        "p.listedOn AS listedOn, p.leftRollOn AS leftRollOn, collect(k.key) AS classes, "
        "EXISTS { (c)-[:CURRENT_PLACEMENT]->(p) } AS current")
    return {r["ref"]: {k: native(v) for k, v in r.items()} for r in rows}


async def load_all(graph: Graph, protector: IdProtector, tmp_path: Path,
                   batch_size: int) -> list[dict[str, dict[str, Any]]]:
    states = []
    for number, (day, rows) in enumerate(SNAPSHOTS):
        path = csv_file(tmp_path, "edu-status", rows, name=f"edu-{batch_size}-{number}.csv")
        report = await ingest(graph, protector, "edu-status", path, as_of=day,
                              batch_size=batch_size)
        assert report.rejected == 0, report.rejects
        await check_pointers(graph)
        state = await canonical(graph)
        # The full reconciliation, as every batch ran it before: nothing left to do.
        children = [r["id"] for r in await graph.run("MATCH (c:Child) RETURN c.id AS id")]
        async with graph.transaction() as tx:
            await settle_snapshot(tx, children)
        assert await canonical(graph) == state
        states.append(state)
    return states


@pytest.mark.parametrize("batch_size", [1, 2, 3])
async def test_batches_settle_what_the_full_reconciliation_would(
    graph: Graph, protector: IdProtector, tmp_path: Path, batch_size: int
) -> None:
    small = await load_all(graph, protector, tmp_path, batch_size)
    await graph.empty()
    whole = await load_all(graph, protector, tmp_path, 2000)
    assert small == whole
    first, second, third = whole
    # What the rules say, spot-checked: A's first placement ended the day the second began.
    [a1] = [p for ref, p in first.items() if p["child"] == "赵A" and S1 in ref]
    assert (a1["endDate"], a1["endedBy"], a1["current"]) == (
        dt.date(2024, 9, 1), "NEXT_PLACEMENT", False)
    assert sorted(p["current"] for p in first.values() if p["child"] == "赵G") == [False, True]
    [e] = [p for p in second.values() if p["child"] == "赵E"]
    assert (e["endReason"], e["current"]) == ("LEFT_ROLL", False)
    [e] = [p for p in third.values() if p["child"] == "赵E"]
    assert (e["endDate"], e["current"]) == (None, True)
    [b] = [p for p in second.values() if p["child"] == "赵B"]
    assert (b["endDate"], b["current"]) == (None, True)

"""The review queue through GraphQL: who may see it, and merge / unmerge / reject."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.pipeline import load
from connectors.sources import SOURCES
from devtools import generate
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from hub.subject import Subject
from tests.graphql_helpers import execute
from tests.test_linkage import BORN, edu

SNAPSHOT_DAY = date(2024, 9, 1)  # the day the edu-status snapshots describe

QUEUE = "{ possibleDuplicates { items { id reason status children { name idMasked } } } }"


def officer(region: str) -> Subject:
    return Subject(kind="client", id=f"edu-{region}", department="EDU", region=region,
                   roles=frozenset({"edu-officer"}))


async def test_review_queue_through_graphql(
    graph: Graph, settings: Settings, tmp_path: Path
) -> None:
    first = generate.make_id("140402", BORN, 111, "M")
    typo = generate.make_id("140403", BORN, 111, "M")
    rows = [edu("李雷", first, "S1"), edu("李雷", typo, "S2")]
    path = generate.write_csv(tmp_path / "e.csv", SOURCES["edu-status"].columns, rows)
    await load(graph, SOURCES["edu-status"], path, IdProtector(settings), as_of=SNAPSHOT_DAY)
    await graph.write("MATCH (c:Child) SET c.regionCode = '140402'")

    city = await execute(graph, settings, QUEUE, subject=officer("140400"))
    assert city.errors == []
    [item] = city.data["possibleDuplicates"]["items"]
    assert item["reason"] == "ID_ONE_DIGIT_APART"
    assert all("*" in c["idMasked"] for c in item["children"])

    elsewhere = await execute(graph, settings, QUEUE, subject=officer("140500"))
    assert elsewhere.data["possibleDuplicates"]["items"] == []
    figures = Subject(kind="client", id="fin", department="FIN", region="140400",
                      roles=frozenset({"figures"}))
    assert (await execute(graph, settings, QUEUE, subject=figures)).codes == ["FORBIDDEN"]

    merge = 'mutation ($id: ID!) { mergeDuplicate(id: $id) }'
    outside = await execute(graph, settings, merge, {"id": item["id"]},
                            subject=officer("140500"))
    assert outside.codes == ["NOT_FOUND"]
    merged = await execute(graph, settings, merge, {"id": item["id"]}, subject=officer("140400"))
    assert merged.errors == []
    assert await graph.run("MATCH (c:Child) RETURN count(c) AS n") == [{"n": 1}]
    undo = 'mutation ($id: ID!) { unmergeDuplicate(id: $id) }'
    assert (await execute(graph, settings, undo, {"id": item["id"]},
                          subject=officer("140400"))).data == {"unmergeDuplicate": True}
    assert await graph.run("MATCH (c:Child) RETURN count(c) AS n") == [{"n": 2}]
    reject = 'mutation ($id: ID!) { rejectDuplicate(id: $id) }'
    assert (await execute(graph, settings, reject, {"id": item["id"]},
                          subject=officer("140400"))).errors == []
    again = await execute(graph, settings, reject, {"id": item["id"]},
                          subject=officer("140400"))
    assert again.codes == ["CONFLICT"]

"""`hub bench peer` runs end to end against the Neo4j GraphQL Library (its figures are measured by
the command, not here), and a difference between the two servers' answers stops it."""

from __future__ import annotations

import json
import shutil
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from devtools import bench_peer
from hub.graph import Graph

needs_npm = pytest.mark.skipif(
    shutil.which("npm") is None,
    reason="npm 未安装 npm not found: the peer (bench/peer, Node) cannot be installed or run")


@needs_npm
def test_bench_peer_reports_both_servers_figures(graph: Graph) -> None:
    # graph: emptied, so the command loads the demo city itself (as on an empty database).
    # Not a coroutine: the command runs its own event loop.
    from shell.cli import app

    result = CliRunner().invoke(
        app, ["bench", "peer", "--children", "60", "--requests", "20", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["children"] > 0 and figures["requests"] == 20
    # every sampled request was answered alike by both before anything was timed
    assert figures["same_answers"] == {"timeline": 20, "children_page": 20}
    assert set(figures["peer"]) == {"@neo4j/graphql", "@apollo/server", "neo4j-driver",
                                    "graphql"}
    assert figures["peer"]["@neo4j/graphql"].startswith("7.")
    for question in ("timeline", "children_page"):
        for concurrency in ("c1", "c8"):
            measured = figures[question][concurrency]
            for server in ("hub", "peer"):
                assert set(measured[server]) == {"p50_ms", "p95_ms", "rps"}
                assert measured[server]["p50_ms"] > 0 and measured[server]["rps"] > 0
                assert measured[server]["p95_ms"] >= measured[server]["p50_ms"]
            assert measured["rps_ratio"] > 0 and measured["p50_ratio"] > 0
    assert len(figures["load_average"]["start"]) == 3 == len(figures["load_average"]["end"])


def _server(name: str, answer: dict[str, Any]) -> bench_peer.Server:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": answer})

    client = httpx.AsyncClient(transport=httpx.MockTransport(reply), base_url="http://x")
    return bench_peer.Server(name, client, "/")


def _timeline(*facts: tuple[str, str]) -> list[dict[str, str]]:
    return [{"__typename": kind, "id": id} for kind, id in facts]


async def test_a_different_answer_stops_the_run() -> None:
    [timeline, page] = bench_peer._questions(["ch_1"], requests=1, seed=1)
    hub = _server("hub", {"childTimeline": _timeline(("Placement", "plc_1"), ("Plan", "pln_1"))})
    same = _server("peer", {"children": [{"facts": _timeline(("Placement", "plc_1"),
                                                             ("Plan", "pln_1"))}]})
    assert await bench_peer._check_same(timeline, hub, same) == 1
    swapped = _server("peer", {"children": [{"facts": _timeline(("Plan", "pln_1"),
                                                                ("Placement", "plc_1"))}]})
    with pytest.raises(bench_peer.PeerBenchError, match="differently"):
        await bench_peer._check_same(timeline, hub, swapped)
    missing = _server("peer", {"children": []})  # the peer found no such child
    with pytest.raises(bench_peer.PeerBenchError, match="unexpected answer"):
        await bench_peer._check_same(timeline, hub, missing)

    def connection(total: int, *ids: str) -> dict[str, Any]:
        return {"totalCount": total, "pageInfo": {"hasNextPage": False, "endCursor": None},
                "edges": [{"cursor": i, "node": {"id": i}} for i in ids]}

    hub_page = _server("hub", {"children": connection(2, "ch_1", "ch_2")})
    peer_page = _server("peer", {"childrenConnection": connection(3, "ch_1", "ch_2")})
    with pytest.raises(bench_peer.PeerBenchError, match="children_page"):
        await bench_peer._check_same(page, hub_page, peer_page)

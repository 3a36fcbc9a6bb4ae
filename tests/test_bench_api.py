"""`hub bench api` runs end to end (its figures are measured by the command, not here)."""

from __future__ import annotations

from devtools import bench_api
from devtools.demo.city import generate
from hub.graph import Graph
from hub.settings import Settings


async def test_bench_api_reports_every_figure(graph: Graph, settings: Settings) -> None:
    result = await bench_api.run(settings, children=40, requests=4, concurrency=2)
    assert result["children"] == len(generate(40, 1).on_file)  # those the files name
    for key in ("p50_ms", "p95_ms", "raw_p50_ms", "ratio_p50", "naive_p50_ms", "round_trips"):
        assert key in result
    assert result["round_trips"] == 1
    page = result["children_page"]
    assert page["round_trips"] == 1
    assert {"auth_ratio_p50", "audit_ratio_p50", "rps"} <= set(page)

"""The read timeout (hub/graph.py): the database stops a slow read, the client gets a code.

Real slow Cypher on the real database; a tiny timeout through the settings.
"""

from __future__ import annotations

import asyncio
import time

import strawberry
from strawberry.types import Info

from hub.errors import QueryTimeout
from hub.graph import Graph
from hub.settings import Settings
from schema.errors import ErrorCodes
from tests.graphql_helpers import execute, seed

# Burns CPU in the database until `$ms` have passed, whatever the machine's speed.
BURN = """WITH datetime.realtime() + duration({milliseconds: $ms}) AS until
UNWIND range(1, 1000000000000) AS i
WITH i, until WHERE datetime.realtime() > until
RETURN i LIMIT 1"""


async def _burners_left(graph: Graph) -> list[str]:
    """The burners the database still runs (a stopped one may take a moment to leave)."""
    for _ in range(20):
        rows = await graph.autocommit("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery")
        left = [r["currentQuery"] for r in rows if "datetime.realtime()" in r["currentQuery"]]
        if not left:
            break
        await asyncio.sleep(0.25)
    return left


async def test_a_slow_read_is_stopped_by_the_database_with_a_coded_error(
    graph: Graph, settings: Settings
) -> None:
    bounded = Graph.connect(settings.model_copy(update={"query_timeout_seconds": 0.5}))
    try:
        started = time.monotonic()
        # Three at once: each is stopped, none holds a connection after.
        results = await asyncio.wait_for(asyncio.gather(
            *(bounded.run(BURN, {"ms": 60_000}) for _ in range(3)), return_exceptions=True,
        ), timeout=30)
        assert time.monotonic() - started < 10  # the database's monitor checks every 2 s
        for result in results:
            assert isinstance(result, QueryTimeout)
            assert result.code == "QUERY_TIMEOUT"
            assert "查询超时" in result.message and "took too long" in result.message
        assert await _burners_left(graph) == []  # stopped in the database, not just abandoned
        assert await bounded.run("RETURN 1 AS one") == [{"one": 1}]
    finally:
        await bounded.close()


async def test_writes_and_operator_commands_are_not_bounded(
    graph: Graph, settings: Settings
) -> None:
    short = settings.model_copy(update={"query_timeout_seconds": 0.5})
    bounded = Graph.connect(short)
    operator = Graph.connect(short, bounded_reads=False)
    try:
        started = time.monotonic()
        assert await bounded.write(BURN, {"ms": 3500})  # an ingest batch, a migration
        assert await operator.run(BURN, {"ms": 3500})  # `hub audit verify` reading it all
        assert time.monotonic() - started >= 7
    finally:
        await bounded.close()
        await operator.close()


async def test_a_timed_out_read_reaches_the_client_as_query_timeout(
    graph: Graph, settings: Settings
) -> None:
    await seed(graph)
    bounded = Graph.connect(settings.model_copy(update={"query_timeout_seconds": 0.5}))

    # A resolver like the hub's: its read goes through Graph.run, its errors through ErrorCodes.
    @strawberry.type
    class Query:
        @strawberry.field
        async def slow(self, info: Info) -> int:
            rows = await info.context["graph"].run(BURN, {"ms": 60_000})
            return int(rows[0]["i"])

    slow = strawberry.Schema(query=Query, extensions=[ErrorCodes])
    try:
        result = await slow.execute("{ slow }", context_value={"graph": bounded})
        assert result.errors is not None
        [error] = [e.formatted for e in result.errors]
        assert error["extensions"] == {"code": "QUERY_TIMEOUT"}
        assert "took too long (over 0.5 s)" in error["message"]
        assert "UNWIND" not in str(error) and "Neo." not in str(error)
        # the hub's own API answers on the same connections right after
        answered = await execute(bounded, settings, '{ child(id: "ch_1") { name } }')
        assert answered.errors == [] and answered.data == {"child": {"name": "张小明"}}
    finally:
        await bounded.close()

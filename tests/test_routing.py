"""The hub on a routing URI (``neo4j://``, as a cluster is addressed), against the local single
server: reads go as read transactions, and a client reads its own write on its next request by
sending back the bookmark the write's response carried (hub/bookmarks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j.exceptions import ClientError

from hub.bookmarks import HEADER, Signer
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, http_client, register, token_for
from tests.graphql_helpers import seed

ASSESS = """
mutation ($input: RecordAssessmentInput!) {
  recordAssessment(input: $input) { id }
}"""
ASSESSMENT = {"childId": "ch_3", "date": "2025-06-01", "kind": "ENTRY",
              "recommendation": "REGULAR_CLASS", "summary": "可随班就读", "committeeId": "ec_1"}
COMMITTEE = """
MATCH (k:Region {code: '140404'})
CREATE (:Organisation:ExpertCommittee {id: 'ec_1', name: '上党区残疾人教育专家委员会',
        regionCode: '140404'})-[:IN_REGION]->(k)
"""
READ = "query ($id: ID!) { child(id: $id) { assessments { id } } }"


@pytest.fixture
def routed(settings: Settings, tmp_path: Path, neo4j_server: object) -> Settings:
    uri = settings.neo4j_uri.replace("bolt://", "neo4j://", 1)
    return settings.model_copy(update={"neo4j_uri": uri, "keys_dir": tmp_path / "keys",
                                       "auth_enabled": True})


async def test_reads_are_read_transactions_on_a_routing_uri(graph: Graph,
                                                            routed: Settings) -> None:
    routing = Graph.connect(routed)
    try:
        assert (await routing.run("RETURN 1 AS one")) == [{"one": 1}]
        # A read session refuses to write: on a cluster it is a secondary's to answer.
        with pytest.raises(ClientError) as refused:
            await routing.run("CREATE (:Stray) RETURN 1 AS one")
        assert refused.value.code == "Neo.ClientError.Statement.AccessMode"
        await routing.write("CREATE (:Stray)")
        assert (await routing.run("MATCH (s:Stray) RETURN count(s) AS n")) == [{"n": 1}]
    finally:
        await routing.close()


async def test_a_client_reads_its_own_write_with_the_bookmark(graph: Graph,
                                                              routed: Settings) -> None:
    await seed(graph)
    await graph.write(COMMITTEE)
    registered = await register(graph, "EDU", "140404", ["edu-officer"])
    async with http_client(routed) as client:
        token = await token_for(client, registered)
        read = await gql(client, token, READ, {"id": "ch_3"}, purpose="PLACEMENT_ASSESSMENT")
        assert read.status_code == 200 and HEADER.decode() not in read.headers  # no write
        wrote = await gql(client, token, ASSESS, {"input": ASSESSMENT},
                          purpose="PLACEMENT_ASSESSMENT")
        assert wrote.status_code == 200 and not wrote.json().get("errors"), wrote.text
        bookmark = wrote.headers[HEADER.decode()]
        assert Signer(routed.id_hmac_key.get_secret_value()).decode(bookmark)

        written = wrote.json()["data"]["recordAssessment"]["id"]
        after = await client.post(
            "/graphql", json={"query": READ, "variables": {"id": "ch_3"}},
            headers={"Authorization": f"Bearer {token}", "X-Purpose-Of-Use":
                     "PLACEMENT_ASSESSMENT", "X-Hub-Bookmark": bookmark})
        assert after.status_code == 200, after.text
        assert written in {a["id"] for a in after.json()["data"]["child"]["assessments"]}

        forged = bookmark[:-2] + ("AA" if not bookmark.endswith("AA") else "BB")
        refused = await client.post(
            "/graphql", json={"query": READ, "variables": {"id": "ch_3"}},
            headers={"Authorization": f"Bearer {token}", "X-Hub-Bookmark": forged})
        assert refused.status_code == 400 and "X-Hub-Bookmark" in refused.text

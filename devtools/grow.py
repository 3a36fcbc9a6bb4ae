"""``hub bench grow``: a larger city for the scale curve 扩充数据规模, by copying the children the
graph already holds — each copy a new child with its own ids and its whole record (every fact,
its links to schools, classes and institutions, the current-placement pointer), in the same
region as the original.

Why copies rather than a fresh demo city: the demo city enters through the department files and
the recording services (41 minutes at 100,000 children on this machine), so 300,000 would not fit
a session. A copy has exactly the shape the connectors wrote, because it is copied from what they
wrote — no second writer that could drift from theirs. What it does not reproduce: copies live
in the same counties and schools, so a county holds K times its children (a denser province,
not a larger one), and a copy's ID number is its original's (its ``idHash`` is new, so the
unique key holds; a look-up by ID number finds the original).

Bench data only: refused in production by the command, like every ``hub bench``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, LiteralString

from hub.graph import Graph

# The children to copy, page by page (keyset on id, originals only: a copy's id is recorded in
# ``copies``, so a second run of the command copies the originals again, not the copies).
_ORIGINALS: LiteralString = (
    "MATCH (c:Child) WHERE c.id > $after AND c.copyOf IS NULL "
    "RETURN c.id AS id, c.idHash AS idHash ORDER BY c.id LIMIT $page"
)
_FACTS: LiteralString = (
    "UNWIND $ids AS id MATCH (:Child {id: id})-->(f:Fact) "
    "RETURN DISTINCT id AS child, f.id AS fact"
)
# One statement per page of children: the child, its facts with their labels and properties,
# every relationship of the child and its facts — to a fact of the same child through the id
# map, to anything else (a region, an organisation, a class) as it is. Unique keys are checked
# as each property is set, so a copy's properties are set in one map with its own ids in it.
_COPY: LiteralString = """
UNWIND $rows AS row
MATCH (c:Child {id: row.child})
CREATE (n:Child)
SET n = c {.*, id: row.id, idHash: row.idHash, copyOf: c.id}
WITH c, n, row
CALL (c, row) {
  MATCH (c)-[]->(f:Fact)
  WITH DISTINCT f
  CREATE (g:$(labels(f)))
  SET g = f {.*, id: row.facts[f.id], sourceRef: f.sourceRef + '#' + $copy}
  RETURN count(g) AS facts
}
CALL (c, n, row) {
  MATCH (c)-[r]->(t)
  OPTIONAL MATCH (own:Fact {id: row.facts[t.id]})
  WITH n, r, coalesce(own, t) AS target
  CREATE (n)-[s:$(type(r))]->(target) SET s = properties(r)
  RETURN count(s) AS childLinks
}
CALL (c, row) {
  MATCH (c)-[]->(f:Fact)-[r]->(t)
  WITH DISTINCT f, r, t
  MATCH (g:Fact {id: row.facts[f.id]})
  OPTIONAL MATCH (own:Fact {id: row.facts[t.id]})
  WITH g, r, coalesce(own, t) AS target
  CREATE (g)-[s:$(type(r))]->(target) SET s = properties(r)
  RETURN count(s) AS factLinks
}
RETURN sum(facts) AS facts
"""


async def originals(graph: Graph) -> dict[str, int]:
    """How many children the graph holds that are not copies, and how many copies."""
    rows = await graph.run("MATCH (c:Child) RETURN count(c) AS all, count(c.copyOf) AS copies")
    return {"children": rows[0]["all"] - rows[0]["copies"], "copies": rows[0]["copies"]}


def copy_id(original: str, copy: int) -> str:
    """A new id of the same shape (prefix and length) as the original, one per copy."""
    prefix, _, body = original.rpartition("_")
    digest = hashlib.sha256(f"{copy}:{original}".encode()).hexdigest()[: len(body) or 16]
    return f"{prefix}_{digest}" if prefix else digest


def copy_hash(id_hash: str | None, copy: int) -> str | None:
    """A new key in place of the ID number's (a child known by no ID number has none)."""
    if id_hash is None:
        return None
    return hashlib.sha256(f"copy {copy}:{id_hash}".encode()).hexdigest()


async def grow(graph: Graph, copies: int, page: int = 200,
               progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Adds ``copies`` copies of every original child; returns how many children and facts
    were written. Each page is one transaction: a stop leaves whole children only."""
    written = {"children": 0, "facts": 0}
    after = ""
    while True:
        hashes = {row["id"]: row["idHash"]
                  for row in await graph.run(_ORIGINALS, {"after": after, "page": page})}
        if not hashes:
            return written
        ids = list(hashes)
        after = ids[-1]
        facts: dict[str, list[str]] = {child: [] for child in ids}
        for row in await graph.run(_FACTS, {"ids": ids}):
            facts[row["child"]].append(row["fact"])
        for copy in range(1, copies + 1):
            rows: list[dict[str, Any]] = [
                {"child": child, "id": copy_id(child, copy),
                 "idHash": copy_hash(hashes[child], copy),
                 "facts": {fact: copy_id(fact, copy) for fact in facts[child]}}
                for child in ids]
            result = await graph.write(_COPY, {"rows": rows, "copy": str(copy)})
            written["children"] += len(rows)
            written["facts"] += int(result[0]["facts"]) if result else 0
        if progress is not None:
            progress(len(ids))

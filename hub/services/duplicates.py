"""The review queue 疑似重复: near matches linkage would not merge by itself.

Identity resolution (``connectors/linkage.py``) never merges a near match; it files a
``DuplicateCandidate`` with its reason. A department officer pages through them here, merges
the two children (reversibly: the child merged away becomes a ``MergedChild`` and the facts
moved are listed on the item) or rejects the pair as two different children.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, LiteralString

from hub.current import sync_current
from hub.errors import Conflict, NotFound
from hub.graph import Graph, native
from hub.predicates import in_subtree

__all__ = [
    "DuplicateChild",
    "DuplicatePage",
    "DuplicateView",
    "merge_children",
    "possible_duplicates",
    "reject_duplicate",
    "unmerge",
]


@dataclass(frozen=True)
class DuplicateChild:
    id: str
    name: str | None
    sex: str | None
    birth_date: date | None
    id_masked: str | None
    region_code: str | None
    facts: int


@dataclass(frozen=True)
class DuplicateView:
    id: str
    reason: str
    status: str
    created_at: datetime | None
    children: tuple[DuplicateChild, ...]


@dataclass(frozen=True)
class DuplicatePage:
    items: tuple[DuplicateView, ...]
    end_cursor: str | None
    has_next_page: bool


_PAGE: LiteralString = """
MATCH (d:DuplicateCandidate) WHERE d.status = $status AND ($after IS NULL OR d.id > $after)
  AND ($prefix IS NULL OR all(x IN [(d)-[:CANDIDATE]->(y) | y]
                              WHERE """ + in_subtree("x", "$prefix") + """))
WITH d ORDER BY d.id LIMIT $limit
MATCH (d)-[:CANDIDATE]->(c)
WITH d, c, COUNT { (c)-[:HAS_FACT]->() } AS facts ORDER BY c.id
RETURN d {.id, .reason, .status, .createdAt} AS d,
       collect(c {.id, .name, .sex, .birthDate, .idMasked, .regionCode, facts: facts}) AS cs
ORDER BY d.id
"""


async def possible_duplicates(
    graph: Graph, first: int = 20, after: str | None = None, status: str = "OPEN",
    region_prefix: str | None = None,
) -> DuplicatePage:
    """A page of review items 疑似重复, oldest id first; ``after`` is the last id seen.
    With ``region_prefix``, only items whose children all live in that region subtree."""
    first = max(1, min(first, 200))
    rows = await graph.run(_PAGE, {"status": status, "after": after, "limit": first + 1,
                                   "prefix": region_prefix})
    items = tuple(_view(row) for row in rows[:first])
    return DuplicatePage(
        items=items,
        end_cursor=items[-1].id if items else None,
        has_next_page=len(rows) > first,
    )


def _view(row: dict[str, Any]) -> DuplicateView:
    d = row["d"]
    children = tuple(
        DuplicateChild(
            id=c["id"], name=c.get("name"), sex=c.get("sex"),
            birth_date=native(c.get("birthDate")), id_masked=c.get("idMasked"),
            region_code=c.get("regionCode"), facts=int(c["facts"]),
        )
        for c in row["cs"]
    )
    created = d.get("createdAt")
    return DuplicateView(d["id"], d["reason"], d["status"], native(created), children)


_CANDIDATE: LiteralString = """
MATCH (d:DuplicateCandidate {id: $id})-[:CANDIDATE]->(c)
WITH d, c, COUNT { (c)-[:HAS_FACT]->() } AS facts
RETURN d.status AS status, d.mergedInto AS mergedInto,
       collect(c {.id, .idHash, facts: facts, child: c:Child}) AS cs
"""
_MERGE: LiteralString = """
MATCH (d:DuplicateCandidate {id: $candidate})
MATCH (kept:Child {id: $kept}), (gone:Child {id: $gone})
OPTIONAL MATCH (gone)-[r:HAS_FACT]->(f)
WITH d, kept, gone, collect(r) AS rels, collect(f) AS facts
FOREACH (f IN facts | MERGE (kept)-[:HAS_FACT]->(f))
FOREACH (r IN rels | DELETE r)
WITH d, kept, gone, [f IN facts | f.id] AS moved,
     CASE WHEN kept.motherIdHash IS NULL AND gone.motherIdHash IS NOT NULL
          THEN ['motherIdHash'] ELSE [] END AS filled
SET kept.motherIdHash = coalesce(kept.motherIdHash, gone.motherIdHash),
    gone:MergedChild, gone.mergedInto = kept.id
REMOVE gone:Child
SET d.status = 'MERGED', d.mergedInto = kept.id, d.mergedFrom = gone.id, d.movedFacts = moved,
    d.filled = filled, d.mergedBy = $by, d.mergedAt = $at,
    d.history = coalesce(d.history, []) + [$at + ' MERGED by ' + $by]
RETURN size(moved) AS moved
"""
_UNMERGE: LiteralString = """
MATCH (d:DuplicateCandidate {id: $candidate, status: 'MERGED'})
MATCH (kept:Child {id: d.mergedInto}), (gone:MergedChild {id: d.mergedFrom})
SET gone:Child
REMOVE gone:MergedChild, gone.mergedInto
WITH d, kept, gone
OPTIONAL MATCH (kept)-[r:HAS_FACT]->(f) WHERE f.id IN d.movedFacts
WITH d, kept, gone, collect(r) AS rels, collect(f) AS facts
FOREACH (f IN facts | MERGE (gone)-[:HAS_FACT]->(f))
FOREACH (r IN rels | DELETE r)
FOREACH (_ IN CASE WHEN 'motherIdHash' IN d.filled THEN [1] ELSE [] END |
  REMOVE kept.motherIdHash)
SET d.status = 'OPEN', d.unmergedBy = $by, d.unmergedAt = $at,
    d.history = coalesce(d.history, []) + [$at + ' UNMERGED by ' + $by]
REMOVE d.mergedInto, d.mergedFrom, d.movedFacts, d.filled, d.mergedBy, d.mergedAt
RETURN size(facts) AS moved, kept.id AS kept, gone.id AS gone
"""
_REJECT: LiteralString = """
MATCH (d:DuplicateCandidate {id: $candidate}) WHERE d.status = 'OPEN'
SET d.status = 'REJECTED', d.rejectedBy = $by, d.rejectedAt = $at,
    d.history = coalesce(d.history, []) + [$at + ' REJECTED by ' + $by]
RETURN d.id AS id
"""


async def merge_children(
    graph: Graph, candidate_id: str, by: str, keep: str | None = None
) -> str:
    """Merges a review item's two children 合并; returns the id of the child kept.

    The child kept is ``keep`` if given, else the one with an ID number, else the one with
    more facts, else the smaller id. The other one is not deleted: it is relabelled
    ``MergedChild`` and the facts moved are listed on the review item, so :func:`unmerge` can
    put everything back. Who merged and when is kept on the item (``history``).
    """
    rows = await graph.run(_CANDIDATE, {"id": candidate_id})
    if not rows:
        raise NotFound("未找到该疑似重复记录 no such duplicate candidate")
    row = rows[0]
    if row["status"] != "OPEN":
        raise Conflict(f"该记录状态为 {row['status']}，不能合并 only OPEN items can be merged")
    children = [c for c in row["cs"] if c["child"]]
    if len(children) != 2:
        raise Conflict("该记录中的儿童已被合并或删除 a child of this item no longer exists")
    ids = {c["id"] for c in children}
    if keep is not None and keep not in ids:
        raise Conflict("要保留的儿童不属于该记录 the child to keep is not part of this item")
    if keep is None:
        ranked = sorted(children, key=lambda c: (c["idHash"] is None, -c["facts"], c["id"]))
        keep = ranked[0]["id"]
    gone = next(iter(ids - {keep}))
    at = datetime.now(UTC).isoformat()
    async with graph.transaction() as tx:
        await tx.run(_MERGE, {"candidate": candidate_id, "kept": keep, "gone": gone,
                              "by": by, "at": at})
        # The kept child holds both children's placements now; the one merged away, no longer
        # a Child, loses its pointer (the sync of the kept child removes it).
        await sync_current(tx, [keep])
    return keep


async def unmerge(graph: Graph, candidate_id: str, by: str) -> None:
    """Reverses :func:`merge_children`: the merged-away child and its facts come back."""
    at = datetime.now(UTC).isoformat()
    async with graph.transaction() as tx:
        rows = await tx.run(_UNMERGE, {"candidate": candidate_id, "by": by, "at": at})
        if not rows:
            raise Conflict("该记录未处于已合并状态 the item is not merged")
        # Each child gets back its own placements, and its own current one.
        await sync_current(tx, [rows[0]["kept"], rows[0]["gone"]])


async def reject_duplicate(graph: Graph, candidate_id: str, by: str) -> None:
    """Marks a review item as two different children 不是同一人."""
    at = datetime.now(UTC).isoformat()
    rows = await graph.write(_REJECT, {"candidate": candidate_id, "by": by, "at": at})
    if not rows:
        raise Conflict("该记录不存在或不是待处理状态 no OPEN duplicate candidate with this id")

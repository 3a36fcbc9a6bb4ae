"""The review queue of possible duplicate children 疑似重复儿童: listed, merged, unmerged, rejected.

Linkage never merges a near match by itself (``hub/duplicates.py``); a department officer decides
here. Only subjects whose row scope is a region may see the queue, and only items whose
children both live in that region. Every merge can be undone, and each call is audited like any
other operation.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.errors import Forbidden, NotFound
from hub.predicates import in_subtree, region_prefix
from hub.services import duplicates
from schema.fields import CHILD_KEY, After
from schema.queries import HubInfo, note_disclosed
from schema.scalars import Date, DateTime


@strawberry.type(description="疑似重复中的一名儿童 One child of a possible duplicate")
class DuplicateChild:
    id: strawberry.ID = strawberry.field(description="儿童 ID Child id")
    name: str | None = strawberry.field(description="姓名 Name")
    sex: str | None = strawberry.field(description="性别 Sex")
    birth_date: Date | None = strawberry.field(description="出生日期 Date of birth")
    id_masked: str | None = strawberry.field(description="身份证号(脱敏) Masked ID number")
    region_code: str | None = strawberry.field(description="所在区划 Region code")
    facts: int = strawberry.field(description="记录数 How many facts the child has")


@strawberry.type(description="疑似重复 A pair of children that may be one child")
class DuplicateCandidate:
    id: strawberry.ID = strawberry.field(description="唯一标识 Id")
    reason: str = strawberry.field(description="原因 Why they look alike")
    status: str = strawberry.field(description="状态 OPEN, MERGED or REJECTED")
    created_at: DateTime | None = strawberry.field(description="发现时间 When it was found")
    children: list[DuplicateChild] = strawberry.field(description="两名儿童 The two children")


@strawberry.type(description="疑似重复分页 A page of the review queue")
class DuplicatePage:
    items: list[DuplicateCandidate] = strawberry.field(description="本页 This page")
    end_cursor: str | None = strawberry.field(description="本页末尾游标 Cursor of the last")
    has_next_page: bool = strawberry.field(description="是否还有下一页 More?")


def _region(info: HubInfo) -> str | None:
    """The subject's region subtree, or None for the hub itself. Only roles the policy lets
    review duplicates (``link``), over a region, may use the queue: anyone else is refused
    before any of its logic runs."""
    view = info.context.view
    if view is None:
        return None
    if not view.link or "region" not in view.rows:
        raise Forbidden("仅负责建档的区域业务人员可处理疑似重复 only the regional officers who "
                        "keep the roster review duplicates")
    return region_prefix(info.context.subject.region)


def _page(page: duplicates.DuplicatePage) -> DuplicatePage:
    return DuplicatePage(
        items=[
            DuplicateCandidate(
                id=strawberry.ID(item.id), reason=item.reason, status=item.status,
                created_at=DateTime(item.created_at) if item.created_at else None,
                children=[
                    DuplicateChild(
                        id=strawberry.ID(c.id), name=c.name, sex=c.sex,
                        birth_date=Date(c.birth_date) if c.birth_date else None,
                        id_masked=c.id_masked, region_code=c.region_code, facts=c.facts,
                    )
                    for c in item.children
                ],
            )
            for item in page.items
        ],
        end_cursor=page.end_cursor,
        has_next_page=page.has_next_page,
    )


async def _decide_on(info: HubInfo, candidate_id: str) -> None:
    """Before a decision on an item: one outside the subject's region is answered like a missing
    one; one inside names its two children in the audit (the decision writes about them)."""
    rows = await info.context.graph.run(
        "MATCH (d:DuplicateCandidate {id: $id})-[:CANDIDATE]->(c) "
        f"RETURN c.id AS id, $prefix IS NULL OR {in_subtree('c', '$prefix')} AS inside",
        {"id": candidate_id, "prefix": _region(info)},
    )
    if not rows or not all(row["inside"] for row in rows):
        raise NotFound("未找到该疑似重复记录 no such duplicate candidate")
    note_disclosed(info.context, [{CHILD_KEY: row["id"]} for row in rows])


Status = Annotated[str, strawberry.argument(description="状态 OPEN, MERGED or REJECTED")]


@strawberry.type
class DuplicateQuery:
    @strawberry.field(description="疑似重复儿童待审队列 The review queue of possible duplicates")
    async def possible_duplicates(
        self, info: HubInfo, first: int = 20, after: After = None, status: Status = "OPEN"
    ) -> DuplicatePage:
        page = await duplicates.possible_duplicates(
            info.context.graph, first, after, status, region_prefix=_region(info)
        )
        note_disclosed(info.context,
                       [{CHILD_KEY: c.id} for item in page.items for c in item.children])
        return _page(page)


Id = Annotated[strawberry.ID, strawberry.argument(description="疑似重复记录 ID Item id")]


@strawberry.type
class DuplicateMutation:
    @strawberry.mutation(description="合并为同一儿童(可撤销) Merge the two children (reversible)")
    async def merge_duplicate(
        self,
        info: HubInfo,
        id: Id,
        keep: Annotated[
            strawberry.ID | None, strawberry.argument(description="保留的儿童 ID Child to keep")
        ] = None,
    ) -> strawberry.ID:
        await _decide_on(info, id)
        kept = await duplicates.merge_children(info.context.graph, id, info.context.subject.id,
                                            keep)
        return strawberry.ID(kept)

    @strawberry.mutation(description="撤销合并 Undo a merge")
    async def unmerge_duplicate(self, info: HubInfo, id: Id) -> bool:
        await _decide_on(info, id)
        await duplicates.unmerge(info.context.graph, id, info.context.subject.id)
        return True

    @strawberry.mutation(description="确认不是同一儿童 Mark as two different children")
    async def reject_duplicate(self, info: HubInfo, id: Id) -> bool:
        await _decide_on(info, id)
        await duplicates.reject_duplicate(info.context.graph, id, info.context.subject.id)
        return True

"""Reference data every region-scoped record hangs off: regions 行政区划, departments 部门 and
each county's expert committee 专家委员会 (no department exports a list of them).

All are idempotent (MERGE on their keys), so `hub demo-data`, ingest jobs and tests can call
them whenever they need the nodes to exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from hub import regions
from hub.facts import DEPARTMENTS
from hub.graph import Graph

# Rows per UNWIND statement: large enough to amortise the round trip, small enough that one
# transaction stays well inside the default heap.
BATCH = 5000

T = TypeVar("T")


def batches(rows: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


_MERGE_REGIONS = """
UNWIND $rows AS row
MERGE (r:Region {code: row.code})
SET r.name = row.name, r.level = row.level, r.current = row.current
"""

# A separate pass so every parent exists before it is linked, whatever the batch order.
_LINK_REGIONS = """
UNWIND $rows AS row
MATCH (r:Region {code: row.code})
MATCH (p:Region {code: row.parent})
MERGE (r)-[:PART_OF]->(p)
"""

_MERGE_DEPARTMENTS = """
UNWIND $rows AS row
MATCH (r:Region {code: row.regionCode})
MERGE (d:Department {id: row.id})
SET d.code = row.code, d.name = row.name, d.regionCode = row.regionCode
MERGE (d)-[:IN_REGION]->(r)
"""


def region_rows() -> list[dict[str, Any]]:
    """One row per GB/T 2260 code, level in the graph's upper-case spelling."""
    rows = []
    for code, region in sorted(regions.regions().items()):
        rows.append(
            {
                "code": code,
                "name": region.name,
                "level": region.level.upper(),
                "current": region.current,
                "parent": regions.parent_code(code),
            }
        )
    return rows


async def ensure_regions(graph: Graph) -> int:
    """MERGEs every region (current and retired) and its PART_OF link; returns how many."""
    rows = region_rows()
    for batch in batches(rows):
        await graph.write(_MERGE_REGIONS, {"rows": list(batch)})
    # A parent code that is not itself in the table (rare gaps in the source) gets no link.
    known = {row["code"] for row in rows}
    links = [row for row in rows if row["parent"] is not None and row["parent"] in known]
    for batch in batches(links):
        await graph.write(_LINK_REGIONS, {"rows": list(batch)})
    return len(rows)


def department_rows(region_codes: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{code}@{region}",
            "code": code,
            "name": name,
            "regionCode": region,
        }
        for region in sorted(set(region_codes))
        for code, name in DEPARTMENTS.items()
    ]


async def ensure_departments(graph: Graph, region_codes: Iterable[str]) -> int:
    """MERGEs one Department per code in DEPARTMENTS per region, IN_REGION its Region.

    The regions must exist already (:func:`ensure_regions`); returns how many departments.
    """
    rows = department_rows(region_codes)
    for batch in batches(rows):
        await graph.write(_MERGE_DEPARTMENTS, {"rows": list(batch)})
    return len(rows)


# Every county has a disability-education expert committee 残疾人教育专家委员会 (000 一(一)),
# as it has its bureaus: it assesses children and recommends placements. No department exports a
# list of them, so they are reference data like the departments, one per county given.
_MERGE_COMMITTEES = """
UNWIND $rows AS row
MATCH (r:Region {code: row.regionCode})
MERGE (e:Organisation:ExpertCommittee {id: row.id})
SET e.name = row.name, e.regionCode = row.regionCode
MERGE (e)-[:IN_REGION]->(r)
"""


def committee_id(region_code: str) -> str:
    """The id of the expert committee of a county (``exc_`` + its code)."""
    return f"exc_{region_code}"


async def ensure_committees(graph: Graph, county_codes: Iterable[str]) -> int:
    """MERGEs the expert committee of each county code given; the regions must exist."""
    rows = []
    for code in sorted(set(county_codes)):
        region = regions.lookup(code)
        if region is not None:
            rows.append({"id": committee_id(code), "regionCode": code,
                         "name": f"{region.name}残疾人教育专家委员会"})
    for batch in batches(rows):
        await graph.write(_MERGE_COMMITTEES, {"rows": list(batch)})
    return len(rows)

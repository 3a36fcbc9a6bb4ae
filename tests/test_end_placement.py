"""The endPlacement mutation 结束安置: ends a current placement without a next one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.graph import Graph
from hub.settings import Settings
from hub.subject import Subject
from tests.test_api_mutations import EDU, FACT, HEALTH, child, count, error_field, run, seeded

__all__ = ["seeded"]  # the fixture, shared with test_api_mutations

END = f"""
mutation ($id: ID!, $date: Date!, $reason: SchoolStatus!, $key: String) {{
  endPlacement(id: $id, date: $date, reason: $reason, idempotencyKey: $key) {{
    {FACT} status startDate endDate endReason child {{ id }}
  }}
}}"""
LUCHENG_EDU = Subject(kind="client", id="edu-140406", department="EDU", region="140406",
                      roles=frozenset({"edu-officer"}))


def end(placement: str = "plc_2", **values: Any) -> dict[str, Any]:
    return {"id": placement, "date": "2025-07-01", "reason": "DROPPED_OUT"} | values


async def test_end_placement_ends_the_current_placement(seeded: Graph,
                                                        settings: Settings) -> None:
    out = await run(seeded, settings, END, end() | {"key": "end-1"})
    assert out.errors == []
    ended = out.data["endPlacement"]
    assert (ended["id"], ended["status"], ended["endDate"], ended["endReason"]) == (
        "plc_2", "DROPPED_OUT", "2025-07-01", "DROPPED_OUT")
    assert ended["child"] == {"id": "ch_1"} and ended["startDate"] == "2024-09-01"
    story = await child(seeded, settings, "ch_1")
    assert story["currentPlacement"] is None
    rows = await seeded.run("MATCH (p:Placement {id: 'plc_2'}) RETURN p.endedBy AS by")
    assert rows == [{"by": "API"}]
    # A retry with the same key is the same answer, not a CONFLICT.
    before = await count(seeded)
    again = await run(seeded, settings, END, end() | {"key": "end-1"})
    assert again.errors == [] and again.data == out.data
    assert await count(seeded) == before


async def test_end_placement_refusals(seeded: Graph, settings: Settings) -> None:
    before = await count(seeded)
    out = await run(seeded, settings, END, end("plc_1"))  # ended in 2024
    assert out.codes == ["CONFLICT"]
    out = await run(seeded, settings, END, end(date="2024-08-31"))  # before it started
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "date"
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    out = await run(seeded, settings, END, end(date=tomorrow))
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "date"
    out = await run(seeded, settings, END, end(reason="SUSPENDED"))  # not an end
    assert out.codes == ["BAD_USER_INPUT"] and error_field(out) == "reason"
    out = await run(seeded, settings, END, end("plc_missing"))
    assert out.codes == ["NOT_FOUND"] and error_field(out) == "id"
    out = await run(seeded, settings, END, end(), subject=HEALTH)  # not its kind of fact
    assert out.codes == ["FORBIDDEN"]
    out = await run(seeded, settings, END, end(), subject=LUCHENG_EDU)  # child out of scope
    assert out.codes == ["NOT_FOUND"]
    await seeded.write("MATCH (p:Placement {id: 'plc_3'}) SET p.recordedBy = 'CIVIL'")
    out = await run(seeded, settings, END, end("plc_3"), subject=EDU)  # another department's
    assert out.codes == ["FORBIDDEN"]
    rows = await seeded.run("MATCH (p:Placement) WHERE p.id IN ['plc_2', 'plc_3'] "
                            "RETURN collect(p.endDate) AS ends")
    assert rows == [{"ends": []}]
    assert await count(seeded) == before

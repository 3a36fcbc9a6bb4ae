"""The roster of school-age disabled children and enrolment rates 名册与入学率 (000 一(一))."""

from __future__ import annotations

from typing import Any

from hub.indicators.common import BANDS, HeldPart, Inputs, result
from hub.indicators.model import Item, Result, ratio
from hub.predicates import in_subtree, overlaps

# Every piece of evidence, read from its own label (a child's HAS_FACT relationships are
# mostly service sessions, so expanding them per child would cost far more), grouped by child:
# on the roster by certificate, screening or welfare listing; enrolled when a placement is in
# force on the census day (the census-day pass's ``held``). Then the region and the age on
# 31 August (3–17).
QUERY = (
    "CALL (held) { "
    # A certificate without its issue date (发证日期 may be empty) is known from the day it
    # was loaded: it counts for a year that ends after that day, never for an earlier one.
    "  MATCH (c:Child)-[:HAS_FACT]->(f:DisabilityCertificate) "
    "  WHERE coalesce(f.date, date(f.recordedAt)) <= $yearEnd "
    "  RETURN c, 1 AS listed, 0 AS enrolled "
    "  UNION ALL "
    "  MATCH (c:Child)-[:HAS_FACT]->(s:Screening) WHERE s.date <= $yearEnd "
    "  AND (s.result = 'POSITIVE' OR s.diagnosis IS NOT NULL) "
    "  RETURN c, 1 AS listed, 0 AS enrolled "
    "  UNION ALL "
    "  MATCH (c:Child)-[:HAS_FACT]->(w:WelfareStatus) "
    "  WHERE " + overlaps("w", "$yearStart", "$yearEnd") + " "
    "  AND (c.disabilityCategory IS NOT NULL "
    "       OR (c.specialNeeds IS NOT NULL AND NOT c.specialNeeds IN [[], ''])) "
    "  RETURN c, 1 AS listed, 0 AS enrolled "
    "  UNION ALL "
    "  UNWIND held AS h "
    "  RETURN h.c AS c, 0 AS listed, 1 AS enrolled "
    "} "
    "WITH c, max(listed) AS listed, max(enrolled) = 1 AS enrolled "
    "WHERE listed = 1 AND " + in_subtree("c", "$prefix") + " "
    # The birth date read once: each c.birthDate below would read it again from the store.
    "WITH c, enrolled, c.birthDate AS born "
    "WHERE born >= $oldest AND born <= $youngest "
    "WITH c, enrolled, CASE WHEN born >= $compulsoryFrom AND born <= $compulsoryTo "
    "  THEN 'COMPULSORY' WHEN born > $compulsoryTo THEN 'PRESCHOOL' ELSE 'SENIOR' END "
    "  AS band "
    "WITH band, count(*) AS roster, sum(CASE WHEN enrolled THEN 1 ELSE 0 END) AS enrolled, "
    "  collect(CASE WHEN {visible} THEN c.id END) AS everyone, "
    "  collect(CASE WHEN NOT enrolled AND {visible} THEN c.id END) AS missing "
    "RETURN collect({band: band, roster: roster, enrolled: enrolled, everyone: everyone, "
    "  missing: missing}) AS roster"
)

_RATES = {"COMPULSORY": "enrolment.compulsory", "PRESCHOOL": "enrolment.preschool",
          "SENIOR": "enrolment.senior"}
_BAND_LABELS = {"PRESCHOOL": "学前 3–5 preschool", "COMPULSORY": "义务教育 6–14 compulsory",
                "SENIOR": "高中阶段 15–17 senior secondary"}


def _params(inputs: Inputs) -> dict[str, Any]:
    year = inputs.year
    oldest, _ = year.born(0, BANDS["SENIOR"][1])
    _, youngest = year.born(BANDS["PRESCHOOL"][0], 0)
    compulsory_from, compulsory_to = year.born(*BANDS["COMPULSORY"])
    return {"oldest": oldest, "youngest": youngest, "compulsoryFrom": compulsory_from,
            "compulsoryTo": compulsory_to}


def read(inputs: Inputs, rows: list[dict[str, Any]] | None) -> list[Result]:
    rows = rows or []
    by_band = {row["band"]: row for row in rows}
    everyone: list[str] = []
    items = []
    for band in BANDS:
        row = by_band.get(band, {})
        everyone += row.get("everyone", [])
        roster, enrolled = row.get("roster", 0), row.get("enrolled", 0)
        items.append(Item("Band", band, _BAND_LABELS[band],
                          {"roster": roster, "enrolled": enrolled,
                           "rate": ratio(enrolled, roster)}))
    total = sum(int(row["roster"]) for row in rows)
    out = [result(inputs, "roster.schoolAge", total, None, everyone, items=items)]
    for band, key in _RATES.items():
        row = by_band.get(band, {})
        out.append(result(inputs, key, row.get("enrolled", 0), row.get("roster", 0),
                          row.get("missing", [])))
    compulsory = by_band.get("COMPULSORY", {})
    missing = int(compulsory.get("roster", 0)) - int(compulsory.get("enrolled", 0))
    # Over the compulsory roster, so a region with no roster reads "no data", not "met".
    out.append(result(inputs, "enrolment.notEnrolled", missing, compulsory.get("roster", 0),
                      compulsory.get("missing", [])))
    return out


PART = HeldPart("roster", QUERY, _params, read)

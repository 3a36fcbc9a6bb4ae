"""Finding children: the filter of ``children(filter: …)`` and what each condition means."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from hub import names, regions
from hub.graph import Graph, Params, native
from hub.identity import MASKED_TAIL
from hub.predicates import (
    current_placement,
    current_pupil,
    current_stage,
    current_type,
    in_subtree,
    region_prefix,
)
from hub.vocabulary import DisabilityCategory, PlacementType, SpecialNeed, Stage


class ChildFilter(BaseModel):
    """All conditions must hold. Placement conditions look at the current placement."""

    # Read from the API's input (camelCase, the GraphQL names) and from code (snake_case).
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    organisation_id: str | None = Field(default=None, min_length=1, max_length=64)
    placement_type: PlacementType | None = None
    stage: Stage | None = None
    disability_category: DisabilityCategory | None = None
    special_need: SpecialNeed | None = None
    name: str | None = Field(default=None, min_length=1, max_length=50)
    # Any part of the name, its pinyin or initials (hub/names.py); at least one character left
    # once spaces and dots are dropped.
    text: str | None = Field(default=None, min_length=1, max_length=50)
    # The last characters of the ID number, as the masked form shows them.
    id_number_end: str | None = Field(default=None, pattern=rf"^\d{{{MASKED_TAIL - 1}}}[\dXx]$")
    min_age: int | None = Field(default=None, ge=0, le=30)
    max_age: int | None = Field(default=None, ge=0, le=30)

    @field_validator("text")
    @classmethod
    def _searchable(cls, value: str | None) -> str | None:
        if value is not None and not names.search_term(value):
            raise ValueError("须含文字 needs a letter or character besides spaces and dots")
        return value

    @field_validator("region_code")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        if value is not None and not regions.is_known(value):
            raise ValueError("不是已知的行政区划代码 not a known GB/T 2260 region code")
        return value


# Which field of the graph each filter looks at, so a filter on a hidden field can be refused.
FILTER_FIELDS: dict[str, tuple[str, str]] = {
    "region_code": ("Child", "regionCode"),
    "organisation_id": ("Placement", "organisation"),
    "placement_type": ("Placement", "placementType"),
    "stage": ("Placement", "stage"),
    "disability_category": ("Child", "disabilityCategory"),
    "special_need": ("Child", "specialNeeds"),
    "name": ("Child", "name"),
    "text": ("Child", "name"),
    "min_age": ("Child", "birthDate"),
    "max_age": ("Child", "birthDate"),
}

# Filters that look only at what the masked form of a field shows (the last four characters of
# the ID number): usable by any subject that is shown children, masked or not.
MASKED_FORM_FILTERS: dict[str, tuple[str, str]] = {
    "id_number_end": ("Child", "idNumber"),
}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def conditions(spec: ChildFilter, params: Params, today: dt.date) -> list[str]:
    """Cypher conditions on ``{c}`` (the child); values go into ``params``."""
    out: list[str] = []
    if spec.region_code:
        out.append(in_subtree("{c}", params.add(region_prefix(spec.region_code))))
    if spec.name:
        out.append(f"{{c}}.name STARTS WITH {params.add(spec.name)}")
    if spec.text:
        out.append(f"{{c}}.nameSearch CONTAINS {params.add(names.search_term(spec.text))}")
    if spec.id_number_end:
        out.append(f"{{c}}.idMasked ENDS WITH {params.add(spec.id_number_end.upper())}")
    if spec.disability_category is not None:
        out.append(f"{{c}}.disabilityCategory = {params.add(int(spec.disability_category))}")
    if spec.special_need is not None:
        out.append(f"{params.add(str(spec.special_need))} IN {{c}}.specialNeeds")
    if spec.min_age is not None:  # at least min_age years old today
        out.append(f"{{c}}.birthDate <= {params.add(_years_before(today, spec.min_age))}")
    if spec.max_age is not None:  # not yet max_age + 1
        limit = _years_before(today, spec.max_age + 1)
        out.append(f"{{c}}.birthDate > {params.add(limit)}")
    # Placement conditions are on the child's current placement: its type and stage as mirrored
    # on the child (an index seek with the region); with an organisation, the path is written
    # from it (its current pupils).
    if spec.placement_type is not None:
        out.append(f"{current_type('{c}')} = {params.add(str(spec.placement_type))}")
    if spec.stage is not None:
        out.append(f"{current_stage('{c}')} = {params.add(str(spec.stage))}")
    if spec.organisation_id is not None:
        path = (f"(:Organisation {{id: {params.add(spec.organisation_id)}}})<-[:AT]-"
                + current_pupil("p", "{c}"))
        out.append("EXISTS { MATCH " + path + " }")
    return out


# --- who a name is: auditors telling namesakes apart ------------------------------------------

_NAMESAKES: LiteralString = (
    "MATCH (c:Child) WHERE c.nameSearch CONTAINS $term "
    "OPTIONAL MATCH " + current_placement("c", "p") + "-[:AT]->(o:Organisation) "
    "OPTIONAL MATCH (c)-[:LIVES_IN]->(r:Region) "
    "RETURN c.id AS id, c.name AS name, c.birthDate AS birthDate, o.name AS organisation, "
    "r.name AS region ORDER BY c.name, c.birthDate, c.id LIMIT $limit"
)


async def namesakes(graph: Graph, term: str, limit: int = 20) -> list[dict[str, Any]]:
    """Children whose name, pinyin or initials contain ``term``, with what tells namesakes
    apart (birth date, current school or institution, region). For auditors, who read no
    child's record but must find the child a guardian asks about: the caller names the children
    returned on its audit record."""
    found = names.search_term(term)
    if not found:
        return []
    rows = await graph.run(_NAMESAKES, {"term": found, "limit": limit})
    return [{**row, "birthDate": native(row["birthDate"])} for row in rows]

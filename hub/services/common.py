"""What every recording service shares: input rules, provenance, locks and look-ups.

Inputs are pydantic models whose field names are the GraphQL (camelCase) names, so a validation
error names the field the client sent. Values go into Cypher as parameters only.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic.alias_generators import to_camel

from hub.errors import BadUserInput, Forbidden, NotFound
from hub.facts import BY_LABEL, FactKind
from hub.graph import Transaction
from hub.subject import Subject

# China has one time zone and no daylight saving: "today" is the day in UTC+8.
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def _not_future(value: dt.date) -> dt.date:
    if value > today():
        raise ValueError("日期不能晚于今天 the date cannot be in the future")
    return value


Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PastDate = Annotated[dt.date, AfterValidator(_not_future)]


class ServiceInput(BaseModel):
    """Field names are the GraphQL argument names (camelCase), so errors name what was sent."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )


def camel_keys(values: dict[str, Any]) -> dict[str, Any]:
    """``{"child_id": …}`` → ``{"childId": …}``: python names to the names clients use."""
    return {to_camel(key): value for key, value in values.items()}


def check_department(subject: Subject, label: str) -> FactKind:
    """Each kind of fact is recorded by the departments whose duty it is (``hub.facts``)."""
    kind = BY_LABEL[label]
    if subject.kind != "system" and subject.department not in kind.departments:
        allowed = ", ".join(sorted(kind.departments))
        raise Forbidden(
            f"本部门无权记录{kind.chinese} your department may not record {label}; "
            f"it is recorded by {allowed}"
        )
    return kind


def new_fact(kind: FactKind, subject: Subject, day: dt.date) -> tuple[str, dict[str, Any]]:
    """A new fact's id and provenance (``recordedAt`` is set by the database: ``datetime()``)."""
    fact_id = f"{kind.prefix}_{secrets.token_hex(8)}"
    return fact_id, {
        "id": fact_id,
        "date": day,
        "recordedBy": subject.department,
        "recordedIn": subject.region,
        "source": "api",
        "sourceKey": fact_id,
        "sourceRef": "api/" + fact_id,
    }


async def lock_child(tx: Transaction, child_id: str) -> None:
    """Takes the child's write lock: a concurrent mutation of the same child waits here until
    this transaction ends, and then reads what it committed."""
    rows = await tx.run(
        "MATCH (c:Child {id: $child}) SET c._lock = true REMOVE c._lock RETURN c.id AS id",
        {"child": child_id},
    )
    if not rows:
        raise NotFound("未找到该儿童 no child with this id; check childId", field="childId")


async def require_child(tx: Transaction, child_id: str) -> None:
    rows = await tx.run("MATCH (c:Child {id: $child}) RETURN c.id AS id", {"child": child_id})
    if not rows:
        raise NotFound("未找到该儿童 no child with this id; check childId", field="childId")


@dataclass(frozen=True)
class OrganisationKind:
    labels: frozenset[str]  # School, WelfareInstitution, ExpertCommittee …
    school_type: str | None


async def organisation_kind(tx: Transaction, organisation_id: str, field: str) -> OrganisationKind:
    """What kind of organisation an id names; NOT_FOUND (naming ``field``) if none."""
    rows = await tx.run(
        "MATCH (o:Organisation {id: $id}) RETURN labels(o) AS labels, o.schoolType AS schoolType",
        {"id": organisation_id},
    )
    if not rows:
        raise NotFound(f"未找到该机构 no organisation with this id; check {field}", field=field)
    school_type = rows[0]["schoolType"]
    return OrganisationKind(
        frozenset(str(label) for label in rows[0]["labels"]),
        None if school_type is None else str(school_type),
    )


def native_date(value: Any) -> dt.date | None:
    """A Neo4j ``Date`` (or None) as a Python date."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    converted = value.to_native()
    assert isinstance(converted, dt.date)
    return converted


def bad(message: str, field: str) -> BadUserInput:
    return BadUserInput(f"{field}: {message}", field=field)

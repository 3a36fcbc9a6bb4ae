"""`edu-status` 学籍: school status from the education bureau → a Placement AT its School.

An edu-status file is a snapshot of the school-status system on one day (``--as-of``): each row
is the pupil's placement at a school, stage and placement type (:func:`placement_ref`), listed
on that day. What the snapshot does to placements — a status other than 在读/休学 ends one, a
newer one ends the one before, a pupil a complete snapshot of the school no longer lists has
left the roll — is written in hub/services/placements.py; docs/ingest.md has the rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import suppress
from datetime import date
from functools import lru_cache
from typing import LiteralString

from pydantic import Field

from connectors import normalise
from connectors.linkage import Identity
from connectors.normalise import NormaliseError
from connectors.pipeline import (
    BuildContext,
    FactOut,
    FactWrite,
    Record,
    RowError,
    SnapshotEnd,
    Source,
)
from connectors.sources._fields import (
    ChildName,
    Day,
    OptCategory,
    OptDay,
    OptIdNumber,
    OptText,
    PlacementCode,
    Region,
    RowModel,
    SchoolCode,
    SexCode,
    StageCode,
    StatusCode,
    StudentNumber,
    check_against_id,
)
from connectors.sources._fields import school_code as _school_code
from hub.graph import Graph
from hub.identity import mask
from hub.indicators.model import SchoolYear
from hub.services.placements import (
    SNAPSHOT_KNOWN,
    SNAPSHOT_NEW,
    record_left_roll,
    settle_new,
    settle_snapshot,
)
from hub.vocabulary import PlacementType, SchoolStatus


class EduStatusRow(RowModel):
    name: ChildName = Field(alias="姓名")
    sex: SexCode = Field(alias="性别")
    birth_date: Day = Field(alias="出生日期")
    id_number: OptIdNumber = Field(None, alias="身份证号")
    student: StudentNumber = Field(alias="学籍号")
    school_code: SchoolCode = Field(alias="学校标识码")
    school_name: OptText = Field(None, alias="学校名称")
    stage: StageCode = Field(alias="学段")
    grade: OptText = Field(None, alias="年级")
    class_name: OptText = Field(None, alias="班级")
    placement: PlacementCode = Field(alias="就读方式")
    category: OptCategory = Field(None, alias="残疾类别")
    status: StatusCode = Field(alias="学籍状态")
    enrolled_on: OptDay = Field(None, alias="入学日期")
    region: Region = Field(alias="行政区划代码")


_IN_FORCE = (SchoolStatus.ACTIVE, SchoolStatus.SUSPENDED)  # 在读, 休学: the placement goes on
_NO_ENROLMENT_DATE = (
    "入学日期为空：按快照日期计为入学，请核实 the enrolment date is empty: the pupil counts as "
    "enrolled from the snapshot day (--as-of); please check"
)


def school_year_of(day: date) -> SchoolYear:
    """The school year 学年 a day falls in (its bounds are SchoolYear's, not repeated here)."""
    year = SchoolYear(day.year)
    return year if year.start <= day else SchoolYear(day.year - 1)


def placement_ref(key: str, school: str, stage: str, placement_type: str) -> str:
    """A pupil's placement is one per school, stage and way of schooling: the 学籍号 follows the
    pupil, so a row at another school (or stage, or type) is the next placement, not an update.
    """
    return f"edu-status/{key}/{school}/{stage}/{placement_type}"


def class_key(school: str, year: int, grade: str | None, name: str) -> str:
    """A class is one per school, school year, grade and name (班级 with 年级)."""
    return f"{school}/{year}/{grade or ''}/{name}"


_SPECIAL = (PlacementType.SPECIAL_CLASS, PlacementType.SPECIAL_SCHOOL, PlacementType.WELFARE_CLASS)


@lru_cache(maxsize=20_000)
def _class(school: str, year: int, grade: str | None, name: str,
           special: bool) -> dict[str, object]:
    """The class a row names; its id is derived from its key, so a re-load makes no new one."""
    key = class_key(school, year, grade, name)
    return {"key": key, "id": "cls_" + hashlib.sha256(key.encode()).hexdigest()[:16],
            "name": name, "grade": grade, "schoolYear": year, "special": special}


def build(row: EduStatusRow, ctx: BuildContext) -> Record:
    as_of = ctx.as_of
    assert as_of is not None, "the pipeline gives a snapshot source its day"
    number, embedded = row.student
    id_number = row.id_number or embedded
    check_against_id(id_number, row.sex, row.birth_date)
    if row.enrolled_on is not None and row.enrolled_on > as_of:
        raise RowError("入学日期", "入学日期晚于快照日期 the enrolment date is after the snapshot "
                                  "day (--as-of)")
    # A student number that embeds an ID number would put the ID in clear: store its hash.
    key = ctx.hashed_key(number) if embedded else number
    ref = placement_ref(key, row.school_code, row.stage.value, row.placement.value)
    ends = row.status not in _IN_FORCE
    year = school_year_of(as_of)
    klass = None
    if row.class_name is not None:
        klass = _class(row.school_code, year.year, row.grade, row.class_name,
                       row.placement in _SPECIAL)
    placement = FactOut(
        label="Placement",
        ref=ref,
        id_prefix="plc",
        org=row.school_code,
        props={
            "source": ctx.source, "sourceKey": key, "sourceRef": ref,
            "recordedBy": ctx.department, "recordedIn": row.region,
            "studentNumber": key, "studentNumberMasked": mask(number) if embedded else number,
            "type": row.placement.value, "stage": row.stage.value, "grade": row.grade,
            "className": row.class_name, "status": row.status.value,
            # The snapshot: the day it describes, what the row says the pupil's state is.
            "listedOn": as_of, "enrolledOn": row.enrolled_on, "ends": ends, "klass": klass,
        },
    )
    identity = Identity(
        id_number=id_number, name=row.name, sex=row.sex,  # type: ignore[arg-type]
        birth_date=row.birth_date, region_code=row.region, disability_category=row.category,
    )
    school = {"code": row.school_code, "name": row.school_name, "regionCode": row.region,
              "prefix": "sch"}
    warnings = () if row.enrolled_on is not None else (("入学日期", _NO_ENROLMENT_DATE),)
    return Record(key=key, identity=identity, facts=(placement,), orgs=(school,),
                  warnings=warnings)


def roll_of(cells: Mapping[str, object], ctx: BuildContext) -> tuple[str | None, str | None]:
    """(school code, stored student number) of a row, read leniently: a rejected row still
    tells whose roll it is on, so that pupil is not taken as having left it."""
    school = student = None
    with suppress(NormaliseError):
        school = _school_code(cells.get("学校标识码"))
    with suppress(NormaliseError):
        number, embedded = normalise.student_number(cells.get("学籍号"))
        student = ctx.hashed_key(number) if embedded else number
    return school, student


async def _left_roll(graph: Graph, roll: SnapshotEnd) -> int:
    return await record_left_roll(graph, roll.as_of, roll.compared, sorted(roll.unsure))


ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (s:School {code: o.code})
ON CREATE SET s:Organisation, s.id = o.id
WITH s, o, s.regionCode IS NULL AS fresh
SET s.name = CASE WHEN s.registered THEN s.name ELSE coalesce(o.name, s.name) END,
    s.regionCode = coalesce(s.regionCode, o.regionCode)
WITH s, fresh WHERE fresh AND s.regionCode IS NOT NULL
CALL (s) {
  MATCH (r:Region {code: s.regionCode})
  MERGE (s)-[:IN_REGION]->(r)
}
CALL (s) {
  MATCH (s)<-[:BY]-(v:ServiceSession) WHERE v.recordedIn IS NULL
  SET v.recordedIn = s.regionCode
}
"""

SOURCE = Source(
    name="edu-status",
    chinese="学籍",
    key_column="学籍号",
    department="EDU",
    required=("姓名", "性别", "出生日期", "学籍号", "学校标识码", "学段", "就读方式", "学籍状态",
              "行政区划代码"),
    optional=("身份证号", "学校名称", "年级", "班级", "残疾类别", "入学日期"),
    model=EduStatusRow,
    build=build,
    writes={"Placement": FactWrite(SNAPSHOT_NEW, SNAPSHOT_KNOWN)},
    org_write=ORG_WRITE,
    snapshot=True,
    after_write=settle_snapshot,
    settle_new=settle_new,
    roll_of=roll_of,
    finish=_left_roll,
)

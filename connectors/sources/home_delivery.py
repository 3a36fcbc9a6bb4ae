"""`home-delivery` 送教上门: visits recorded by schools → ServiceSession BY the school.

The child is found by the ID number, else the ID embedded in the student number, else an
existing placement with that student number (so edu-status must be loaded first for those
rows: they are rejected, not guessed, until it is). ``recordedIn`` is the school's region.
"""

from __future__ import annotations

from typing import LiteralString

from pydantic import Field

from connectors.linkage import Identity
from connectors.pipeline import BuildContext, FactOut, Record, RowError, Source, fact_writes
from connectors.sources._fields import (
    Contents,
    Day,
    Hours,
    Key,
    OptChildName,
    OptIdNumber,
    OptName,
    OptStudentNumber,
    OptText,
    RowModel,
    SchoolCode,
)


class HomeDeliveryRow(RowModel):
    key: Key = Field(alias="记录编号")
    name: OptChildName = Field(None, alias="学生姓名")
    student: OptStudentNumber = Field(None, alias="学籍号")
    id_number: OptIdNumber = Field(None, alias="身份证号")
    school_code: SchoolCode = Field(alias="负责学校标识码")
    visited_on: Day = Field(alias="送教日期")
    hours: Hours = Field(alias="课时")
    contents: Contents = Field(alias="送教内容")
    teacher: OptName = Field(None, alias="送教教师")
    notes: OptText = Field(None, alias="备注")


def build(row: HomeDeliveryRow, ctx: BuildContext) -> Record:
    number, embedded = row.student if row.student else (None, None)
    if row.id_number is None and number is None:
        raise RowError("身份证号", "身份证号和学籍号不能都为空 give the ID number or the student "
                                  "number")
    id_number = row.id_number or embedded
    # The same transformation as edu-status, so the keys meet.
    student_key = (ctx.hashed_key(number) if embedded else number) if number else None
    ref = ctx.ref(row.key)
    session = FactOut(
        label="ServiceSession", ref=ref, id_prefix="svc", org=row.school_code,
        props={"source": ctx.source, "sourceKey": row.key, "sourceRef": ref,
               "recordedBy": ctx.department, "recordedIn": None,
               "kind": "HOME_DELIVERY", "date": row.visited_on, "hours": row.hours,
               "content": [item.value for item in row.contents], "provider": row.teacher,
               "notes": row.notes},
    )
    identity = Identity(
        id_number=id_number, name=row.name, student_key=None if id_number else student_key,
    )
    org = {"code": row.school_code, "name": None, "regionCode": None, "prefix": "sch"}
    return Record(key=row.key, identity=identity, facts=(session,), orgs=(org,))


ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (s:School {code: o.code})
ON CREATE SET s:Organisation, s.id = o.id
"""

SOURCE = Source(
    name="home-delivery",
    chinese="送教上门记录",
    key_column="记录编号",
    department="EDU",
    required=("记录编号", "负责学校标识码", "送教日期", "课时", "送教内容"),
    optional=("学生姓名", "学籍号", "身份证号", "送教教师", "备注"),
    model=HomeDeliveryRow,
    build=build,
    writes={"ServiceSession": fact_writes("ServiceSession", "School", "BY")},
    org_write=ORG_WRITE,
)

"""`edu-status` 学籍: school status from the education bureau → a Placement AT its School."""

from __future__ import annotations

from typing import LiteralString

from pydantic import Field

from connectors.pipeline import BuildContext, FactOut, Record, Source, fact_writes
from connectors.sources._fields import (
    Day,
    Name,
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
from hub.identity import mask
from hub.linkage import Identity
from hub.vocabulary import SchoolStatus


class EduStatusRow(RowModel):
    name: Name = Field(alias="姓名")
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


def build(row: EduStatusRow, ctx: BuildContext) -> Record:
    number, embedded = row.student
    id_number = row.id_number or embedded
    check_against_id(id_number, row.sex, row.birth_date)
    # A student number that embeds an ID number would put the ID in clear: store its hash.
    key = ctx.hashed_key(number) if embedded else number
    placement = FactOut(
        label="Placement",
        ref=ctx.ref(key),
        id_prefix="plc",
        org=row.school_code,
        props={
            "source": ctx.source, "sourceKey": key, "sourceRef": ctx.ref(key),
            "recordedBy": ctx.department, "recordedIn": row.region,
            "studentNumber": key, "studentNumberMasked": mask(number) if embedded else number,
            "type": row.placement.value, "stage": row.stage.value, "grade": row.grade,
            "className": row.class_name, "status": row.status.value, "date": row.enrolled_on,
            "endReason": None if row.status is SchoolStatus.ACTIVE else row.status.value,
        },
    )
    identity = Identity(
        id_number=id_number, name=row.name, sex=row.sex,  # type: ignore[arg-type]
        birth_date=row.birth_date, region_code=row.region, disability_category=row.category,
    )
    school = {"code": row.school_code, "name": row.school_name, "regionCode": row.region,
              "prefix": "sch"}
    return Record(key=key, identity=identity, facts=(placement,), orgs=(school,))


ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (s:School {code: o.code})
ON CREATE SET s:Organisation, s.id = o.id
WITH s, o, s.regionCode IS NULL AS fresh
SET s.name = coalesce(o.name, s.name), s.regionCode = coalesce(s.regionCode, o.regionCode)
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
    writes={"Placement": fact_writes("Placement", "School", "AT")},
    org_write=ORG_WRITE,
)

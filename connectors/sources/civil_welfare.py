"""`civil-welfare` 民政救助: children in care and aid → WelfareStatus (AT its institution)."""

from __future__ import annotations

import hashlib
from typing import LiteralString

from pydantic import Field

from connectors.linkage import Identity
from connectors.pipeline import BuildContext, FactOut, Record, RowError, Source, fact_writes
from connectors.sources._fields import (
    ChildCategoryCode,
    ChildName,
    Day,
    IdNumber,
    Key,
    Money,
    OptDay,
    OptText,
    Region,
    RowModel,
    SexCode,
    check_against_id,
)


class WelfareRow(RowModel):
    key: Key = Field(alias="档案号")
    name: ChildName = Field(alias="姓名")
    sex: SexCode = Field(alias="性别")
    birth_date: Day = Field(alias="出生日期")
    id_number: IdNumber = Field(alias="身份证号")
    category: ChildCategoryCode = Field(alias="儿童类别")
    institution: OptText = Field(None, alias="福利机构")
    programme: OptText = Field(None, alias="救助项目")
    monthly_aid: Money = Field(alias="月救助金额")
    start: Day = Field(alias="起始日期")
    end: OptDay = Field(None, alias="终止日期")
    region: Region = Field(alias="行政区划代码")


def institution_code(name: str, region: str) -> str:
    """Welfare institutions come by name only: name + region make their stable key."""
    return "wfi-" + hashlib.sha256(f"{region}|{name}".encode()).hexdigest()[:16]


def build(row: WelfareRow, ctx: BuildContext) -> Record:
    check_against_id(row.id_number, row.sex, row.birth_date)
    if row.end is not None and row.end < row.start:
        raise RowError("终止日期", "终止日期早于起始日期 end date is before the start date")
    ref = ctx.ref(row.key)
    org = institution_code(row.institution, row.region) if row.institution else None
    welfare = FactOut(
        label="WelfareStatus", ref=ref, id_prefix="wel", org=org,
        props={"source": ctx.source, "sourceKey": row.key, "sourceRef": ref,
               "recordedBy": ctx.department, "recordedIn": row.region, "fileNo": row.key,
               "category": row.category.value, "aidProgramme": row.programme,
               "monthlyAid": row.monthly_aid, "date": row.start, "endDate": row.end},
    )
    identity = Identity(
        id_number=row.id_number, name=row.name, sex=row.sex,  # type: ignore[arg-type]
        birth_date=row.birth_date, region_code=row.region,
    )
    orgs = ({"code": org, "name": row.institution, "regionCode": row.region,
             "prefix": "wfi"},) if org else ()
    return Record(key=row.key, identity=identity, facts=(welfare,), orgs=orgs)


ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (w:WelfareInstitution {code: o.code})
ON CREATE SET w:Organisation, w.id = o.id, w.name = o.name, w.regionCode = o.regionCode
WITH w, o
CALL (w) {
  MATCH (r:Region {code: w.regionCode})
  MERGE (w)-[:IN_REGION]->(r)
}
"""

SOURCE = Source(
    name="civil-welfare",
    chinese="民政儿童救助",
    key_column="档案号",
    department="CIVIL",
    required=("档案号", "姓名", "性别", "出生日期", "身份证号", "儿童类别", "月救助金额",
              "起始日期", "行政区划代码"),
    optional=("福利机构", "救助项目", "终止日期"),
    model=WelfareRow,
    build=build,
    writes={"WelfareStatus": fact_writes("WelfareStatus", "WelfareInstitution", "AT")},
    org_write=ORG_WRITE,
)

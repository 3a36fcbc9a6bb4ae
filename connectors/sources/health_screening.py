"""`health-screening` 0–6 岁筛查: screening and diagnosis from health → a Screening.

Infants are often screened before they have an ID number: the row then identifies the child by
the mother's ID number + birth date (+ sex, name), see hub.linkage.
"""

from __future__ import annotations

from pydantic import Field

from connectors.linkage import Identity
from connectors.pipeline import BuildContext, FactOut, Record, RowError, Source, fact_writes
from connectors.sources._fields import (
    Day,
    Icd10,
    Key,
    OptChildName,
    OptDay,
    OptIdNumber,
    OptName,
    OptText,
    Region,
    ResultCode,
    RowModel,
    SexCode,
    Text,
    check_against_id,
)


class ScreeningRow(RowModel):
    key: Key = Field(alias="筛查编号")
    name: OptChildName = Field(None, alias="儿童姓名")
    sex: SexCode = Field(alias="性别")
    birth_date: Day = Field(alias="出生日期")
    id_number: OptIdNumber = Field(None, alias="儿童身份证号")
    mother_name: OptName = Field(None, alias="母亲姓名")
    mother_id: OptIdNumber = Field(None, alias="母亲身份证号")
    screened_on: Day = Field(alias="筛查日期")
    institution: Text = Field(alias="筛查机构")
    result: ResultCode = Field(alias="筛查结果")
    diagnosis: Icd10 = Field(None, alias="诊断")
    diagnosed_on: OptDay = Field(None, alias="诊断日期")
    referral: OptText = Field(None, alias="转介康复机构")
    region: Region = Field(alias="行政区划代码")


def build(row: ScreeningRow, ctx: BuildContext) -> Record:
    if row.id_number is None and row.mother_id is None:
        raise RowError("儿童身份证号", "儿童身份证号和母亲身份证号不能都为空 the child's or the "
                                      "mother's ID number is needed to know who the child is")
    if row.id_number is not None and row.id_number == row.mother_id:
        raise RowError("母亲身份证号", "母亲身份证号与儿童身份证号相同 the mother's ID number "
                                      "equals the child's")
    check_against_id(row.id_number, row.sex, row.birth_date)
    ref = ctx.ref(row.key)
    screening = FactOut(
        label="Screening", ref=ref, id_prefix="scr",
        props={"source": ctx.source, "sourceKey": row.key, "sourceRef": ref,
               "recordedBy": ctx.department, "recordedIn": row.region,
               "screeningNo": row.key, "date": row.screened_on, "institution": row.institution,
               "result": row.result.value, "diagnosis": row.diagnosis,
               "diagnosedOn": row.diagnosed_on, "referral": row.referral},
    )
    # The mother's name is not kept: her ID hash is all linkage needs (minimum necessary).
    identity = Identity(
        id_number=row.id_number, name=row.name, sex=row.sex,  # type: ignore[arg-type]
        birth_date=row.birth_date, mother_id=row.mother_id, region_code=row.region,
    )
    return Record(key=row.key, identity=identity, facts=(screening,))


SOURCE = Source(
    name="health-screening",
    chinese="0–6 岁儿童筛查",
    key_column="筛查编号",
    department="HEALTH",
    required=("筛查编号", "性别", "出生日期", "母亲身份证号", "筛查日期", "筛查机构", "筛查结果",
              "行政区划代码"),
    optional=("儿童姓名", "儿童身份证号", "母亲姓名", "诊断", "诊断日期", "转介康复机构"),
    model=ScreeningRow,
    build=build,
    writes={"Screening": fact_writes("Screening")},
)

"""`dpf-certificates` 残疾人证: certificates from the DPF → DisabilityCertificate (+ DeviceFitting).

The certificate number is the child's ID number plus two digits, so it is never stored in clear:
the fact's key is its keyed hash and ``numberMasked`` shows the first six and last four.
"""

from __future__ import annotations

from pydantic import Field

from connectors.linkage import Identity
from connectors.pipeline import BuildContext, FactOut, Record, RowError, Source, fact_writes
from connectors.sources._fields import (
    Category,
    Certificate,
    ChildName,
    Day,
    Grade,
    OptDay,
    OptName,
    OptText,
    Phone,
    Region,
    RowModel,
    SexCode,
    check_against_id,
)
from hub.identity import mask


class CertificateRow(RowModel):
    name: ChildName = Field(alias="姓名")
    sex: SexCode = Field(alias="性别")
    birth_date: Day = Field(alias="出生日期")
    certificate: Certificate = Field(alias="残疾人证号")
    category: Category = Field(alias="残疾类别")
    grade: Grade = Field(alias="残疾等级")
    issued_on: OptDay = Field(None, alias="发证日期")
    valid_until: OptDay = Field(None, alias="有效期至")
    region: Region = Field(alias="户籍地行政区划代码")
    guardian_name: OptName = Field(None, alias="监护人姓名")
    guardian_phone: Phone = Field(None, alias="监护人联系电话")
    device: OptText = Field(None, alias="辅具适配")


def build(row: CertificateRow, ctx: BuildContext) -> Record:
    id_number, category, grade = row.certificate
    check_against_id(id_number, row.sex, row.birth_date)
    # The 19th and 20th digits are the category and grade; a column saying otherwise is an
    # error in one of the two, which only the DPF can settle.
    if row.category != category:
        raise RowError("残疾类别", "残疾类别与残疾人证号第 19 位不一致 category does not match the "
                                   "certificate number")
    if row.grade != grade:
        raise RowError("残疾等级", "残疾等级与残疾人证号第 20 位不一致 grade does not match the "
                                   "certificate number")
    number = f"{id_number}{category}{grade}"
    key = ctx.hashed_key(number)
    ref = ctx.ref(key)
    common = {"source": ctx.source, "sourceKey": key, "recordedBy": ctx.department,
              "recordedIn": row.region}
    certificate = FactOut(
        label="DisabilityCertificate", ref=ref, id_prefix="crt",
        props={**common, "sourceRef": ref, "numberHash": key.removeprefix("hmac:"),
               "numberMasked": mask(number), "category": category, "grade": grade,
               "date": row.issued_on, "validUntil": row.valid_until,
               "guardianName": row.guardian_name, "guardianPhone": row.guardian_phone},
    )
    # The fitting is a second fact of the same row: its own ref, the same source key.
    device_ref = f"{ref}#device"
    facts = [certificate]
    drop: tuple[str, ...] = (device_ref,)
    if row.device:
        facts.append(FactOut(
            label="DeviceFitting", ref=device_ref, id_prefix="dev",
            props={**common, "sourceRef": device_ref, "device": row.device,
                   "date": row.issued_on, "provider": None},
        ))
        drop = ()
    identity = Identity(
        id_number=id_number, name=row.name, sex=row.sex,  # type: ignore[arg-type]
        birth_date=row.birth_date, region_code=row.region, disability_category=category,
        disability_grade=grade, authoritative_disability=True,
    )
    return Record(key=key, identity=identity, facts=tuple(facts), drop=drop)


SOURCE = Source(
    name="dpf-certificates",
    chinese="残疾人证",
    key_column="残疾人证号",
    department="DPF",
    required=("姓名", "性别", "出生日期", "残疾人证号", "残疾类别", "残疾等级",
              "户籍地行政区划代码"),
    optional=("发证日期", "有效期至", "监护人姓名", "监护人联系电话", "辅具适配"),
    model=CertificateRow,
    build=build,
    writes={
        "DisabilityCertificate": fact_writes("DisabilityCertificate"),
        "DeviceFitting": fact_writes("DeviceFitting"),
    },
)

"""`rehab-sessions` 康复服务记录: sessions from rehabilitation institutions → ServiceSession.

Recorded by the institution, on behalf of the DPF (``recordedBy: DPF``): the DPF runs early
rehabilitation and designates the institutions (DOMAIN.md). ``recordedIn`` is the region in
the institution's unified social credit code when it has one.
"""

from __future__ import annotations

from typing import LiteralString

from pydantic import Field

from connectors.linkage import Identity
from connectors.pipeline import BuildContext, FactOut, Record, RowError, Source, fact_writes
from connectors.sources._fields import (
    CreditCode,
    Day,
    Hours,
    Key,
    OptCertificate,
    OptChildName,
    OptIdNumber,
    OptName,
    RowModel,
    Text,
    born_on,
    region_of_credit_code,
    sex_of,
)


class RehabRow(RowModel):
    key: Key = Field(alias="服务记录号")
    name: OptChildName = Field(None, alias="姓名")
    id_number: OptIdNumber = Field(None, alias="身份证号")
    certificate: OptCertificate = Field(None, alias="残疾人证号")
    institution: Text = Field(alias="康复机构")
    institution_code: CreditCode = Field(alias="机构代码")
    served_on: Day = Field(alias="服务日期")
    item: Text = Field(alias="服务项目")
    hours: Hours = Field(alias="课时")
    therapist: OptName = Field(None, alias="康复师")


def build(row: RehabRow, ctx: BuildContext) -> Record:
    from_certificate = row.certificate[0] if row.certificate else None
    if row.id_number is None and from_certificate is None:
        raise RowError("身份证号", "身份证号和残疾人证号不能都为空 give the ID number or the "
                                  "certificate number")
    if row.id_number and from_certificate and row.id_number != from_certificate:
        raise RowError("残疾人证号", "残疾人证号与身份证号不是同一人 the certificate number "
                                    "belongs to another ID number")
    id_number = row.id_number or from_certificate
    ref = ctx.ref(row.key)
    region = region_of_credit_code(row.institution_code)
    session = FactOut(
        label="ServiceSession", ref=ref, id_prefix="svc", org=row.institution_code,
        props={"source": ctx.source, "sourceKey": row.key, "sourceRef": ref,
               "recordedBy": ctx.department, "recordedIn": region,
               "kind": "REHABILITATION", "date": row.served_on, "hours": row.hours,
               "content": [row.item], "provider": row.therapist, "notes": None},
    )
    # The sheet has no sex or birth-date column, but the ID number states both; the region it
    # encodes is where the child was registered at birth, not where it lives, so it stays
    # unknown until a source that says so links.
    identity = Identity(id_number=id_number, name=row.name,
                        sex=sex_of(id_number) if id_number else None,
                        birth_date=born_on(id_number) if id_number else None)
    org = {"code": row.institution_code, "name": row.institution, "regionCode": region,
           "prefix": "reh"}
    return Record(key=row.key, identity=identity, facts=(session,), orgs=(org,))



ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (r:RehabInstitution {code: o.code})
ON CREATE SET r:Organisation, r.id = o.id, r.designated = false
SET r.name = coalesce(o.name, r.name), r.regionCode = coalesce(r.regionCode, o.regionCode)
WITH r
CALL (r) {
  MATCH (g:Region {code: r.regionCode})
  MERGE (r)-[:IN_REGION]->(g)
}
"""

SOURCE = Source(
    name="rehab-sessions",
    chinese="康复服务记录",
    key_column="服务记录号",
    department="DPF",
    required=("服务记录号", "康复机构", "机构代码", "服务日期", "服务项目", "课时"),
    optional=("姓名", "身份证号", "残疾人证号", "康复师"),
    model=RehabRow,
    build=build,
    writes={"ServiceSession": fact_writes("ServiceSession", "RehabInstitution", "BY")},
    org_write=ORG_WRITE,
)

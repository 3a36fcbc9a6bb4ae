"""`schools` 学校名录: the school register from the education bureau → School organisations.

Each row sets what the register knows of a school (its key, 学校标识码, is the one the other
sources name it by): its type (办学类型 → ``schoolType``), region, resource room
(``HAS_RESOURCE_ROOM``), number of special classes (``specialClasses``), the resource centre
that guides it (``(ResourceCenter)-[:SERVES]->(School)``) and whether it hosts a resource centre.

A resource centre in the graph is an organisation of its own (``Organisation:ResourceCenter``,
as the demo city and the API have them); one the register names is keyed by the 学校标识码 of
the school that hosts it (``code``), so 指导资源中心 and 是否资源中心 meet on one node whichever
row comes first. The register may be loaded before or after the pupils: schools are merged by
code, and a school edu-status created gets its type and links when its register row comes; a
school the register created keeps the register's name and region when edu-status names it.
"""

from __future__ import annotations

from typing import Annotated, LiteralString

from pydantic import Field

from connectors import normalise
from connectors.linkage import Identity, new_id
from connectors.pipeline import BuildContext, Record, RowError, Source
from connectors.sources._fields import (
    OptSchoolCode,
    Region,
    RowModel,
    SchoolCode,
    Text,
    optional,
    v,
)
from hub.vocabulary import SchoolType

SchoolTypeCode = Annotated[SchoolType, v(normalise.school_type)]
HasRoom = Annotated[bool, v(normalise.yes_no("资源教室"))]
HostsCentre = Annotated[bool, v(normalise.yes_no("是否资源中心"))]
OptCount = Annotated[int | None, v(optional(normalise.count))]


class SchoolRow(RowModel):
    code: SchoolCode = Field(alias="学校标识码")
    name: Text = Field(alias="学校名称")
    school_type: SchoolTypeCode = Field(alias="办学类型")
    region: Region = Field(alias="行政区划代码")
    resource_room: HasRoom = Field(alias="资源教室")
    special_classes: OptCount = Field(None, alias="特教班数")
    centre: OptSchoolCode = Field(None, alias="指导资源中心")
    hosts_centre: HostsCentre = Field(alias="是否资源中心")


def build(row: SchoolRow, ctx: BuildContext) -> Record:
    if row.centre == row.code and not row.hosts_centre:
        raise RowError("指导资源中心", "指导资源中心是本校，但本校不是资源中心 the school names "
                                     "itself as its resource centre but hosts none")
    school = {
        "code": row.code, "id": f"sch_{row.code}", "name": row.name,
        "schoolType": row.school_type.value, "regionCode": row.region,
        "resourceRoom": row.resource_room, "specialClasses": row.special_classes,
        "centre": row.centre, "hostsCentre": row.hosts_centre,
        "centreName": f"{row.name}特殊教育资源中心", "centreId": new_id("rsc"),
        "servingId": new_id("rsc"),
    }
    return Record(key=row.code, identity=Identity(), facts=(), orgs=(school,))


ORG_WRITE: LiteralString = """
UNWIND $orgs AS o
MERGE (s:School {code: o.code})
ON CREATE SET s:Organisation, s.id = o.id
SET s.name = o.name, s.schoolType = o.schoolType, s.regionCode = o.regionCode,
    s.specialClasses = o.specialClasses, s.registered = true
WITH s, o
CALL (s, o) {
  OPTIONAL MATCH (s)-[old:IN_REGION]->(r:Region) WHERE r.code <> o.regionCode
  DELETE old
}
CALL (s, o) {
  MATCH (r:Region {code: o.regionCode})
  MERGE (s)-[:IN_REGION]->(r)
}
CALL (s, o) {
  WITH s, o WHERE o.resourceRoom
  MERGE (s)-[:HAS_RESOURCE_ROOM]->(room:ResourceRoom)
  ON CREATE SET room.id = 'rrm_' + o.code
}
CALL (s, o) {
  WITH s, o WHERE NOT o.resourceRoom
  OPTIONAL MATCH (s)-[:HAS_RESOURCE_ROOM]->(room:ResourceRoom)
  DETACH DELETE room
}
CALL (s, o) {
  WITH s, o WHERE o.hostsCentre
  MERGE (c:ResourceCenter {code: o.code})
  ON CREATE SET c:Organisation, c.id = o.centreId
  SET c.name = o.centreName, c.regionCode = o.regionCode
  WITH c, o
  CALL (c, o) {
    OPTIONAL MATCH (c)-[old:IN_REGION]->(r:Region) WHERE r.code <> o.regionCode
    DELETE old
  }
  CALL (c, o) {
    MATCH (r:Region {code: o.regionCode})
    MERGE (c)-[:IN_REGION]->(r)
  }
}
CALL (s, o) {
  OPTIONAL MATCH (other:ResourceCenter)-[x:SERVES]->(s)
  WHERE other.code IS NOT NULL AND (o.centre IS NULL OR other.code <> o.centre)
  DELETE x
}
CALL (s, o) {
  WITH s, o WHERE o.centre IS NOT NULL
  MERGE (c:ResourceCenter {code: o.centre})
  ON CREATE SET c:Organisation, c.id = o.servingId
  MERGE (c)-[:SERVES]->(s)
}
"""

SOURCE = Source(
    name="schools",
    chinese="学校名录",
    key_column="学校标识码",
    department="EDU",
    required=("学校标识码", "学校名称", "办学类型", "行政区划代码", "资源教室", "是否资源中心"),
    optional=("特教班数", "指导资源中心"),
    model=SchoolRow,
    build=build,
    writes={},
    org_write=ORG_WRITE,
    register=True,
)

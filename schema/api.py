"""The GraphQL schema: queries and mutations over the child's graph."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.context import Context


@strawberry.type(description="特殊教育数据枢纽 The special-education data hub")
class Query:
    @strawberry.field(description="服务版本 Version of the hub's API")
    def api_version(self, info: Info[Context, None]) -> str:
        return "0.1"


schema = strawberry.Schema(query=Query)

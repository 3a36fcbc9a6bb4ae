"""The GraphQL schema: queries (and mutations) over the child's graph."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from hub.settings import Settings
from schema.errors import ErrorCodes
from schema.mutations import Mutation
from schema.queries import Query
from schema.redactions import Redactions
from schema.scalars import SCALARS
from schema.types import ALL_TYPES


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=list(ALL_TYPES),
        extensions=[
            ErrorCodes,
            Redactions,
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: MaxTokensLimiter(max_token_count=settings.max_query_tokens),
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )

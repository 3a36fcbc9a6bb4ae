"""The GraphQL schema: queries (and mutations) over the child's graph."""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from audit.extension import AuditCapture
from auth.policy import policy_for
from hub.settings import Settings
from schema.audit import AuditQuery
from schema.console import ConsoleQuery
from schema.cost import QueryCost
from schema.depth import DepthLimit
from schema.documents import RememberValid
from schema.duplicates import DuplicateMutation, DuplicateQuery
from schema.errors import ErrorCodes
from schema.fields import install_fast_path
from schema.indicators import IndicatorQuery
from schema.mutations import Mutation
from schema.queries import Query
from schema.redactions import Redactions
from schema.scalars import SCALARS
from schema.subscriptions import RootSubscription
from schema.types import ALL_TYPES


# Each area of the API adds its root fields by adding its class here.
@strawberry.type(name="Query", description="查询 Queries")
class RootQuery(Query, DuplicateQuery, AuditQuery, IndicatorQuery, ConsoleQuery):
    pass


@strawberry.type(name="Mutation", description="变更 Mutations")
class RootMutation(Mutation, DuplicateMutation):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # One instance each, shared by every request: their validation rules are then the same
    # objects each time, so the validation cache can hit (new instances would miss it).
    limits = (
        DepthLimit(max_depth=settings.max_query_depth),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        MaxTokensLimiter(max_token_count=settings.max_query_tokens),
    )
    schema = strawberry.Schema(
        query=RootQuery,
        mutation=RootMutation,
        subscription=RootSubscription,  # served over WebSocket only (notify/graphql_ws.py)
        types=list(ALL_TYPES),
        extensions=[
            AuditCapture,  # first, so it runs last: after ErrorCodes has coded every error
            ErrorCodes,
            Redactions,
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            *(lambda limit=limit: limit for limit in limits),
            *([] if settings.introspection else [DisableIntrospection]),
            QueryCost,  # after validation, before execution: needs the variables and roles
            RememberValid,  # a document that reached execution is valid for the direct answer
        ],
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    policy = policy_for(settings)
    install_fast_path(schema, policy.maskable())
    return schema

"""GraphQL subscriptions 订阅: ``hubEvents``, the outbox's events a department may be told of.

The same events as the signed webhooks (hub/outbox.py, docs/notifications.md), told over a
WebSocket at ``/graphql`` (the ``graphql-transport-ws`` protocol). This module is the contract
only: the type of an event and the root field. Which events a subject is told, the audit of
each and the shared outbox poller are ``notify/``'s, handed to the resolver by the connection
(``SubscriptionContext.feed``, see notify/graphql_ws.py): the schema does not import notify.

An event holds ids only, like a webhook's body: the subscriber reads more through queries,
under its own policy, if it may.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, cast

import strawberry
from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.types import Info

from hub.errors import Forbidden
from hub.graph import native
from hub.outbox import EventKind
from hub.subject import Subject
from schema.context import Context
from schema.errors import classify
from schema.scalars import DateTime

strawberry.enum(EventKind, description="事件类型 Kind of change a department may be told of")


class Feed(Protocol):
    """The events one subject may be told, each checked against its scope and audited before
    it is yielded (notify/feed.py)."""

    def events(self, subject: Subject, kinds: frozenset[EventKind], after: str | None
               ) -> AsyncIterator[dict[str, Any]]: ...


@dataclass
class SubscriptionContext(Context):
    """A WebSocket connection's context: the subject its ``connection_init`` authenticated and
    the feed that serves its subscriptions. Until then it sees nothing (``feed`` is None)."""

    feed: Feed | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)  # connection_init's payload
    connection_id: str = ""
    websocket: WebSocket | None = None
    connection: object | None = None  # what admitted it (notify/graphql_ws.py)


@strawberry.type(description="变更事件 A change a department may be told of: ids only, as in a "
                             "webhook's body; read more through queries under your own policy")
class HubEvent:
    id: strawberry.ID = strawberry.field(
        description="事件 id(同 webhook-id;重连时作为 after 传入) the event's id, the same "
                    "as a webhook's webhook-id; pass the last one received as `after` to resume")
    kind: EventKind = strawberry.field(description="事件类型 Kind of change")
    occurred_at: DateTime = strawberry.field(description="发生时间 When the change was recorded")
    child_id: strawberry.ID = strawberry.field(description="儿童 id The child it is about")
    child_ids: list[strawberry.ID] = strawberry.field(
        description="所涉儿童 Every child it names (a review item: its two children)")
    transition_id: strawberry.ID | None = strawberry.field(
        description="转衔 id (TRANSITION_*) The transition")
    dropout_case_id: strawberry.ID | None = strawberry.field(
        description="控辍个案 id (DROPOUT_CASE_*) The dropout case")
    placement_id: strawberry.ID | None = strawberry.field(
        description="安置 id (PLACEMENT_ENDED) The placement")
    duplicate_candidate_id: strawberry.ID | None = strawberry.field(
        description="疑似重复待审记录 id (DUPLICATE_CANDIDATE_OPENED) The review item")
    organisation_ids: list[strawberry.ID] = strawberry.field(
        description="所涉机构 Organisations the change concerns (the receiving one, the one left)")

    @classmethod
    def of(cls, event: dict[str, Any]) -> HubEvent:
        kind = EventKind(event["kind"])
        occurred = native(event["occurredAt"])
        about = {name: None for name in ("transitionId", "dropoutCaseId", "placementId",
                                         "duplicateCandidateId")}
        about[kind.about] = event["about"]
        return cls(
            id=strawberry.ID(event["id"]), kind=kind,
            # ISO 8601 in UTC, as Cypher's toString gives every other DateTime of the API
            # (and a webhook's `timestamp`).
            occurred_at=cast(DateTime, occurred.astimezone(dt.UTC).isoformat().replace(
                "+00:00", "Z")),
            child_id=strawberry.ID(event["childId"]),
            child_ids=[strawberry.ID(c) for c in event.get("childIds") or [event["childId"]]],
            transition_id=about["transitionId"], dropout_case_id=about["dropoutCaseId"],
            placement_id=about["placementId"],
            duplicate_candidate_id=about["duplicateCandidateId"],
            organisation_ids=[strawberry.ID(o) for o in event.get("organisations") or []],
        )


KindsArg = Annotated[list[EventKind] | None, strawberry.argument(
    description="只要这些类型(缺省:全部) only these kinds (default: all)")]
AfterArg = Annotated[strawberry.ID | None, strawberry.argument(
    description="从此事件之后续传(收到的最后一个事件 id) resume after this event id, the last "
                "one you received")]


@strawberry.type(name="Subscription",
                 description="订阅 Subscriptions: over WebSocket at /graphql, graphql-transport-ws")
class RootSubscription:
    @strawberry.subscription(description=(
        "职责范围内的变更事件:转衔开始、交接、停滞,控辍个案开立与销号,安置结束,新的疑似重复待审记录。"
        "只推送订阅开始之后的事件;给出 after(收到的最后一个事件 id)则先补发其后的事件。"
        "每个事件发送时按您的范围判断,并记入审计日志。 "
        "Changes within your scope: a transition started, handed over or stalled, a dropout "
        "case opened or closed, a placement ended, a new review item. Events after the "
        "subscription starts; with `after` (the last event id you received), those since it "
        "first. Each is decided by your scope when sent, and audited."))
    async def hub_events(
        self, info: Info,
        kinds: KindsArg = None,
        after: AfterArg = None,
    ) -> AsyncIterator[HubEvent]:
        context = info.context
        feed = getattr(context, "feed", None)
        wanted = frozenset(kinds) if kinds else frozenset(EventKind)
        try:
            if feed is None:
                raise Forbidden("订阅仅通过 WebSocket(graphql-transport-ws)提供 subscriptions "
                                "are served over a WebSocket at /graphql (graphql-transport-ws)")
            async for event in feed.events(context.subject, wanted,
                                           str(after) if after else None):
                yield HubEvent.of(event)
        except Exception as exc:
            # The stream's results bypass the ErrorCodes extension: coded here, the same way
            # (a HubError's code and field, the database's UNAVAILABLE, INTERNAL otherwise).
            raise classify(GraphQLError(str(exc), original_error=exc)) from None

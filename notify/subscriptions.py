"""Webhook subscriptions 订阅: a registered client's URL and the kinds of event it wants.

Created, listed and removed by operators (``hub webhooks add|list|remove``). The secret is made
at creation, shown once, and kept sealed (notify/signing.py). A subscription says only what a
client *wants*; what it *receives* is decided per event by its scope (notify/audience.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hub.errors import BadUserInput, NotFound
from hub.graph import Graph
from hub.outbox import EventKind
from hub.settings import Settings
from notify.signing import SecretBox, new_secret


@dataclass(frozen=True)
class Created:
    id: str
    secret: str  # shown once


def check_url(url: str, settings: Settings) -> str:
    """An absolute http(s) URL without credentials; https only in production (the body names
    children by id, and the signature proves the sender, not the channel's privacy)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise BadUserInput("url: 应为 http(s) 绝对地址 must be an absolute http(s) URL",
                           field="url")
    if parts.username or parts.password:
        raise BadUserInput("url: 地址中不能含用户名或密码 must not carry credentials",
                           field="url")
    if settings.env == "prod" and parts.scheme != "https":
        raise BadUserInput("url: 生产环境须使用 https production URLs must be https",
                           field="url")
    return url.strip()


def check_events(events: list[str]) -> list[str]:
    known = {kind.value for kind in EventKind}
    unknown = sorted(set(events) - known)
    if not events or unknown:
        raise BadUserInput(
            f"events: 未知事件 unknown event kinds {unknown}; one or more of {sorted(known)}"
            if unknown else f"events: 至少一种事件 at least one of {sorted(known)}",
            field="events")
    return sorted(set(events))


async def add_subscription(graph: Graph, settings: Settings, *, client_id: str, url: str,
                           events: list[str]) -> Created:
    """Subscribes an active client; returns the id and the secret (shown once)."""
    url = check_url(url, settings)
    kinds = check_events(events)
    secret = new_secret()
    subscription_id = "whk_" + secrets.token_hex(8)
    rows = await graph.write(
        "MATCH (c:Client {id: $client, status: 'ACTIVE'}) "
        "CREATE (s:WebhookSubscription {id: $id, clientId: c.id, url: $url, events: $events, "
        "secretSealed: $sealed, status: 'ACTIVE', createdAt: datetime()}) "
        "RETURN s.id AS id",
        {"client": client_id, "id": subscription_id, "url": url, "events": kinds,
         "sealed": SecretBox(settings).seal(secret)},
    )
    if not rows:
        raise NotFound("未找到该客户端 no such active client; check --client", field="client")
    return Created(subscription_id, secret)


async def list_subscriptions(graph: Graph, client_id: str | None = None) -> list[dict[str, Any]]:
    return await graph.run(
        "MATCH (s:WebhookSubscription) WHERE $client IS NULL OR s.clientId = $client "
        "RETURN s.id AS id, s.clientId AS client, s.url AS url, s.events AS events, "
        "s.status AS status, toString(s.createdAt) AS createdAt ORDER BY s.createdAt",
        {"client": client_id},
    )


async def remove_subscription(graph: Graph, subscription_id: str) -> None:
    """Stops it: no new delivery, and pending ones are not sent. Kept for the delivery log."""
    rows = await graph.write(
        "MATCH (s:WebhookSubscription {id: $id, status: 'ACTIVE'}) "
        "SET s.status = 'REMOVED', s.removedAt = datetime() REMOVE s.secretSealed "
        "RETURN s.id AS id",
        {"id": subscription_id},
    )
    if not rows:
        raise NotFound("未找到该订阅 no such active subscription", field="id")

"""`hub webhooks add|list|remove|deliver|log|redeliver`: subscriptions and their deliveries."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from auth.policy import policy_for
from hub.commandline import fail, settings, with_graph
from hub.errors import HubError
from hub.graph import Graph
from notify import delivery, subscriptions
from notify.worker import deliver_once

webhooks_app = typer.Typer(help="变更通知 Signed webhooks to department systems",
                           no_args_is_help=True)
T = TypeVar("T")


def _run(work: Callable[[Graph], Awaitable[T]]) -> T:
    try:
        return with_graph(work)
    except HubError as exc:
        raise fail(exc.message) from None


@webhooks_app.command("add")
def add(
    client: str = typer.Option(..., "--client", help="客户端 id the subscribing client"),
    url: str = typer.Option(..., "--url", help="接收地址 where to POST (https in production)"),
    events: str = typer.Option(..., "--events", help="事件,逗号分隔 event kinds, comma-separated"),
) -> None:
    """订阅 Subscribe a client; the signing secret is shown once."""
    conf = settings()
    kinds = [kind.strip() for kind in events.split(",") if kind.strip()]

    async def work(graph: Graph) -> subscriptions.Created:
        return await subscriptions.add_subscription(graph, conf, client_id=client, url=url,
                                                    events=kinds)

    created = _run(work)
    typer.echo(f"订阅 subscription: {created.id}")
    typer.echo(f"签名密钥(仅显示一次) signing secret (shown once): {created.secret}")


@webhooks_app.command("list")
def list_(client: str | None = typer.Option(None, "--client", help="客户端 id")) -> None:
    """订阅列表 Subscriptions (no secrets)."""
    for row in _run(lambda graph: subscriptions.list_subscriptions(graph, client)):
        typer.echo(f"{row['id']}  {row['client']}  {row['status']}  {row['url']}  "
                   f"{','.join(row['events'])}  {row['createdAt']}")


@webhooks_app.command("remove")
def remove(subscription: str = typer.Argument(..., help="订阅 id")) -> None:
    """取消订阅 Remove a subscription: nothing more is sent to it."""
    _run(lambda graph: subscriptions.remove_subscription(graph, subscription))
    typer.echo(f"已取消 removed {subscription}")


@webhooks_app.command("deliver")
def deliver(
    once: bool = typer.Option(False, "--once", help="投递一轮后退出 one round, then exit"),
) -> None:
    """投递 Fan out new events and send what is due (the server does this by itself)."""
    if not once:
        raise fail("只支持 --once; `hub serve` runs the worker continuously", 2)
    conf = settings()
    done = _run(lambda graph: deliver_once(graph, conf, policy_for(conf)))
    typer.echo(json.dumps(done.__dict__))


@webhooks_app.command("log")
def log_(
    event: str | None = typer.Option(None, "--event", help="事件 id"),
    client: str | None = typer.Option(None, "--client", help="客户端 id"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines"),
) -> None:
    """投递记录 Deliveries, newest first: attempts, status codes (0: no answer), status."""
    rows = _run(lambda graph: delivery.delivery_log(graph, event_id=event, client_id=client,
                                                    limit=limit))
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
            continue
        codes = ",".join(str(code) for code in row["codes"] or []) or "-"
        typer.echo(f"{row['id']}  {row['event']}  {row['kind']}  {row['client']}  "
                   f"{row['status']}  attempts={row['attempts']}  codes={codes}"
                   + (f"  skipped={row['skipReason']}" if row["skipReason"] else "")
                   + (f"  next={row['nextAttemptAt']}" if row["status"] == "PENDING" else ""))


@webhooks_app.command("redeliver")
def redeliver(
    event: str = typer.Argument(..., help="事件 id (webhook-id)"),
    client: str | None = typer.Option(None, "--client",
                                      help="只重发给该客户端 only to this client"),
) -> None:
    """重新投递 Send an event's deliveries again (scope is checked again)."""
    count = _run(lambda graph: delivery.redeliver(graph, event, client))
    if not count:
        raise fail("该事件没有投递记录 no delivery of this event (not yet fanned out, or no "
                   "subscriber wanted it)")
    typer.echo(f"已排队 queued {count} deliveries of {event}")


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")

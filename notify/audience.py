"""Who may be told 通知对象: a subscriber receives an event only if it could read it.

Decided when the event is sent (each attempt, so a child who has left the subscriber's scope
since is no longer disclosed), with the rules the API applies to the same client:

- the kind of fact the event is about must be visible to its roles (``Scope.sees``);
- every child the event names must pass its row scope (``auth/scope.py`` ``scope_for``, the
  same conditions ``schema/compile.py`` puts on every match of a child);
- a review item (``DUPLICATE_CANDIDATE_OPENED``) as the review queue shows it
  (``schema/duplicates.py``): roles that may review duplicates over a region, and both children
  in that region.

Outside it, nothing is sent: not the event, not its id. A client that is not active, or whose
roles the policy no longer knows, is outside every scope.
"""

from __future__ import annotations

from typing import Any

from auth.policy import Policy
from auth.scope import scope_for
from hub.graph import Graph
from hub.outbox import EventKind
from hub.predicates import in_subtree, region_prefix
from hub.subject import Subject


def client_subject(client: dict[str, Any]) -> Subject:
    """The subject a client's token would carry (auth/clients.py ``authenticate``)."""
    return Subject(
        kind="client", id=client["id"], department=client["department"],
        region=client["region"], roles=frozenset(client.get("roles") or ()),
        organisations=tuple(client.get("organisations") or ()),
        generation=int(client.get("credentialGen") or 0),
    )


async def may_receive(graph: Graph, policy: Policy, client: dict[str, Any] | None,
                      event: dict[str, Any]) -> bool:
    """Whether a webhook subscriber's client may be told of the event now."""
    if client is None or client.get("status") != "ACTIVE":
        return False
    return await may_see(graph, policy, client_subject(client), event)


async def may_see(graph: Graph, policy: Policy, subject: Subject, event: dict[str, Any]
                  ) -> bool:
    """Whether this subject could read what the event is about, now: the one rule for webhooks
    and subscriptions alike. Whether the subject is still active is the caller's (a webhook's
    client record; a subscription's token, checked again while it is open)."""
    view = policy.view(subject)
    kind = EventKind(event["kind"])
    children = [str(c) for c in event.get("childIds") or [event["childId"]]]
    params: dict[str, Any] = {"children": children}
    if kind is EventKind.DUPLICATE_CANDIDATE_OPENED:
        if not view.link or "region" not in view.rows:
            return False
        conditions = [in_subtree("c", "$prefix")]
        params["prefix"] = region_prefix(subject.region)
    else:
        scope = scope_for(view, subject)
        if not view.sees_children or not scope.sees(kind.fact):
            return False
        conditions = scope.on_child("c")
        params |= scope.params
    condition = " AND ".join(conditions) or "true"
    rows = await graph.run(
        "UNWIND $children AS id OPTIONAL MATCH (c:Child {id: id}) "
        "RETURN c IS NOT NULL AND " + condition + " AS visible",
        params,
    )
    return len(rows) == len(children) and all(row["visible"] is True for row in rows)

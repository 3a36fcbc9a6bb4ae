"""Who an event's subject is 访问者身份, in words an auditor reads: a person's name and user name
with the organisations they work at, a department system's registered name.

One person appears in the log under several keys: its id (``ps_…``) on API events and on the
token it was issued, and the user name it typed (or, for a name that does not look like an id,
its keyed digest, ``audit/events.py`` ``safe_id``) on a refused sign-in, which is recorded before
anyone is known. :func:`resolve` maps every key back to the one identity, and :func:`aliases`
gives every key of an identity, so a filter on a person finds both kinds of event.

Reads ``Person`` and ``Client`` nodes as stored (this folder does not import ``auth``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString

from audit.events import safe_id
from hub.graph import Graph
from hub.settings import Settings


@dataclass(frozen=True)
class Who:
    key: str  # as the log has it
    kind: str  # person, client, system, unknown
    id: str | None = None  # the person's or client's id
    username: str | None = None
    name: str | None = None  # a person's display name, a client's registered name
    department: str | None = None
    region: str | None = None
    organisations: list[str] = field(default_factory=list)  # names


_PEOPLE: LiteralString = """
MATCH (p:Person) WHERE p.id IN $keys OR p.username IN $keys
OPTIONAL MATCH (p)-[:WORKS_AT]->(o:Organisation)
WITH p, o ORDER BY o.name
RETURN p {.id, .username, .displayName, .department, .region} AS p,
       [n IN collect(o.name) WHERE n IS NOT NULL] AS organisations
"""
_ALL_USERNAMES: LiteralString = "MATCH (p:Person) RETURN p.username AS username"
_CLIENTS: LiteralString = """
MATCH (c:Client) WHERE c.id IN $keys
OPTIONAL MATCH (o:Organisation) WHERE o.id IN coalesce(c.organisations, [])
WITH c, o ORDER BY o.name
RETURN c {.id, .name, .department, .region} AS c,
       [n IN collect(o.name) WHERE n IS NOT NULL] AS organisations
"""


async def _digested(graph: Graph, settings: Settings, keys: set[str]) -> dict[str, str]:
    """Digest keys (``hmac:…``) of refused sign-ins → the user name they were made from."""
    wanted = {k for k in keys if k.startswith("hmac:")}
    if not wanted:
        return {}
    found = {}
    for row in await graph.run(_ALL_USERNAMES):
        digest = safe_id(settings, str(row["username"]))
        if digest in wanted:
            found[digest] = str(row["username"])
    return found


async def resolve(graph: Graph, settings: Settings, keys: list[str]) -> list[Who]:
    """Each key as the identity behind it, in the order given (unknown keys say so)."""
    wanted = {k for k in keys if k}
    digested = await _digested(graph, settings, wanted)
    lookup = sorted(wanted | set(digested.values()))
    people: dict[str, Who] = {}
    for row in await graph.run(_PEOPLE, {"keys": lookup}):
        p: dict[str, Any] = row["p"]
        who = Who(key="", kind="person", id=p["id"], username=p["username"],
                  name=p.get("displayName"), department=p.get("department"),
                  region=p.get("region"), organisations=list(row["organisations"]))
        people[str(p["id"])] = people[str(p["username"])] = who
    clients: dict[str, Who] = {}
    for row in await graph.run(_CLIENTS, {"keys": lookup}):
        c: dict[str, Any] = row["c"]
        clients[str(c["id"])] = Who(key="", kind="client", id=c["id"], name=c.get("name"),
                                    department=c.get("department"), region=c.get("region"),
                                    organisations=list(row["organisations"]))
    out = []
    for key in keys:
        plain = digested.get(key, key)
        found = people.get(plain) or clients.get(plain)
        if found is not None:
            out.append(Who(**{**vars(found), "key": key}))
        elif key == "system" or key.startswith("hub"):
            out.append(Who(key=key, kind="system"))
        else:
            out.append(Who(key=key, kind="unknown"))
    return out


async def aliases(graph: Graph, settings: Settings, key: str) -> list[str]:
    """Every key under which the identity behind ``key`` appears in the log."""
    who = (await resolve(graph, settings, [key]))[0]
    keys = {key}
    if who.kind == "person" and who.username is not None:
        keys |= {str(who.id), who.username}
        digest = safe_id(settings, who.username)
        if digest is not None:
            keys.add(digest)
    elif who.id is not None:
        keys.add(who.id)
    return sorted(keys)

"""Registered department systems (OAuth2 clients): created, rotated and revoked by `hub clients`.

A client's secret is shown once and stored as an argon2 hash; what it may do follows from its
department, region and roles (checked against the policy when it is registered).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from auth import trusted
from auth.passwords import HashGate, check_secret, hash_secret
from auth.policy import Policy
from hub import regions
from hub.errors import BadUserInput, NotFound
from hub.facts import DEPARTMENTS
from hub.graph import Graph
from hub.subject import Subject


@dataclass(frozen=True)
class Registered:
    client_id: str
    secret: str


def check_assignment(policy: Policy, department: str, region: str, roles: list[str]) -> None:
    """A department, region and roles that fit together (for clients and people alike)."""
    if department not in DEPARTMENTS:
        raise BadUserInput(f"department: 未知部门 unknown department, one of {sorted(DEPARTMENTS)}")
    if not regions.is_known(region):
        raise BadUserInput("region: 不是已知的行政区划代码 not a known region code")
    if not roles:
        raise BadUserInput("roles: 至少一个角色 at least one role")
    for role in roles:
        rule = policy.spec.roles.get(role)
        if rule is None:
            raise BadUserInput(f"roles: 未知角色 unknown role {role}: {sorted(policy.spec.roles)}")
        if rule.department not in (None, department):
            raise BadUserInput(f"roles: {role} 属于 belongs to {rule.department}, not {department}")


_REGISTER: LiteralString = (
    "MERGE (c:Client {id: $id}) SET c.name = $name, c.secretHash = $hash, "
    "c.department = $department, c.region = $region, c.roles = $roles, "
    "c.organisations = $organisations, c.status = 'ACTIVE', "
    "c.credentialGen = coalesce(c.credentialGen, 0) + 1, "
    "c.createdAt = coalesce(c.createdAt, datetime())"
)


async def add_client(
    graph: Graph, policy: Policy, *, name: str, department: str, region: str,
    roles: list[str], organisations: list[str] | None = None,
    client_id: str | None = None, secret: str | None = None,
    documents: Sequence[trusted.TrustedDocument] | None = None,
) -> Registered:
    """Registers a client. ``client_id``/``secret`` are given only for the local demo clients;
    otherwise both are random. Registering an existing id again replaces it. ``documents``
    (checked by ``schema/trusted.py``) makes it a client that may send only those, registered
    in the same transaction; without them an existing client's list is kept."""
    check_assignment(policy, department, region, roles)
    client_id = client_id or "cl_" + secrets.token_hex(8)
    secret = secret or secrets.token_urlsafe(32)
    params = {"id": client_id, "name": name, "hash": hash_secret(secret),
              "department": department, "region": region, "roles": sorted(roles),
              "organisations": organisations or []}
    if documents is None:
        await graph.write(_REGISTER, params)
    else:
        async with graph.transaction() as tx:
            await tx.run(_REGISTER, params)
            await trusted.write_documents(tx, client_id, documents)
    return Registered(client_id, secret)


async def subject_of(graph: Graph, client_id: str) -> Subject:
    """A registered client as its tokens name it (its roles and budget), active or not."""
    rows = await graph.run("MATCH (c:Client {id: $id}) RETURN c {.*} AS c", {"id": client_id})
    if not rows:
        raise NotFound("未找到该客户端 no such client", field="client")
    client = rows[0]["c"]
    return Subject(kind="client", id=client["id"], department=client["department"],
                   region=client["region"], roles=frozenset(client["roles"]),
                   organisations=tuple(client.get("organisations") or ()))


async def list_clients(graph: Graph) -> list[dict[str, Any]]:
    return await graph.run(
        "MATCH (c:Client) RETURN c.id AS id, c.name AS name, c.department AS department, "
        "c.region AS region, c.roles AS roles, c.status AS status, "
        "toString(c.createdAt) AS createdAt, coalesce(c.trustedOnly, false) AS trustedOnly, "
        "COUNT { (c)-[:MAY_SEND]->(:TrustedDocument) } AS documents ORDER BY c.createdAt"
    )


async def rotate_secret(graph: Graph, client_id: str) -> str:
    """A new secret; tokens issued under the old one stop working (auth/standing.py)."""
    secret = secrets.token_urlsafe(32)
    rows = await graph.write(
        "MATCH (c:Client {id: $id, status: 'ACTIVE'}) SET c.secretHash = $hash, "
        "c.credentialGen = coalesce(c.credentialGen, 0) + 1, "
        "c.rotatedAt = datetime() RETURN c.id AS id",
        {"id": client_id, "hash": hash_secret(secret)},
    )
    if not rows:
        raise NotFound("未找到该客户端 no such active client")
    return secret


async def revoke(graph: Graph, client_id: str) -> None:
    """No new token, and the tokens it holds stop working within seconds (auth/standing.py)."""
    rows = await graph.write(
        "MATCH (c:Client {id: $id}) SET c.status = 'REVOKED', c.revokedAt = datetime() "
        "RETURN c.id AS id",
        {"id": client_id},
    )
    if not rows:
        raise NotFound("未找到该客户端 no such client")


async def authenticate(graph: Graph, client_id: str, secret: str,
                       gate: HashGate | None = None) -> Subject | None:
    """The client if the secret is its own; an unknown id costs the same argon2 check."""
    rows = await graph.run(
        "MATCH (c:Client {id: $id, status: 'ACTIVE'}) RETURN c {.*} AS client", {"id": client_id}
    )
    client = rows[0]["client"] if rows else None
    if not await check_secret(client["secretHash"] if client else None, secret, gate) \
            or client is None:
        return None
    return Subject(
        kind="client", id=client["id"], department=client["department"],
        region=client["region"], roles=frozenset(client["roles"]),
        organisations=tuple(client.get("organisations") or ()),
        # read with the secret's hash: a rotation after this read makes the token stale at once
        generation=int(client.get("credentialGen") or 0),
    )

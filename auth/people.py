"""People who sign in to the console 人员账户: created by `hub users add`, checked at sign-in.

A person is ``(:Person {id, username, passwordHash, department, region, roles, unlockedAt,
status})`` with ``WORKS_AT`` relationships to the schools, resource centres and
institutions they work at; those ids become the token's ``organisations`` claim, so row scope
(``auth/scope.py``) follows the relationships of the person, as it does for a client.

Passwords are argon2id hashes (``auth/passwords.py``), checked off the event loop. Wrong
passwords do not lock the account (anyone could then lock anyone out, and the lock would tell
which names exist): the sign-in form makes the *address* wait instead (``auth/attempts.py``).
``hub users unlock`` sets ``unlockedAt``, which forgives the failures counted under that name
before it, from every address.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from auth.clients import check_assignment
from auth.passwords import HashGate, check_secret, hash_secret
from auth.policy import Policy
from hub.errors import BadUserInput, NotFound
from hub.graph import Graph
from hub.subject import Subject

MIN_PASSWORD = 10
# The organisations a person can work at: WORKS_AT only points at these.
WORKPLACES = ("School", "ResourceCenter", "RehabInstitution", "WelfareInstitution")
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


def _check(policy: Policy, username: str, password: str, department: str, region: str,
           roles: list[str]) -> None:
    if not _USERNAME.match(username):
        raise BadUserInput("username: 3–64 个字母、数字或 _.@- letters, digits or _.@-")
    if len(password) < MIN_PASSWORD:
        raise BadUserInput(f"password: 至少 {MIN_PASSWORD} 个字符 at least {MIN_PASSWORD} "
                           "characters")
    check_assignment(policy, department, region, roles)


async def add_person(
    graph: Graph, policy: Policy, *, username: str, password: str, department: str,
    region: str, roles: list[str], works_at: list[str] | None = None,
    display_name: str | None = None,
) -> str:
    """Creates the account (or replaces its password, roles and workplaces, and then the tokens
    it holds stop working: auth/standing.py); returns its id."""
    _check(policy, username, password, department, region, roles)
    works_at = sorted(set(works_at or []))
    if works_at:
        rows = await graph.run(
            "UNWIND $ids AS id MATCH (o:Organisation {id: id}) "
            "WHERE any(l IN labels(o) WHERE l IN $kinds) RETURN collect(o.id) AS found",
            {"ids": works_at, "kinds": list(WORKPLACES)},
        )
        missing = sorted(set(works_at) - set(rows[0]["found"] if rows else []))
        if missing:
            raise BadUserInput(f"works-at: 未找到机构 no school, centre or institution {missing}")
    rows = await graph.write(
        "MERGE (p:Person {username: $username}) "
        "ON CREATE SET p.id = $id, p.createdAt = datetime() "
        "SET p.passwordHash = $hash, p.department = $department, p.region = $region, "
        "p.roles = $roles, p.status = 'ACTIVE', "
        "p.displayName = coalesce($displayName, p.displayName), "
        "p.credentialGen = coalesce(p.credentialGen, 0) + 1 REMOVE p.failedAttempts, p.lockedUntil "
        "WITH p OPTIONAL MATCH (p)-[old:WORKS_AT]->() DELETE old "
        "WITH DISTINCT p UNWIND (CASE WHEN $orgs = [] THEN [null] ELSE $orgs END) AS org "
        "OPTIONAL MATCH (o:Organisation {id: org}) "
        "FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | MERGE (p)-[:WORKS_AT]->(o)) "
        "RETURN DISTINCT p.id AS id",
        {"username": username, "id": "ps_" + secrets.token_hex(8),
         "hash": hash_secret(password), "department": department, "region": region,
         "roles": sorted(roles), "orgs": works_at,
         # The name auditors read beside the user name (audit/subjects.py); optional.
         "displayName": (display_name or "").strip() or None},
    )
    return str(rows[0]["id"])


async def list_people(graph: Graph) -> list[dict[str, Any]]:
    return await graph.run(
        "MATCH (p:Person) OPTIONAL MATCH (p)-[:WORKS_AT]->(o:Organisation) "
        "WITH p, collect(o.id) AS orgs "
        "RETURN p.id AS id, p.username AS username, p.department AS department, "
        "p.region AS region, p.roles AS roles, orgs AS worksAt, "
        "toString(p.unlockedAt) AS unlockedAt ORDER BY p.username"
    )


async def unlock(graph: Graph, username: str) -> None:
    """Forgives the failed sign-ins counted under this name so far, from every address: each
    hub process reads the mark at the name's next refused attempt (``unlocked_at``)."""
    rows = await graph.write(
        "MATCH (p:Person {username: $username}) SET p.unlockedAt = datetime() "
        "REMOVE p.failedAttempts, p.lockedUntil RETURN p.id AS id",
        {"username": username},
    )
    if not rows:
        raise NotFound("未找到该用户 no such user")


async def unlocked_at(graph: Graph, username: str) -> float | None:
    """When an administrator last unlocked the name (epoch seconds), or None; the same one read
    whether or not the name exists."""
    rows = await graph.run(
        "OPTIONAL MATCH (p:Person {username: $username}) RETURN p.unlockedAt AS at",
        {"username": username},
    )
    at = rows[0]["at"] if rows else None
    return float(at.to_native().timestamp()) if at is not None else None


def _subject(person: dict[str, Any], organisations: list[str]) -> Subject:
    return Subject(
        kind="person", id=str(person["id"]), department=str(person["department"]),
        region=str(person["region"]), roles=frozenset(person.get("roles") or ()),
        organisations=tuple(sorted(organisations)),
        generation=int(person.get("credentialGen") or 0),
    )


_PERSON = (
    "MATCH (p:Person {username: $username, status: 'ACTIVE'}) "
    "OPTIONAL MATCH (p)-[:WORKS_AT]->(o:Organisation) "
    "RETURN p {.*} AS person, collect(o.id) AS orgs"
)


async def authenticate(graph: Graph, username: str, password: str,
                       gate: HashGate | None = None) -> Subject | None:
    """The person if the password is theirs. An unknown name costs one argon2 check against a
    dummy hash, like a known one: the time taken tells nothing. Attempts are limited by the
    caller (``auth/attempts.py``), per address."""
    rows = await graph.run(_PERSON, {"username": username})
    person = rows[0]["person"] if rows else None
    stored = person.get("passwordHash") if person is not None else None
    if not await check_secret(stored, password, gate) or person is None:
        return None
    await graph.write("MATCH (p:Person {id: $id}) SET p.lastSignIn = datetime()",
                      {"id": person["id"]})
    return _subject(person, list(rows[0]["orgs"]))


async def subject_of(graph: Graph, person_id: str) -> Subject | None:
    """The person as they are now (roles and workplaces read afresh when a token is issued)."""
    rows = await graph.run(
        "MATCH (p:Person {id: $id, status: 'ACTIVE'}) "
        "OPTIONAL MATCH (p)-[:WORKS_AT]->(o:Organisation) "
        "RETURN p {.*} AS person, collect(o.id) AS orgs",
        {"id": person_id},
    )
    if not rows or rows[0]["person"] is None:
        return None
    return _subject(rows[0]["person"], list(rows[0]["orgs"]))

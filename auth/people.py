"""People who sign in to the console 人员账户: created by `hub users add`, checked at sign-in.

A person is ``(:Person {id, username, passwordHash, department, region, roles, failedAttempts,
lockedUntil, status})`` with ``WORKS_AT`` relationships to the schools, resource centres and
institutions they work at; those ids become the token's ``organisations`` claim, so row scope
(``auth/scope.py``) follows the relationships of the person, as it does for a client.

Passwords are argon2id hashes (``auth/passwords.py``). Five wrong passwords in a row lock the
account for fifteen minutes; while locked the password is not even checked (a guess cannot
succeed), and ``hub users unlock`` ends a lock early.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from auth.clients import check_assignment
from auth.passwords import hash_secret, verify_secret
from auth.policy import Policy
from auth.subject import Subject
from hub.errors import BadUserInput, NotFound
from hub.graph import Graph

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
# The organisations a person can work at: WORKS_AT only points at these.
WORKPLACES = ("School", "ResourceCenter", "RehabInstitution", "WelfareInstitution")
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: a subject, or why not (the form tells ``locked`` apart, since
    the person must know to wait; a wrong name and a wrong password read the same)."""

    outcome: Literal["ok", "invalid", "locked"]
    subject: Subject | None = None
    locked_until: dt.datetime | None = None


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
        "p.roles = $roles, p.failedAttempts = 0, p.lockedUntil = null, p.status = 'ACTIVE', "
        "p.credentialGen = coalesce(p.credentialGen, 0) + 1 "
        "WITH p OPTIONAL MATCH (p)-[old:WORKS_AT]->() DELETE old "
        "WITH DISTINCT p UNWIND (CASE WHEN $orgs = [] THEN [null] ELSE $orgs END) AS org "
        "OPTIONAL MATCH (o:Organisation {id: org}) "
        "FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | MERGE (p)-[:WORKS_AT]->(o)) "
        "RETURN DISTINCT p.id AS id",
        {"username": username, "id": "ps_" + secrets.token_hex(8),
         "hash": hash_secret(password), "department": department, "region": region,
         "roles": sorted(roles), "orgs": works_at},
    )
    return str(rows[0]["id"])


async def list_people(graph: Graph) -> list[dict[str, Any]]:
    return await graph.run(
        "MATCH (p:Person) OPTIONAL MATCH (p)-[:WORKS_AT]->(o:Organisation) "
        "WITH p, collect(o.id) AS orgs "
        "RETURN p.id AS id, p.username AS username, p.department AS department, "
        "p.region AS region, p.roles AS roles, orgs AS worksAt, "
        "coalesce(p.failedAttempts, 0) AS failedAttempts, "
        "toString(p.lockedUntil) AS lockedUntil ORDER BY p.username"
    )


async def unlock(graph: Graph, username: str) -> None:
    rows = await graph.write(
        "MATCH (p:Person {username: $username}) SET p.failedAttempts = 0, p.lockedUntil = null "
        "RETURN p.id AS id",
        {"username": username},
    )
    if not rows:
        raise NotFound("未找到该用户 no such user")


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
                       now: dt.datetime | None = None) -> SignIn:
    now = now or dt.datetime.now(dt.UTC)
    rows = await graph.run(_PERSON, {"username": username})
    person = rows[0]["person"] if rows else None
    if person is None:
        verify_secret(None, password)  # the same work as for a real account: no timing hint
        return SignIn("invalid")
    locked = person.get("lockedUntil")
    locked_until = locked.to_native() if locked is not None else None
    if locked_until is not None and locked_until > now:
        verify_secret(None, password)
        return SignIn("locked", locked_until=locked_until)
    if verify_secret(person.get("passwordHash"), password):
        await graph.write(
            "MATCH (p:Person {id: $id}) SET p.failedAttempts = 0, p.lockedUntil = null, "
            "p.lastSignIn = datetime()", {"id": person["id"]})
        return SignIn("ok", subject=_subject(person, list(rows[0]["orgs"])))
    # Counted in the database, so two requests at once both count; an expired lock starts over.
    until = now + dt.timedelta(minutes=LOCK_MINUTES)
    counted = await graph.write(
        "MATCH (p:Person {id: $id}) "
        "WITH p, CASE WHEN p.lockedUntil IS NOT NULL AND p.lockedUntil <= $now THEN 0 "
        "ELSE coalesce(p.failedAttempts, 0) END + 1 AS failures "
        "SET p.failedAttempts = CASE WHEN failures >= $max THEN 0 ELSE failures END, "
        "p.lockedUntil = CASE WHEN failures >= $max THEN $until ELSE null END "
        "RETURN p.lockedUntil AS lockedUntil",
        {"id": person["id"], "now": now, "until": until, "max": MAX_FAILURES},
    )
    if counted and counted[0]["lockedUntil"] is not None:
        return SignIn("locked", locked_until=until)
    return SignIn("invalid")


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

"""People's accounts and their sign-in: argon2, the authorization-code flow with PKCE, and the
token it ends in, used on the same /graphql as any client's (attempt limits:
tests/test_signin_abuse.py)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from auth import people
from auth.policy import default_policy
from hub.errors import BadUserInput
from hub.graph import Graph
from hub.settings import Settings
from tests.auth_helpers import gql, http_client
from tests.graphql_helpers import seed

CALLBACK = "http://hub/console/callback"
PASSWORD = "correct-horse-battery"  # a test account's password


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def staff(graph: Graph, username: str = "wang.li") -> str:
    return await people.add_person(
        graph, default_policy(), username=username, password=PASSWORD, department="EDU",
        region="140404", roles=["resource-centre-staff"], works_at=["rc_1"])


def flow(challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": "console", "redirect_uri": CALLBACK,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": "st-1",
            **extra}


async def code_for(client: httpx.AsyncClient, challenge: str, username: str = "wang.li",
                   password: str = PASSWORD) -> str:
    response = await client.post("/oauth/authorize", data={
        **flow(challenge), "username": username, "password": password})
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


async def exchange(client: httpx.AsyncClient, code: str, verifier: str,
                   **extra: str) -> httpx.Response:
    return await client.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "console",
        "redirect_uri": CALLBACK, "code_verifier": verifier, **extra})


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


# --- accounts ------------------------------------------------------------------------------------


async def test_add_list_and_replace_a_person(graph: Graph) -> None:
    await seed(graph)
    person_id = await staff(graph)
    assert person_id.startswith("ps_")
    rows = await people.list_people(graph)
    assert [(r["username"], r["worksAt"], r["roles"]) for r in rows] == [
        ("wang.li", ["rc_1"], ["resource-centre-staff"])]
    # Adding again replaces roles and workplaces but keeps the id.
    again = await people.add_person(
        graph, default_policy(), username="wang.li", password=PASSWORD, department="EDU",
        region="140404", roles=["school-staff"], works_at=["sch_1"])
    assert again == person_id
    rows = await people.list_people(graph)
    assert rows[0]["worksAt"] == ["sch_1"] and rows[0]["roles"] == ["school-staff"]
    stored = await graph.run("MATCH (p:Person) RETURN p.passwordHash AS h")
    assert stored[0]["h"].startswith("$argon2id$") and PASSWORD not in stored[0]["h"]


@pytest.mark.parametrize(("change", "field"), [
    ({"roles": ["no-such-role"]}, "roles"),
    ({"roles": ["health-officer"]}, "roles"),  # a HEALTH role for an EDU person
    ({"works_at": ["nowhere"]}, "works-at"),
    ({"password": "short"}, "password"),
    ({"username": "x"}, "username"),
    ({"region": "999999"}, "region"),
])
async def test_bad_accounts_are_refused(graph: Graph, change: dict[str, Any], field: str) -> None:
    await seed(graph)
    values: dict[str, Any] = {"username": "wang.li", "password": PASSWORD, "department": "EDU",
                              "region": "140404", "roles": ["resource-centre-staff"],
                              "works_at": ["rc_1"], **change}
    with pytest.raises(BadUserInput, match=field):
        await people.add_person(graph, default_policy(), **values)


async def test_sign_in_checks_the_password(graph: Graph) -> None:
    await seed(graph)
    await staff(graph)
    # Wrong passwords do not lock the account: limits are per address (test_signin_abuse.py).
    for _ in range(3):
        assert await people.authenticate(graph, "wang.li", "wrong") is None
    signed = await people.authenticate(graph, "wang.li", PASSWORD)
    assert signed is not None and signed.kind == "person"
    assert signed.organisations == ("rc_1",)


async def test_demo_people_sign_in_and_see_their_centre(graph: Graph, settings: Settings) -> None:
    from shell.cli import app

    await seed(graph)
    # The command runs its own event loop: in a thread, beside this test's loop.
    shown = await asyncio.to_thread(CliRunner().invoke, app, ["users", "demo"])
    assert shown.exit_code == 0, shown.output
    signed = await people.authenticate(graph, "demo.staff", "local-demo-password-staff")
    assert signed is not None and signed.organisations == ("rc_1",)
    supervisor = await people.authenticate(graph, "demo.supervisor",
                                           "local-demo-password-supervisor")
    assert supervisor is not None and supervisor.region == "140400"


async def test_unknown_user_reads_like_a_wrong_password(graph: Graph) -> None:
    assert await people.authenticate(graph, "nobody", "whatever") is None


def test_users_command_adds_lists_and_unlocks(graph: Graph) -> None:
    from shell.cli import app

    # The command runs its own event loop, so the graph is seeded through the CLI's path too.
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "--username", "audit.zhao", "--department",
                                "EDU", "--region", "140400", "--roles", "auditor",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list"])
    assert "audit.zhao" in listed.output and "auditor" in listed.output
    assert runner.invoke(app, ["users", "unlock", "audit.zhao"]).exit_code == 0
    assert "没有资源中心" in runner.invoke(app, ["users", "demo"]).output  # no demo city yet
    refused = runner.invoke(app, ["users", "add", "--username", "x.y", "--department", "EDU",
                                  "--region", "140400", "--roles", "auditor",
                                  "--password-stdin"], input="short\n")
    assert refused.exit_code == 1 and "password" in refused.output


# --- the authorization-code flow -----------------------------------------------------------------


async def test_sign_in_form_in_chinese_with_an_english_switch(graph: Graph,
                                                              settings: Settings) -> None:
    _, challenge = pkce()
    async with http_client(settings) as client:
        page = await client.get("/oauth/authorize", params=flow(challenge))
        english = await client.get("/oauth/authorize", params=flow(challenge, lang="en"))
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "用户名" in page.text
    assert 'for="password"' in page.text and "lang=en" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<html lang="en">' in english.text and "Sign in" in english.text


@pytest.mark.parametrize(("change", "why"), [
    ({"client_id": "someone-else"}, "client_id"),
    ({"redirect_uri": "http://evil.example/console/callback"}, "redirect_uri"),
    ({"redirect_uri": "http://hub/elsewhere"}, "redirect_uri"),
    ({"code_challenge_method": "plain"}, "code_challenge_method"),
    ({"code_challenge": "short"}, "code_challenge"),
    ({"response_type": "token"}, "response_type"),
])
async def test_bad_requests_are_refused_without_redirect(
        graph: Graph, settings: Settings, change: dict[str, str], why: str) -> None:
    await seed(graph)
    await staff(graph)
    _, challenge = pkce()
    async with http_client(settings) as client:
        shown = await client.get("/oauth/authorize", params={**flow(challenge), **change})
        posted = await client.post("/oauth/authorize", data={
            **flow(challenge), **change, "username": "wang.li", "password": PASSWORD})
    for response in (shown, posted):
        assert response.status_code == 400 and "location" not in response.headers
        assert why in response.text


async def test_code_flow_ends_in_a_person_token_on_the_same_graphql(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    person_id = await staff(graph)
    verifier, challenge = pkce()
    async with http_client(settings) as client:
        wrong = await client.post("/oauth/authorize", data={
            **flow(challenge), "username": "wang.li", "password": "wrong-one"})
        assert wrong.status_code == 401 and "用户名或密码不正确" in wrong.text
        assert 'value="wang.li"' in wrong.text  # the name is kept; the password is not
        code = await code_for(client, challenge)
        token = await exchange(client, code, verifier)
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        assert claims(access)["kind"] == "person" and claims(access)["sub"] == person_id
        assert claims(access)["organisations"] == ["rc_1"]
        # Used once: a second exchange of the same code fails.
        again = await exchange(client, code, verifier)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
        # The token opens /graphql with the person's scope: the centre's schools' pupils.
        found = await gql(client, access, "{ children { totalCount edges { node { id } } } }",
                          purpose="SERVICE_DELIVERY")
        assert found.json()["data"]["children"]["totalCount"] == 1
        assert found.json()["data"]["children"]["edges"][0]["node"]["id"] == "ch_1"
    events = await graph.run(
        "MATCH (e:AuditEvent {kind: 'token'}) RETURN e.subjectId AS s, e.outcome AS o, "
        "e.subjectKind AS k ORDER BY e.seq")
    outcomes = [(e["k"], e["o"]) for e in events]
    assert ("person", "ok") in outcomes  # the issued token
    assert outcomes[0] == ("client", "unauthenticated")  # the wrong password, first


@pytest.mark.parametrize("tamper", ["verifier", "redirect", "client", "expired"])
async def test_a_code_is_bound_to_verifier_redirect_client_and_time(
        graph: Graph, settings: Settings, tamper: str) -> None:
    await seed(graph)
    await staff(graph)
    verifier, challenge = pkce()
    async with http_client(settings) as client:
        code = await code_for(client, challenge)
        extra: dict[str, str] = {}
        if tamper == "verifier":
            verifier = pkce()[0]
        elif tamper == "redirect":
            extra = {"redirect_uri": "http://hub/console/other"}
        elif tamper == "client":
            extra = {"client_id": "cl_other"}
        else:
            await graph.write("MATCH (a:AuthorizationCode) "
                              "SET a.expiresAt = datetime() - duration({seconds: 1})")
        response = await exchange(client, code, verifier, **extra)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not await graph.run("MATCH (a:AuthorizationCode) RETURN a")  # consumed regardless


async def test_a_replaced_disabled_or_removed_persons_tokens_stop_within_seconds(
        graph: Graph, settings: Settings) -> None:
    await seed(graph)
    await staff(graph)
    interval = 0.3
    conf = settings.model_copy(update={"token_status_cache_seconds": interval})
    query = "{ children { totalCount } }"
    async with http_client(conf) as client:
        async def sign_in() -> str:
            verifier, challenge = pkce()
            token = await exchange(client, await code_for(client, challenge), verifier)
            assert token.status_code == 200, token.text
            return str(token.json()["access_token"])

        async def status(token: str) -> int:
            return (await gql(client, token, query, purpose="SERVICE_DELIVERY")).status_code

        before = await sign_in()
        assert await status(before) == 200
        await staff(graph)  # `hub users add` again: a new password (and roles, workplaces)
        await asyncio.sleep(interval + 0.05)
        assert await status(before) == 401
        after = await sign_in()
        assert await status(after) == 200
        # No command disables an account yet; an administrator's Cypher, or one to come.
        await graph.write("MATCH (p:Person {username: 'wang.li'}) SET p.status = 'DISABLED'")
        await asyncio.sleep(interval + 0.05)
        assert await status(after) == 401
        await staff(graph)
        last = await sign_in()
        assert await status(last) == 200
        await graph.write("MATCH (p:Person {username: 'wang.li'}) DETACH DELETE p")
        await asyncio.sleep(interval + 0.05)
        assert await status(last) == 401


async def test_discovery_names_the_authorization_endpoint(graph: Graph,
                                                          settings: Settings) -> None:
    async with http_client(settings) as client:
        found = (await client.get("/.well-known/openid-configuration")).json()
    assert found["authorization_endpoint"].endswith("/oauth/authorize")
    assert found["code_challenge_methods_supported"] == ["S256"]

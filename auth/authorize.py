"""Sign-in for people: the OAuth2 authorization-code flow with PKCE (RFC 6749 §4.1, RFC 7636).

``GET /oauth/authorize`` shows the sign-in form (Chinese, with an English switch); ``POST``
checks the password (``auth/people.py``: argon2 off the event loop; attempts limited per
address, ``auth/attempts.py``) and redirects back to the console with a one-time code. The
console then exchanges the code at ``/oauth/token`` (``grant_type=authorization_code`` with
its ``code_verifier``, see :func:`exchange`) for the same ES256 access token any client gets,
``kind: person``, and calls ``/graphql`` with it.

Only one client uses this flow: the hub's own console (``client_id=console``, a public client,
so PKCE with S256 is required and ``plain`` refused). Its redirect URI must be the console's
callback on a configured origin — ``HUB_ISSUER``'s, or one in ``HUB_CONSOLE_ORIGINS`` — never
on one taken from the request (its ``Host`` header is the caller's to choose): the
authorization server and the console are one application, so a code is only ever delivered
to the console.

A code lives 60 seconds, is stored only as its SHA-256 (a stolen database copy yields no usable
code), is bound to the client, the redirect URI and the code challenge, and is deleted by the
first exchange, so a second use fails.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from audit.service import service_for
from audit.store import AuditUnavailable
from auth import people
from auth.attempts import Refusal, Ticket, client_address
from auth.passwords import HashingBusy
from auth.signin_limits import SignInLimits
from hub.graph import Graph, unavailable
from hub.logs import log
from hub.settings import Settings, origin_of
from hub.subject import Subject

CONSOLE_CLIENT = "console"
CALLBACK_PATH = "/console/callback"
CODE_TTL_S = 60
_PKCE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1 verifier, and S256 challenges
_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

_TEXT = {
    "zh": {
        "lang": "zh-CN", "title": "登录", "brand": "特殊教育数据枢纽", "switch": "English",
        "switch_lang": "en", "skip": "跳到登录表单", "username": "用户名", "password": "密码",
        "submit": "登录", "invalid": "用户名或密码不正确。",
        "slow": "尝试次数过多，请 {s} 秒后再试。", "ask_admin": "（也可请管理员解锁。）",
        "busy": "登录服务繁忙，请稍后再试。",
        "unavailable": "系统暂时无法登录，请稍后再试。",
        "bad_request": "登录请求无效：{why}。请从控制台重新进入。", "hint":
        "使用本单位分配的账户登录。连续输错 {n} 次密码后，每次重试须等待更久。",
        "required": "请填写用户名和密码。",
    },
    "en": {
        "lang": "en", "title": "Sign in", "brand": "Special-education data hub",
        "switch": "中文", "switch_lang": "zh", "skip": "Skip to the sign-in form",
        "username": "Username", "password": "Password", "submit": "Sign in",
        "invalid": "The username or password is not right.",
        "slow": "Too many attempts: try again in {s} seconds.",
        "ask_admin": " (Or ask an administrator to unlock the account.)",
        "busy": "Sign-in is busy: try again in a moment.",
        "unavailable": "Signing in is not possible just now: try again shortly.",
        "bad_request": "This sign-in request is not valid: {why}. Open the console again.",
        "hint": "Sign in with the account your organisation gave you. After {n} wrong "
                "passwords each further try must wait longer.",
        "required": "Enter your username and password.",
    },
}
_FLOW_FIELDS = ("response_type", "client_id", "redirect_uri", "code_challenge",
                "code_challenge_method", "state", "lang")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _flow_problem(origins: frozenset[str], flow: dict[str, str]) -> str | None:
    """Why the request's parameters cannot start a sign-in, or None."""
    if flow.get("client_id") != CONSOLE_CLIENT:
        return "client_id"
    redirect = flow.get("redirect_uri", "")
    parts = urlsplit(redirect)
    if (origin_of(redirect) not in origins or parts.path != CALLBACK_PATH
            or parts.query or parts.fragment):
        # Names where the console is served, so that one opened elsewhere (localhost for
        # 127.0.0.1, say) knows where to go; the issuer is public (discovery) anyway.
        return f"redirect_uri ({' '.join(sorted(origins))}{CALLBACK_PATH})"
    if flow.get("response_type") != "code":
        return "response_type"
    if flow.get("code_challenge_method") != "S256":
        return "code_challenge_method (S256)"
    if not _PKCE.match(flow.get("code_challenge", "")):
        return "code_challenge"
    if len(flow.get("state", "")) > 200:
        return "state"
    return None


def _page(flow: dict[str, str], *, username: str = "", error: str | None = None,
          status: int = 200, fatal: bool = False, free: int = 5,
          retry_after: str | None = None) -> HTMLResponse:
    lang = "en" if flow.get("lang") == "en" else "zh"
    t = _TEXT[lang]
    esc = html.escape
    switch = dict(flow, lang=t["switch_lang"])
    hidden = "".join(f'<input type="hidden" name="{k}" value="{esc(flow.get(k, ""))}">'
                     for k in _FLOW_FIELDS)
    alert = (f'<p class="error-summary" role="alert" id="signin-error">{esc(error)}</p>'
             if error else "")
    described = ' aria-describedby="signin-error"' if error else ""
    form = "" if fatal else f"""
<form method="post" action="/oauth/authorize" class="signin-form" novalidate>
  {hidden}
  <div class="field">
    <label for="username">{t["username"]}</label>
    <input id="username" name="username" autocomplete="username" required
           autocapitalize="none" spellcheck="false" value="{esc(username)}"{described}>
  </div>
  <div class="field">
    <label for="password">{t["password"]}</label>
    <input id="password" name="password" type="password" autocomplete="current-password"
           required{described}>
  </div>
  <button type="submit" class="primary">{t["submit"]}</button>
</form>
<p class="hint">{t["hint"].format(n=free)}</p>"""
    body = f"""<!doctype html>
<html lang="{t["lang"]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t["title"]} · {t["brand"]}</title>
<link rel="stylesheet" href="/console/static/console.css">
<link rel="icon" href="data:,">
</head>
<body class="signin">
<a class="skip-link" href="#main">{t["skip"]}</a>
<header class="topbar">
  <p class="brand">{t["brand"]}</p>
  <nav aria-label="{'Language' if lang == 'en' else '语言'}">
    <a class="lang-switch" lang="{'zh-CN' if lang == 'en' else 'en'}"
       href="/oauth/authorize?{esc(urlencode(switch))}">{t["switch"]}</a>
  </nav>
</header>
<main id="main" class="signin-main" tabindex="-1">
  <h1>{t["title"]}</h1>
  {alert}
  {form}
</main>
</body>
</html>"""
    headers = dict(_HEADERS, **({"Retry-After": retry_after} if retry_after else {}))
    return HTMLResponse(body, status_code=status, headers=headers)


async def _audit_refusal(request: Request, username: str, error: str, status: int) -> bool:
    """A refused sign-in goes on the audit record like a refused token; False if it cannot."""
    try:
        audit = service_for(request.app)
        if audit is not None:
            await audit.token_event(
                subject=None, attempted=username, status=status, error=error,
                client_address=client_address(request) or None,
                started=time.perf_counter())
    except AuditUnavailable:
        return False
    return True


def authorize_routes(graph: Graph, settings: Settings, limits: SignInLimits) -> list[Route]:
    origins = settings.console_origin_set
    free = settings.signin_free_failures

    async def show(request: Request) -> Response:
        flow = {k: request.query_params.get(k, "") for k in _FLOW_FIELDS}
        problem = _flow_problem(origins, flow)
        if problem is not None:
            # Never redirect to an unchecked URI (RFC 6749 §4.1.2.1): say so on the page.
            text = _TEXT["en" if flow.get("lang") == "en" else "zh"]["bad_request"]
            return _page(flow, error=text.format(why=problem), status=400, fatal=True)
        return _page(flow, free=free)

    async def refuse(request: Request, flow: dict[str, str], username: str, outcome: str,
                     status: int, message: str, retry_after: str | None = None) -> Response:
        if not await _audit_refusal(request, username, f"sign_in_{outcome}", status):
            return _page(flow, username=username, error="audit unavailable", status=503)
        log.info("sign-in refused", outcome=outcome)
        return _page(flow, username=username, error=message, status=status, free=free,
                     retry_after=retry_after)

    async def admit(address: str, username: str) -> Ticket | Refusal:
        ticket = await limits.attempts.admit(address, username)
        if isinstance(ticket, Refusal) and ticket.scope == "name":
            # Read whether or not the name exists, so the answer's timing is the same.
            unlocked = await people.unlocked_at(graph, username)
            if unlocked is not None and await limits.attempts.forgive(address, username,
                                                                   unlocked):
                return await limits.attempts.admit(address, username)
        return ticket

    async def submit(request: Request) -> Response:
        # Parsed here, like the token endpoint: no multipart parser needed for a plain form.
        if not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            return _page({}, error="application/x-www-form-urlencoded", status=400, fatal=True)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace"),
                                               max_num_fields=20).items()}
        flow = {k: str(form.get(k) or "") for k in _FLOW_FIELDS}
        t = _TEXT["en" if flow.get("lang") == "en" else "zh"]
        problem = _flow_problem(origins, flow)
        if problem is not None:
            return _page(flow, error=t["bad_request"].format(why=problem), status=400,
                         fatal=True)
        username = str(form.get("username") or "").strip()[:64]
        password = str(form.get("password") or "")[:1024]
        if not username or not password:
            return _page(flow, username=username, error=t["required"], status=400, free=free)
        ticket = await admit(client_address(request), username)
        if isinstance(ticket, Refusal):
            # Only a name's wait is the administrator's to end (``hub users unlock``).
            message = t["slow"].format(s=ticket.retry_after) + (
                t["ask_admin"] if ticket.scope == "name" else "")
            return await refuse(request, flow, username, "throttled", 429, message,
                                ticket.retry_after)
        try:
            subject = await people.authenticate(graph, username, password, limits.hashing)
        except HashingBusy:
            await limits.attempts.not_checked(ticket)
            return await refuse(request, flow, username, "busy", 503, t["busy"], "1")
        except Exception as exc:
            if not unavailable(exc):
                raise
            # The password was never checked: not the person's failure (auth/routes.py).
            with contextlib.suppress(Exception):
                await limits.attempts.not_checked(ticket)
            return await refuse(request, flow, username, "unavailable", 503, t["unavailable"],
                                "5")
        if subject is None:
            return await refuse(request, flow, username, "invalid", 401, t["invalid"])
        await limits.attempts.succeeded(ticket)
        code = secrets.token_urlsafe(32)
        await graph.write(
            "MATCH (old:AuthorizationCode) WHERE old.expiresAt < datetime() DELETE old "
            "WITH count(*) AS cleaned "
            "CREATE (:AuthorizationCode {hash: $hash, clientId: $client, redirectUri: $redirect, "
            "challenge: $challenge, personId: $person, "
            "expiresAt: datetime() + duration({seconds: $ttl})})",
            {"hash": _code_hash(code), "client": flow["client_id"],
             "redirect": flow["redirect_uri"], "challenge": flow["code_challenge"],
             "person": subject.id, "ttl": CODE_TTL_S},
        )
        log.info("sign-in", subject=subject.id)
        query = urlencode({"code": code, "state": flow.get("state", "")})
        return RedirectResponse(f"{flow['redirect_uri']}?{query}", status_code=303,
                                headers={"Cache-Control": "no-store"})

    return [
        Route("/oauth/authorize", show, methods=["GET"]),
        Route("/oauth/authorize", submit, methods=["POST"]),
    ]


async def exchange(graph: Graph, form: dict[str, Any]) -> tuple[Subject | None, str, str]:
    """The token endpoint's ``authorization_code`` grant: (subject, "", "") or (None, error,
    description). The code is consumed whatever the outcome, so it can be tried only once."""
    code = str(form.get("code") or "")
    verifier = str(form.get("code_verifier") or "")
    if not code or not _PKCE.match(verifier):
        return None, "invalid_request", "code and a code_verifier (43-128 chars) are required"
    rows = await graph.write(
        "MATCH (a:AuthorizationCode {hash: $hash}) SET a.taken = true "
        "WITH a, properties(a) AS props, a.expiresAt > datetime() AS fresh DELETE a "
        "RETURN props, fresh",
        {"hash": _code_hash(code)},
    )
    if not rows:
        return None, "invalid_grant", "unknown, used or expired code"
    stored, fresh = rows[0]["props"], rows[0]["fresh"]
    if not fresh:
        return None, "invalid_grant", "unknown, used or expired code"
    if (form.get("client_id") != stored["clientId"]
            or form.get("redirect_uri") != stored["redirectUri"]):
        return None, "invalid_grant", "client_id or redirect_uri differs from the request"
    if not hmac.compare_digest(s256(verifier), str(stored["challenge"])):
        return None, "invalid_grant", "code_verifier does not match the code_challenge"
    subject = await people.subject_of(graph, str(stored["personId"]))
    if subject is None:
        return None, "invalid_grant", "the account is no longer active"
    return subject, "", ""

"""The console's routes 控制台: its pages and static assets under ``/console``, and the Excel
export of a region's indicators.

Pages are plain HTML served by the hub; their scripts (ES modules in ``console/static``) sign
the person in through ``/oauth/authorize`` and then call ``/graphql`` with the bearer token like
any other client. The pages carry no data: a page without a valid token shows nothing but the
way to sign in. The one route here that returns data, the workbook, takes the same bearer token,
applies the subject's policy view and row scope exactly as ``indicators(region, year)`` does,
and leaves an ``export`` event on the audit log before the file leaves (fail closed).
"""

from __future__ import annotations

import dataclasses
import html
import io
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from audit.service import service_for
from audit.store import AuditUnavailable
from auth.policy import Policy
from auth.scope import scope_for
from auth.tokens import InvalidToken, TokenService
from hub import indicators as ind
from hub import regions
from hub.graph import Graph
from hub.indicators.rules import RulesError
from hub.reports import child_names
from hub.reports import xlsx as xlsx_report
from hub.settings import Settings
from schema.indicators import REVEALS

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGES = HERE / "pages"

# Everything from the hub itself: no CDN, no external request is even allowed. ECharts writes
# style attributes into its tooltips, hence 'unsafe-inline' for styles (never for scripts).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}

# page → (file in pages/, Chinese title, English title, nav key)
PAGE_TABLE = {
    "": ("search", "查找儿童", "Find a child", "search"),
    "child": ("child", "儿童档案", "Child's record", "search"),
    "visit": ("visit", "记录送教或巡回指导", "Record a visit", "search"),
    "indicators": ("indicators", "督导指标", "Indicators", "indicators"),
    "audit": ("audit", "访问日志", "Access log", "audit"),
    "audit/report": ("report", "儿童访问报告", "Child's access report", "audit"),
    "callback": ("callback", "正在登录", "Signing in", ""),
}
_NAV = (("search", "/console/", "查找儿童", "Find a child"),
        ("indicators", "/console/indicators", "督导指标", "Indicators"),
        ("audit", "/console/audit", "访问日志", "Access log"))


def render(page: str) -> str:
    name, zh, en, nav = PAGE_TABLE[page]
    body = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    current = ' aria-current="page"'
    links = "".join(
        f'<li><a href="{href}" data-nav="{key}" data-i18n-en="{html.escape(e)}"'
        f'{current if key == nav else ""}>{z}</a></li>'
        for key, href, z, e in _NAV)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title data-i18n-en="{html.escape(en)} · Special-education data hub">{zh} · 特殊教育数据枢纽</title>
<link rel="stylesheet" href="/console/static/console.css">
<link rel="icon" href="data:,">
<script type="module" src="/console/static/app.js"></script>
</head>
<body data-page="{name}">
<a class="skip-link" href="#main" data-i18n-en="Skip to main content">跳到主要内容</a>
<header class="topbar">
  <p class="brand"><a href="/console/"
     data-i18n-en="Special-education data hub">特殊教育数据枢纽</a></p>
  <nav aria-label="主导航" data-i18n-en-label="Main" class="mainnav" hidden>
    <ul>{links}</ul>
  </nav>
  <div class="session" hidden>
    <label for="purpose" data-i18n-en="Purpose of use">用途</label>
    <select id="purpose"></select>
    <span class="who" id="who"></span>
    <button type="button" id="sign-out" data-i18n-en="Sign out">退出</button>
  </div>
  <button type="button" id="lang-toggle" class="lang-toggle" lang="en"
          aria-pressed="false">English</button>
</header>
<main id="main" tabindex="-1">
<h1 data-i18n-en="{html.escape(en)}">{zh}</h1>
<div id="status" class="status" role="status" aria-live="polite"></div>
{body}
</main>
</body>
</html>"""


def _page(page: str):  # type: ignore[no-untyped-def]
    async def serve(_: Request) -> Response:
        return Response(render(page), media_type="text/html; charset=utf-8", headers=HEADERS)

    return serve


class _Static(StaticFiles):
    """Static assets with the console's headers (scripts are modules: same-origin only)."""

    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status, headers={"Cache-Control": "no-store"})


def console_routes(graph: Graph, settings: Settings, tokens: TokenService | None,
                   policy: Policy | None) -> list[BaseRoute]:
    async def export_indicators(request: Request) -> Response:
        """The workbook of ``hub report --format xlsx`` for this subject's view of the region."""
        started = time.perf_counter()
        if tokens is None or policy is None:
            return _problem(404, "NOT_FOUND", "authentication is switched off")
        header = request.headers.get("authorization", "")
        try:
            if not header.lower().startswith("bearer "):
                raise InvalidToken
            subject = await tokens.verify(header[7:].strip())
        except InvalidToken:
            return _problem(401, "UNAUTHENTICATED", "需要有效的访问令牌 a valid access token is "
                            "required")
        region = request.query_params.get("region", "")
        year_text = request.query_params.get("year", "")
        if not regions.is_known(region):
            return _problem(400, "BAD_USER_INPUT", "region: 不是已知的行政区划代码 unknown region")
        if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            return _problem(400, "BAD_USER_INPUT", "year: 学年应在 2000–2100 之间")
        subject = dataclasses.replace(subject, purpose="SUPERVISION")
        view = policy.view(subject)
        if view.sees_children:
            scope = scope_for(view, subject)
            visibility = ind.Visibility(conditions=scope.child, params=dict(scope.params))
        else:
            visibility = ind.Visibility(sees_children=False)
        try:
            book = ind.rule_book(settings.indicator_rules)
        except RulesError as exc:
            return _problem(500, "INTERNAL", f"指标规则文件无效 bad indicator rules: {exc}")
        report = await ind.compute(graph, region, int(year_text), book=book,
                                   visibility=visibility)
        for result in report.results:  # the same rule as schema/indicators.py
            if not (visibility.sees_children and REVEALS[result.definition.family] <= view.facts):
                result.children = []
                result.items = [i for i in result.items if not i.child]
        names = await child_names(graph, report)
        listed = sorted({c for r in report.results for c in r.children})
        try:
            audit = service_for(request.app)
            if audit is not None:
                await audit.command_event(
                    "export", subject, outcome="ok", children=listed, started=started,
                    detail={"command": "console indicators.xlsx", "region": region,
                            "year": int(year_text)})
        except AuditUnavailable:
            return _problem(503, "AUDIT_UNAVAILABLE", "审计日志暂不可用 audit log unavailable")
        buffer = io.BytesIO()
        xlsx_report.build(report, names).save(buffer)
        filename = f"indicators-{region}-{year_text}.xlsx"
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{filename}"',
                     "Cache-Control": "no-store"})

    async def root(_: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    routes: list[BaseRoute] = [Route("/console", root)]
    routes += [Route(f"/console/{path}", _page(path)) for path in PAGE_TABLE]
    routes.append(Route("/console/export/indicators.xlsx", export_indicators))
    routes.append(Mount("/console/static", app=_Static(directory=STATIC), name="console-static"))
    return routes

"""The guardian's letter 给监护人的访问说明: who accessed a child's record, why, how often and
when, in one language, as a family reads it.

The access log has one event per request; a family wants to know which organisations looked,
for what, and over which days. So events are grouped by organisation, purpose and what was done
(a read, or the kind of record a write put there), each group with its count and first and last
day: "长治市潞州区教育局 为安置评估查看过 3 次，2026-03-02 至 2026-04-11". No field paths, no
ids of people, one date format (YYYY-MM-DD, the hub's time zone).

The organisation is where the person works (a school, a resource centre), or the client's
registered organisation, else the department of its region ("长治市潞州区" + "教育局").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from audit import subjects, wording
from audit.reports import CHILD_EVENTS, exact_term, parse_time
from hub import regions
from hub.graph import Graph, native
from hub.settings import Settings

LANGUAGES = ("zh", "en")
DEPARTMENTS = {
    "EDU": ("教育局", "education bureau"), "HEALTH": ("卫生健康委员会", "health commission"),
    "CIVIL": ("民政局", "civil affairs bureau"),
    "DPF": ("残疾人联合会", "Disabled Persons' Federation"),
    "FIN": ("财政局", "finance bureau"), "HRSS": ("人力资源和社会保障局", "human resources bureau"),
    "NDRC": ("发展和改革委员会", "development and reform commission"),
    "APPROVAL": ("行政审批局", "approvals bureau"), "HUB": ("数据枢纽", "the data hub"),
}


@dataclass
class Group:
    organisation: str
    purpose: str
    action: str  # read, audit-read, export, or write:<operation>
    count: int = 0
    first: str = ""
    last: str = ""
    text: str = ""


@dataclass
class Letter:
    child_id: str
    child_name: str | None
    birth_date: str | None
    generated_on: str
    total: int = 0
    reads: int = 0
    writes: int = 0
    organisations: int = 0
    first: str | None = None
    last: str | None = None
    summary: str = ""
    groups: list[Group] = field(default_factory=list)


def region_name(code: str | None) -> str:
    """长治市潞州区 for a county: the prefecture's name before the county's."""
    found = regions.lookup(code) if code else None
    if found is None:
        return ""
    if found.level == "county" and found.prefecture and found.prefecture != found.name:
        return found.prefecture + found.name
    return found.name


def _organisation(event: dict[str, Any], who: subjects.Who | None, lang: str) -> str:
    if who is not None and who.organisations:
        return who.organisations[0]
    department = event.get("department") or (who.department if who else None)
    words = DEPARTMENTS.get(department or "")
    if words is None:
        return "数据枢纽" if lang == "zh" else "the data hub"
    place = region_name(event.get("region") or (who.region if who else None))
    if lang == "zh":
        return place + words[0]
    return f"{place} {words[1]}".strip() if place else words[1].capitalize()


def _action(event: dict[str, Any]) -> str:
    kind = event.get("kind")
    if kind == "ingest":
        return "write:ingest"
    if kind == "export":
        return "export"
    if "auditor" in (event.get("roles") or []):
        return "audit-read"
    if wording.is_write(event):
        for name in event.get("rootFields") or []:
            if name in wording.RECORDED:
                return f"write:{name}"
        return "write:"
    return "read"


def _span(first: str, last: str, lang: str) -> str:
    if first == last:
        return f"，{first}" if lang == "zh" else f", on {first}"
    return f"，{first} 至 {last}" if lang == "zh" else f", {first} to {last}"


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _sentence(group: Group, purpose_words: tuple[str, str] | None, lang: str) -> str:
    org, n, span = group.organisation, group.count, _span(group.first, group.last, lang)
    action = group.action
    if lang == "zh":
        why = f"为{purpose_words[0]}" if purpose_words else "（未说明用途）"
        if action == "audit-read":
            return f"{org} {why}查阅过该儿童的访问记录 {n} 次{span}"
        if action == "export":
            return f"{org} {why}导出过该儿童的记录 {n} 次{span}"
        if action.startswith("write:"):
            what = wording.RECORDED.get(action[6:], ["新信息", "records"])[0]
            if action == "write:ingest":
                return f"{org} 报送了该儿童的数据 {n} 次{span}"
            return f"{org} {why}记录了{what} {n} 次{span}"
        return f"{org} {why}查看过 {n} 次{span}"
    why = f" for {purpose_words[1]}" if purpose_words else " (no purpose given)"
    if action == "audit-read":
        return f"{org} read this child's access record {_times(n)}{why}{span}"
    if action == "export":
        return f"{org} exported this child's record {_times(n)}{why}{span}"
    if action.startswith("write:"):
        if action == "write:ingest":
            return f"{org} sent data about this child {_times(n)}{span}"
        what = wording.RECORDED.get(action[6:], ["新信息", "records"])[1]
        return f"{org} recorded {what}{why}, {_times(n)}{span}"
    return f"{org} viewed the record {_times(n)}{why}{span}"


def _purpose_words(purposes: dict[str, str], code: str | None) -> tuple[str, str] | None:
    if not code or code not in purposes:
        return None
    zh, _, en = purposes[code].partition(" ")
    return zh, en or zh


async def write_letter(graph: Graph, settings: Settings, purposes: dict[str, str],
                       child_id: str, lang: str, limit: int = 20000) -> Letter:
    """The letter about one child's record, in ``lang`` (zh or en)."""
    tz = ZoneInfo(settings.audit_timezone)
    rows = await graph.run(
        CHILD_EVENTS + "WITH e WHERE e.outcome = 'ok' "
        "RETURN e {.seq, .time, .kind, .action, .subjectId, .department, .region, .roles, "
        ".purpose, .rootFields} AS e ORDER BY e.seq LIMIT $limit",
        {"childTerm": exact_term(child_id), "limit": limit})
    child = await graph.run(
        "OPTIONAL MATCH (c:Child {id: $id}) RETURN c.name AS name, c.birthDate AS born",
        {"id": child_id})
    events = [row["e"] for row in rows]
    keys = sorted({str(e["subjectId"]) for e in events if e.get("subjectId")})
    who = {w.key: w for w in await subjects.resolve(graph, settings, keys)}
    born = native(child[0]["born"]) if child else None
    letter = Letter(child_id=child_id, child_name=child[0]["name"] if child else None,
                    birth_date=None if born is None else str(born),
                    generated_on=dt.datetime.now(tz).date().isoformat())
    groups: dict[tuple[str, str, str], Group] = {}
    for event in events:
        day = parse_time(event["time"]).astimezone(tz).date().isoformat()
        org = _organisation(event, who.get(str(event.get("subjectId"))), lang)
        action = _action(event)
        key = (org, str(event.get("purpose") or ""), action)
        group = groups.setdefault(key, Group(org, key[1], action, first=day, last=day))
        group.count += 1
        group.first, group.last = min(group.first, day), max(group.last, day)
        letter.total += 1
        if action.startswith("write:"):
            letter.writes += 1
        else:
            letter.reads += 1
    for group in groups.values():
        group.text = _sentence(group, _purpose_words(purposes, group.purpose or None), lang)
    letter.groups = sorted(groups.values(), key=lambda g: (g.organisation, g.first, g.action))
    letter.organisations = len({g.organisation for g in letter.groups})
    if letter.groups:
        letter.first = min(g.first for g in letter.groups)
        letter.last = max(g.last for g in letter.groups)
    letter.summary = _summary(letter, lang)
    return letter


def _summary(letter: Letter, lang: str) -> str:
    name = letter.child_name or ("该儿童" if lang == "zh" else "this child")
    if not letter.total:
        return (f"截至 {letter.generated_on}，没有任何单位访问过{name}的记录。" if lang == "zh"
                else f"As of {letter.generated_on}, no organisation has accessed {name}'s record.")
    if lang == "zh":
        return (f"{letter.first} 至 {letter.last}，共有 {letter.organisations} 个单位访问过"
                f"{name}的记录，共 {letter.total} 次：查看 {letter.reads} 次，"
                f"记录新信息 {letter.writes} 次。每个单位做了什么、为什么，见下文。")
    return (f"From {letter.first} to {letter.last}, {letter.organisations} "
            f"organisation{'s' if letter.organisations != 1 else ''} accessed {name}'s record "
            f"{_times(letter.total)}: {letter.reads} views and {letter.writes} new records. "
            "What each did, and why, follows.")

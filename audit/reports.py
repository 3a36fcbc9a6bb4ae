"""What auditors ask of the log: events by filter, volumes, unusual access, a child's report.

Reads only ``(:AuditEvent)`` nodes (and the region code of children named in them, to flag
access outside a subject's region). Times in the log are UTC ISO strings of fixed width, so
a range is a string comparison.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString
from zoneinfo import ZoneInfo

from audit.events import DENIALS
from hub.graph import Graph
from hub.predicates import region_prefix
from hub.settings import Settings

DEPARTMENTS = {
    "EDU": "教育局 education bureau", "HEALTH": "卫生健康委 health commission",
    "CIVIL": "民政局 civil affairs bureau", "DPF": "残联 Disabled Persons' Federation",
    "FIN": "财政局 finance bureau", "HRSS": "人社局 human resources and social security bureau",
    "NDRC": "发改委 development and reform commission", "APPROVAL": "审批局 approvals bureau",
    "HUB": "数据枢纽 the hub itself",
}
SUBJECT_KINDS = {"client": "系统 system", "person": "人员 staff member", "system": "枢纽 the hub"}
ACTIONS = {
    "graphql": ("查看了该儿童的记录", "viewed this child's record"),
    "export": ("导出了该儿童的记录", "exported this child's record"),
    "ingest": ("导入了该儿童的记录", "loaded records about this child"),
    "webhook": ("收到了关于该儿童的变更通知", "was notified of a change about this child"),
    # An auditor asking about the child reads its access log, not its record.
    "audit-read": ("查阅了该儿童的访问记录", "read this child's access log"),
}


def utc_text(moment: dt.datetime, tz: str) -> str:
    """A filter bound as the log writes times (naive values are read in the hub's time zone)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


@dataclass
class EventFilter:
    subject_id: str | None = None
    subject_ids: list[str] | None = None  # any of these (one identity's keys: audit/subjects.py)
    department: str | None = None
    child_id: str | None = None
    purpose: str | None = None
    outcome: str | None = None
    kind: str | None = None
    since: str | None = None  # UTC text, inclusive
    until: str | None = None  # UTC text, exclusive


_EVENTS_WHERE: LiteralString = """
WHERE ($subject IS NULL OR e.subjectId = $subject)
  AND ($subjects IS NULL OR e.subjectId IN $subjects)
  AND ($department IS NULL OR e.department = $department)
  AND ($purpose IS NULL OR e.purpose = $purpose)
  AND ($outcome IS NULL OR e.outcome = $outcome)
  AND ($kind IS NULL OR e.kind = $kind)
  AND ($since IS NULL OR e.time >= $since)
  AND ($until IS NULL OR e.time < $until)
  AND ($before IS NULL OR e.seq < $before)
WITH e ORDER BY e.seq DESC LIMIT $limit
RETURN e {.*} AS e
"""
_EVENTS: LiteralString = "MATCH (e:AuditEvent)" + _EVENTS_WHERE
# The events that disclosed the child ``$childTerm`` (:func:`exact_term`), as ``e``: from the
# full-text index on `children` (hub/migrations/0007), not from a scan of the whole log. The
# index is eventually consistent (0022: updating it in every audit write cost more database CPU
# than the query being audited); the wait makes every event committed before this read visible,
# so an auditor never misses a recent access.
CHILD_EVENTS: LiteralString = """
CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()
CALL db.index.fulltext.queryNodes('audit_event_children', $childTerm) YIELD node AS e
"""
_CHILD_EVENTS: LiteralString = CHILD_EVENTS + _EVENTS_WHERE


def exact_term(value: str) -> str:
    """A Lucene query matching exactly this one id (quoted: nothing in it is query syntax)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def events(graph: Graph, spec: EventFilter, first: int, before: int | None
                 ) -> tuple[list[dict[str, Any]], bool]:
    """Newest first; keyset on seq (``before``: the last seq of the previous page)."""
    query = _EVENTS if spec.child_id is None else _CHILD_EVENTS
    rows = await graph.run(query, {
        "subject": spec.subject_id, "subjects": spec.subject_ids, "department": spec.department,
        "childTerm": None if spec.child_id is None else exact_term(spec.child_id),
        "purpose": spec.purpose, "outcome": spec.outcome, "kind": spec.kind,
        "since": spec.since, "until": spec.until, "before": before, "limit": first + 1,
    })
    found = [row["e"] for row in rows]
    return found[:first], len(found) > first


@dataclass
class Volume:
    key: str
    department: str | None
    requests: int
    children_returned: int
    distinct_children: int
    denials: int


async def volumes(graph: Graph, since: str, until: str) -> dict[str, list[Volume]]:
    """Volumes per ``subject`` and per ``department``, from one read of the window."""
    rows = await graph.run(
        "MATCH (e:AuditEvent) WHERE e.time >= $since AND e.time < $until "
        "RETURN e.subjectId AS subject, e.department AS department, "
        "coalesce(e.children, []) AS children, e.outcome AS outcome",
        {"since": since, "until": until},
    )
    return {by: _grouped(rows, by) for by in ("subject", "department")}


def _grouped(rows: Sequence[Mapping[str, Any]], by: str) -> list[Volume]:
    groups: dict[str, Volume] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        key = row[by] or "-"
        volume = groups.setdefault(key, Volume(key, row["department"], 0, 0, 0, 0))
        volume.requests += 1
        volume.children_returned += len(row["children"])
        seen[key].update(row["children"])
        volume.denials += row["outcome"] in DENIALS
    for key, volume in groups.items():
        volume.distinct_children = len(seen[key])
    return sorted(groups.values(), key=lambda v: (-v.requests, v.key))


# --- unusual access ----------------------------------------------------------------------------

FLAG_TEXT = {
    "BULK_READ": ("单次请求读取儿童过多", "many children read in one request"),
    "BULK_WINDOW": ("短时间内读取儿童过多", "many children read within a short window"),
    "OFF_HOURS": ("非工作时间访问", "access outside working hours"),
    "OUT_OF_REGION": ("访问辖区外儿童", "children outside the subject's region"),
    "DENIAL_BURST": ("短时间内多次被拒绝", "a burst of refused requests"),
}
_SAMPLE = 20


@dataclass
class Flag:
    kind: str
    subject_id: str
    department: str | None
    count: int = 0
    first_time: str = ""
    last_time: str = ""
    events: list[int] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        zh, en = FLAG_TEXT[self.kind]
        return f"{zh} {en}"

    def add(self, event: dict[str, Any], children: list[str] | None = None) -> None:
        self.count += 1
        self.first_time = min(self.first_time or event["time"], event["time"])
        self.last_time = max(self.last_time, event["time"])
        if len(self.events) < _SAMPLE:
            self.events.append(int(event["seq"]))
        for child in children or []:
            if len(self.children) < _SAMPLE and child not in self.children:
                self.children.append(child)


def _working(settings: Settings, moment: dt.datetime) -> bool:
    local = moment.astimezone(ZoneInfo(settings.audit_timezone))
    start, _, end = settings.audit_work_hours.partition("-")
    clock = local.strftime("%H:%M")
    return local.weekday() < 5 and start <= clock < end


async def unusual(graph: Graph, settings: Settings, since: str, until: str) -> list[Flag]:
    rows = await graph.run(
        "MATCH (e:AuditEvent) WHERE e.time >= $since AND e.time < $until "
        "RETURN e {.seq, .time, .kind, .subjectId, .subjectKind, .department, .region, "
        ".children, .outcome, .clientAddress} AS e ORDER BY e.seq",
        {"since": since, "until": until},
    )
    found = [row["e"] for row in rows]
    all_children = sorted({c for e in found for c in e.get("children") or []})
    regions: dict[str, str] = {}
    if all_children:
        for row in await graph.run("MATCH (c:Child) WHERE c.id IN $ids "
                                   "RETURN c.id AS id, c.regionCode AS region",
                                   {"ids": all_children}):
            regions[row["id"]] = row["region"] or ""
    flags: dict[tuple[str, str], Flag] = {}

    def flag(kind: str, event: dict[str, Any], who: str) -> Flag:
        return flags.setdefault((kind, who), Flag(kind, who, event.get("department")))

    window = dt.timedelta(minutes=settings.audit_window_minutes)
    recent: dict[str, list[tuple[dt.datetime, list[str]]]] = defaultdict(list)
    denials: dict[str, list[dt.datetime]] = defaultdict(list)
    for event in found:
        moment = parse_time(event["time"])
        children = list(event.get("children") or [])
        who = event.get("subjectId") or f"anonymous@{event.get('clientAddress') or '-'}"
        if event.get("outcome") in DENIALS:
            times = denials[who]
            times.append(moment)
            while times and moment - times[0] > window:
                times.pop(0)
            if len(times) >= settings.audit_denial_burst:
                flag("DENIAL_BURST", event, who).add(event)
        if not children:
            continue
        if len(children) > settings.audit_bulk_children:
            flag("BULK_READ", event, who).add(event, children)
        seen = recent[who]
        seen.append((moment, children))
        while seen and moment - seen[0][0] > window:
            seen.pop(0)
        distinct = {c for _, cs in seen for c in cs}
        if len(distinct) > settings.audit_bulk_window_children:
            flag("BULK_WINDOW", event, who).add(event, children)
        if not _working(settings, moment):
            flag("OFF_HOURS", event, who).add(event, children)
        region = event.get("region")
        if region and region != "000000" and event.get("subjectKind") != "system":
            prefix = region_prefix(region)
            outside = [c for c in children if not regions.get(c, prefix).startswith(prefix)]
            if outside:
                flag("OUT_OF_REGION", event, who).add(event, outside)
    return sorted(flags.values(), key=lambda f: (f.kind, f.subject_id))


# --- a child's access report -------------------------------------------------------------------


@dataclass
class ReportEntry:
    time: str  # local time, as a guardian reads it
    department: str | None
    department_name: str
    subject_id: str | None
    subject_kind: str
    purpose: str | None
    purpose_text: str
    action: str
    fields: list[str]
    text: str


async def child_known(graph: Graph, child_id: str) -> bool:
    """Whether the hub holds (or held, before a merge) a child of this id."""
    rows = await graph.run(
        "OPTIONAL MATCH (c:Child {id: $id}) OPTIONAL MATCH (m:MergedChild {id: $id}) "
        "RETURN c IS NOT NULL OR m IS NOT NULL AS known", {"id": child_id})
    return bool(rows and rows[0]["known"])


async def child_report(graph: Graph, settings: Settings, purposes: dict[str, str],
                       child_id: str, limit: int = 1000) -> list[ReportEntry]:
    rows = await graph.run(
        CHILD_EVENTS + "WITH e WHERE e.outcome = 'ok' "
        "RETURN e {.*} AS e ORDER BY e.seq LIMIT $limit",
        {"childTerm": exact_term(child_id), "limit": limit},
    )
    tz = ZoneInfo(settings.audit_timezone)
    entries = []
    for row in rows:
        event = row["e"]
        local = parse_time(event["time"]).astimezone(tz)
        department = event.get("department")
        department_name = DEPARTMENTS.get(department or "", department or "未知 unknown")
        kind_zh = SUBJECT_KINDS.get(event.get("subjectKind") or "", "访问者 caller")
        purpose = event.get("purpose")
        purpose_text = purposes.get(purpose, purpose) if purpose else "未声明 not declared"
        by_auditor = "auditor" in (event.get("roles") or [])
        kind = "audit-read" if event["kind"] == "graphql" and by_auditor else event["kind"]
        action_zh, action_en = ACTIONS.get(kind, ACTIONS["graphql"])
        region = event.get("region") or ""
        fields = sorted({path.rsplit(".", 1)[-1] for path in event.get("fields") or []})
        zh_time = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        text = (
            f"{zh_time},{department_name.split(' ')[0]}(区划 {region})的{kind_zh.split(' ')[0]} "
            f"{event.get('subjectId') or '-'} 以“{purpose_text.split(' ')[0]}”为由{action_zh}。"
            f" On {local:%Y-%m-%d %H:%M}, {kind_zh.split(' ', 1)[-1]} "
            f"{event.get('subjectId') or '-'} of the "
            f"{department_name.split(' ', 1)[-1]} (region {region}) {action_en}, for "
            f"{purpose_text.split(' ', 1)[-1] if purpose else 'no declared purpose'}."
        )
        entries.append(ReportEntry(
            time=local.isoformat(timespec="minutes"), department=department,
            department_name=department_name, subject_id=event.get("subjectId"),
            subject_kind=kind_zh, purpose=purpose, purpose_text=purpose_text,
            action=f"{action_zh} {action_en}", fields=fields, text=text,
        ))
    return entries

"""The access log in plain words 通俗说法: what each operation did, in Chinese and English.

The auditor's pages (``console/static/wording.js``, written from this module; a test checks they
stay equal) and the guardian's letter (``audit/letter.py``) say the same thing the same way: an
operation is named by what it did to a child's record ("查看儿童记录", "记录送教或巡回指导"),
never by its GraphQL field, and a write is told apart from a read.
"""

from __future__ import annotations

from typing import Any

# Top-level GraphQL fields → [Chinese, English, "read" | "write"]. What the letter tells a
# family a write recorded is the kind of record (RECORDED below), not the field.
OPERATIONS: dict[str, list[str]] = {
    "child": ["查看儿童记录", "viewed a child's record", "read"],
    "children": ["查找儿童", "searched for children", "read"],
    "childByIdNumber": ["按身份证号查找儿童", "looked a child up by ID number", "read"],
    "childrenByIds": ["查看指标背后的儿童名单", "viewed the children behind a figure", "read"],
    "childTimeline": ["查看儿童时间线", "viewed a child's timeline", "read"],
    "node": ["查看记录", "viewed a record", "read"],
    "school": ["查看学校", "viewed a school", "read"],
    "schools": ["查看学校列表", "viewed the list of schools", "read"],
    "resourceCenter": ["查看资源中心", "viewed a resource centre", "read"],
    "region": ["查看行政区划", "viewed a region", "read"],
    "searchOptions": ["查看可用的查找方式", "read the search options", "read"],
    "indicators": ["查看督导指标", "viewed supervision indicators", "read"],
    "openDropoutCases": ["查看控辍保学个案", "viewed dropout cases", "read"],
    "stalledTransitions": ["查看停滞的转衔", "viewed stalled transitions", "read"],
    "possibleDuplicates": ["查看疑似重复儿童", "viewed possible duplicates", "read"],
    "accessEvents": ["查阅访问日志", "read the access log", "read"],
    "accessVolumes": ["查阅访问量", "read access volumes", "read"],
    "unusualAccess": ["查阅异常访问提示", "read unusual-access flags", "read"],
    "auditChainStatus": ["校验审计日志", "verified the audit log", "read"],
    "auditSubjects": ["查阅访问者身份", "looked up who accessed", "read"],
    "auditChildren": ["按姓名查找儿童（审计）", "looked a child up by name (audit)", "read"],
    "childAccessReport": ["查阅儿童访问报告", "read a child's access report", "read"],
    "recordServiceSession": ["记录服务（送教上门、巡回指导等）",
                             "recorded a service session (home delivery, itinerant guidance…)",
                             "write"],
    "recordAssessment": ["记录评估", "recorded an assessment", "write"],
    "placeChild": ["记录安置", "recorded a placement", "write"],
    "endPlacement": ["结束安置", "ended a placement", "write"],
    "updatePlan": ["更新个别化教育计划", "updated an education plan", "write"],
    "startTransition": ["开始转衔", "started a transition", "write"],
    "handOverTransition": ["转衔交接", "handed over a transition", "write"],
    "completeTransition": ["完成转衔", "completed a transition", "write"],
    "openDropoutCase": ["开立控辍保学个案", "opened a dropout case", "write"],
    "closeDropoutCase": ["销号控辍保学个案", "closed a dropout case", "write"],
    "mergeDuplicate": ["合并重复儿童", "merged duplicate children", "write"],
    "unmergeDuplicate": ["撤销合并", "undid a merge", "write"],
    "rejectDuplicate": ["确认不是重复儿童", "confirmed children are not duplicates", "write"],
}

# Events that are not GraphQL, by kind → [Chinese, English, "read" | "write"].
KINDS: dict[str, list[str]] = {
    "token": ["登录或取得令牌", "signed in or took a token", "read"],
    "ingest": ["导入部门数据", "loaded a department's file", "write"],
    "export": ["导出", "exported", "read"],
    "policy": ["访问策略变更", "changed the access policy", "write"],
    "audit": ["导出审计日志", "exported the audit log", "read"],
    # A change told to a department system, by webhook or subscription (notify/): a disclosure.
    "webhook": ["收到变更通知（推送或订阅）", "was notified of a change (webhook or subscription)",
                "read"],
}

OUTCOMES: dict[str, list[str]] = {
    "ok": ["成功", "done"],
    "forbidden": ["被拒绝（无权）", "refused (not allowed)"],
    "not_found": ["未找到", "not found"],
    "error": ["出错", "failed"],
    "unauthenticated": ["未通过身份验证", "not signed in"],
    "rate_limited": ["过于频繁被暂停", "paused: too many tries"],
}

# What a write on a child's record put there, for the letter: the mutation → the kind of
# record, [Chinese, English].
RECORDED: dict[str, list[str]] = {
    "recordServiceSession": ["送教、巡回指导等服务", "service sessions"],
    "recordAssessment": ["评估", "assessments"],
    "placeChild": ["安置", "placements"],
    "endPlacement": ["安置的结束", "the end of a placement"],
    "updatePlan": ["个别化教育计划", "education plans"],
    "startTransition": ["转衔", "transitions"],
    "handOverTransition": ["转衔交接", "transition hand-overs"],
    "completeTransition": ["转衔的完成", "completed transitions"],
    "openDropoutCase": ["控辍保学个案", "dropout cases"],
    "closeDropoutCase": ["控辍保学个案的销号", "closed dropout cases"],
    "mergeDuplicate": ["重复记录的合并", "merges of duplicate records"],
    "unmergeDuplicate": ["合并的撤销", "undone merges"],
    "ingest": ["部门报送的数据", "data a department sent"],
}

WRITE_ACTIONS = frozenset({"C", "U", "D"})  # FHIR AuditEvent action codes that change records


def is_write(event: dict[str, Any]) -> bool:
    return str(event.get("action") or "") in WRITE_ACTIONS


def operation(event: dict[str, Any]) -> list[str]:
    """[Chinese, English, read|write] of what an event did, named by its first known field."""
    if event.get("kind") != "graphql":
        return KINDS.get(str(event.get("kind")), [str(event.get("kind")), str(event.get("kind")),
                                                  "read"])
    for name in event.get("rootFields") or []:
        if name in OPERATIONS:
            return OPERATIONS[name]
    write = "write" if is_write(event) else "read"
    return (["修改记录", "changed records", write] if write == "write"
            else ["查询", "queried", write])


def everything() -> dict[str, dict[str, list[str]]]:
    """All the tables, as console/static/wording.js holds them."""
    return {"OPERATIONS": OPERATIONS, "KINDS": KINDS, "OUTCOMES": OUTCOMES,
            "RECORDED": RECORDED}

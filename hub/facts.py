"""The kinds of fact the hub records about a child 儿童档案事实.

Every fact is a node ``(:Fact:<Kind>)`` hanging off its child by ``(:Child)-[:HAS_FACT]->``,
and carries the same provenance: which department recorded it (``recordedBy``, ``recordedIn``),
from which source record (``source``, ``sourceKey``, ``sourceFile``, ``sourceRef`` =
``source/sourceKey``, unique) and when (``recordedAt``). ``date`` is the day that places the fact
on the child's timeline; kinds with a span also have ``endDate``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactKind:
    label: str  # Neo4j label and GraphQL type name
    chinese: str
    prefix: str  # of the fact's id, so node(id) knows the kind without a lookup
    departments: frozenset[str]  # the departments whose duty it is to record it


def _kind(label: str, chinese: str, prefix: str, *departments: str) -> FactKind:
    return FactKind(label, chinese, prefix, frozenset(departments))


FACT_KINDS: tuple[FactKind, ...] = (
    _kind("DisabilityCertificate", "残疾人证", "crt", "DPF"),
    _kind("Screening", "筛查与诊断", "scr", "HEALTH"),
    _kind("Assessment", "评估", "asm", "EDU"),
    _kind("Placement", "安置与学籍", "plc", "EDU", "CIVIL"),
    _kind("ServiceSession", "服务记录", "svc", "EDU", "HEALTH", "DPF", "CIVIL"),
    _kind("Plan", "个别化教育计划", "pln", "EDU"),
    _kind("Transition", "转衔", "trn", "EDU"),
    _kind("DropoutCase", "控辍保学个案", "drp", "EDU"),
    _kind("WelfareStatus", "福利与救助", "wel", "CIVIL"),
    _kind("DeviceFitting", "辅助器具适配", "dev", "DPF"),
)

BY_LABEL: dict[str, FactKind] = {kind.label: kind for kind in FACT_KINDS}
BY_PREFIX: dict[str, FactKind] = {kind.prefix: kind for kind in FACT_KINDS}

DEPARTMENTS: dict[str, str] = {
    "EDU": "教育局 Education bureau",
    "HEALTH": "卫健委 Health commission",
    "CIVIL": "民政局 Civil affairs bureau",
    "DPF": "残联 Disabled Persons' Federation",
    "FIN": "财政局 Finance bureau",
    "HRSS": "人社局 Human resources and social security",
    "NDRC": "发改委 Development and reform",
    "APPROVAL": "审批局 Administrative approval bureau",
}

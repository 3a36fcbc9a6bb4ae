"""Who is asking: every request resolves to a subject (a department system or a person)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SubjectKind = Literal["client", "person", "system"]


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: str
    department: str  # EDU, HEALTH, CIVIL, DPF, FIN, HRSS, NDRC, APPROVAL, or HUB for the hub itself
    region: str  # six-digit GB/T 2260 code of the subject's department or organisation
    roles: frozenset[str] = field(default_factory=frozenset)
    organisations: tuple[str, ...] = ()  # ids of the organisations a person WORKS_AT
    purpose: str | None = None  # declared purpose of use for this request
    # The client's or person's credential generation when its token was issued: the token is
    # refused once the node's ``credentialGen`` has moved on (auth/standing.py).
    generation: int = 0


# The hub's own jobs (migrations, demo data, tests of the data layer) act as this subject.
SYSTEM = Subject(kind="system", id="hub", department="HUB", region="000000",
                 roles=frozenset({"system"}))

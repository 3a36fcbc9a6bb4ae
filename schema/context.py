"""What every resolver receives: the graph, the settings, the subject and what it may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from audit.service import AuditRecord
from auth.policy import View
from auth.scope import Scope
from hub.graph import Graph
from hub.identity import IdProtector
from hub.settings import Settings
from hub.subject import SYSTEM, Subject
from schema.compiled import CompiledQueries
from schema.documents import Documents


@dataclass
class Context:
    graph: Graph
    settings: Settings
    request: Request | None = None
    scope: Scope = field(default_factory=Scope)
    subject: Subject = SYSTEM
    view: View | None = None  # None: no policy applies (the hub's own jobs, auth switched off)
    protector: IdProtector | None = None
    redacted: list[str] = field(default_factory=list)
    hidden: set[tuple[str, str]] = field(default_factory=set)  # (type, field) of each redaction
    audit: AuditRecord | None = None  # what this request disclosed, for its audit event
    documents: Documents | None = None  # where a validated document is remembered
    compiled: CompiledQueries | None = None  # where a keyed lookup's compiled query is kept

    @property
    def masked(self) -> frozenset[tuple[str, str]]:
        # Without a policy decision an ID number is only ever shown masked.
        return self.view.masked if self.view is not None else _ID_ONLY


_ID_ONLY = frozenset({("Child", "idNumber")})

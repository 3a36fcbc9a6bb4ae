"""What every resolver receives: the graph, the settings and the request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from auth.subject import SYSTEM, Subject
from hub.graph import Graph
from hub.settings import Settings
from schema.compile import Scope


@dataclass
class Context:
    graph: Graph
    settings: Settings
    request: Request | None = None
    scope: Scope = field(default_factory=Scope)
    subject: Subject = SYSTEM
    response_extensions: dict[str, Any] = field(default_factory=dict)

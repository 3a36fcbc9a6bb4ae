"""The audit service of one running hub: turns accesses into events and commits them.

Shared by the ``/graphql`` door (``auth/guard.py``), the token endpoint (``auth/routes.py``)
and the commands (ingest, export). A serving process's events carry the version of the access
policy that decided them, and the first time it records anything it also records a policy
change when the policy's digest differs from the last one on the record. The policy itself is
auth's (``auth/policy.py``): the audit is told its stamp — version and digest — by whoever
builds it (the shell puts the policy on ``app.state.policy``), so the two folders do not import
each other. Operators' commands are not decided by the access policy: their events carry none.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.types import Message, Scope, Send

from audit import events as ev
from audit.journal import Journal
from audit.shipper import Shipper
from audit.store import AuditLog, AuditUnavailable
from hub.answers import error_body, send_json
from hub.graph import Graph
from hub.logs import log, request_id
from hub.settings import Settings
from hub.subject import Subject

UNAVAILABLE_MESSAGE = ("审计日志不可用,请求未执行 the audit log is unavailable: "
                       "the request was not carried out")


class PolicyStamp(Protocol):
    """What the audit records of the access policy in force (``auth.policy.Policy`` is one)."""

    @property
    def version(self) -> int: ...

    @property
    def digest(self) -> str: ...


@dataclass
class AuditRecord:
    """What one request did, filled in as it runs (guard, GraphQL extension, field hooks)."""

    started: float = field(default_factory=time.perf_counter)
    subject: Subject | None = None
    purpose: str | None = None
    operation_type: str | None = None
    operation_name: str | None = None
    root_fields: list[str] = field(default_factory=list)
    document_hash: str | None = None
    variables_digest: str | None = None
    children: set[str] = field(default_factory=set)
    fields: list[str] = field(default_factory=list)
    redacted: list[str] = field(default_factory=list)
    outcome: str | None = None
    error_codes: list[str] = field(default_factory=list)
    roles: tuple[str, ...] | None = None  # the roles the policy granted, when known

    def note_child(self, child_id: Any) -> None:
        if isinstance(child_id, str):
            self.children.add(child_id)


def subject_fields(subject: Subject | None, roles: tuple[str, ...] | None = None
                   ) -> dict[str, Any]:
    if subject is None:
        return {"subjectKind": "anonymous"}
    return {
        "subjectId": subject.id, "subjectKind": subject.kind, "department": subject.department,
        "region": subject.region, "roles": list(roles if roles is not None else subject.roles),
        "organisations": list(subject.organisations), "purpose": subject.purpose,
    }


def outcome_of(codes: list[str]) -> str:
    if not codes:
        return "ok"
    for code, outcome in (("UNAUTHENTICATED", "unauthenticated"), ("FORBIDDEN", "forbidden"),
                          ("NOT_FOUND", "not_found"), ("RATE_LIMITED", "rate_limited")):
        if code in codes:
            return outcome
    return "error"


def _status_outcome(status: int) -> str:
    return {401: "unauthenticated", 403: "forbidden", 429: "rate_limited"}.get(
        status, "ok" if status < 400 else "error")


class AuditService:
    """``journal``: events are synced to the hub's own journal and shipped to the graph right
    after (the server); without it each is committed to the graph before ``append`` returns."""

    def __init__(self, graph: Graph, settings: Settings, policy: PolicyStamp | None = None,
                 journal: Journal | None = None) -> None:
        self.settings = settings
        self.log = AuditLog(graph, settings)
        self.policy = policy
        self._policy_lock = asyncio.Lock()
        self._in_flight = 0  # requests under way (around): a lone one syncs its event inline
        self.shipper = (Shipper(journal, self.log,
                                max_lag_seconds=settings.audit_max_lag_seconds,
                                linger_seconds=settings.audit_ship_linger_ms / 1000,
                                checkpoint_seconds=settings.audit_checkpoint_seconds)
                        if journal is not None else None)

    def base(self, kind: str, action: str, subtype: str) -> dict[str, Any]:
        return {"id": ev.new_id(), "time": ev.now_iso(), "kind": kind, "action": action,
                "subtype": subtype, "requestId": request_id.get(),
                "policyVersion": self.policy.version if self.policy else None}

    async def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Makes the event durable; AuditUnavailable if it cannot (the caller must refuse)."""
        try:
            await self.check_policy()
        except AuditUnavailable:
            raise
        except Exception as exc:  # the head cannot be read: nothing can be recorded
            log.error("audit unavailable", error_type=type(exc).__name__)
            raise AuditUnavailable(str(exc) or type(exc).__name__) from None
        return await self._record(event)

    async def _record(self, event: dict[str, Any], policy_digest: str | None = None
                      ) -> dict[str, Any]:
        if self.shipper is None:
            return await self.log.append(event, policy_digest=policy_digest)
        self.check_lag()
        stored = ev.clean(event)
        if policy_digest is not None:
            stored["_policyDigest"] = policy_digest
        await self.shipper.journal.record(stored, alone=self._in_flight <= 1)
        self.shipper.wake()
        return stored

    def lagging(self) -> bool:
        """The graph has been unable to take journalled events for longer than
        ``audit_max_lag_seconds``: auditors would not see what is being disclosed."""
        return self.shipper is not None and self.shipper.lagging()

    def check_lag(self) -> None:
        if self.lagging():
            raise AuditUnavailable("the audit log in the graph is behind its journal")

    def start(self) -> None:
        """At the server's start: ships what stopped hubs left, signs checkpoints when idle."""
        if self.shipper is not None:
            self.shipper.journal.prepare()
            self.shipper.start()

    async def drain(self) -> None:
        """Every event this process journalled is in the graph once this returns (auditors'
        queries and shutdown call it; AuditUnavailable if the graph cannot take them)."""
        if self.shipper is not None:
            await self.shipper.drain()

    async def close(self) -> None:
        if self.shipper is not None:
            await self.shipper.stop()

    async def check_policy(self) -> None:
        """Records a policy change once per process: the file differs from the last recorded."""
        if self.log.policy_checked or self.policy is None:
            return
        policy = self.policy
        async with self._policy_lock:
            if self.log.policy_checked:
                return
            head = await self.log.head()
            if head.policy_digest != policy.digest:
                event = self.base("policy", "U", "policy-change")
                event.update({"subjectId": "hub", "subjectKind": "system", "outcome": "ok",
                              "detail": json.dumps({"from": head.policy_digest,
                                                    "to": policy.digest})})
                await self._record(event, policy_digest=policy.digest)
            self.log.policy_checked = True

    # --- /graphql ------------------------------------------------------------------------

    async def around(self, scope: Scope, call: Callable[[Send], Awaitable[None]],
                     send: Send) -> None:
        """Runs the request with its response held back until its event is durable."""
        try:
            self.check_lag()  # refused before any work is done
        except AuditUnavailable:
            await respond_unavailable(send)
            return
        record = AuditRecord()
        scope.setdefault("state", {})["audit"] = record
        self._in_flight += 1
        try:
            await self._held(record, scope, call, send)
        finally:
            self._in_flight -= 1

    async def _held(self, record: AuditRecord, scope: Scope,
                    call: Callable[[Send], Awaitable[None]], send: Send) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await call(hold)
        except BaseException:
            record.outcome = "error"
            try:
                await self.append(self.graphql_event(record, scope, 500))
            except AuditUnavailable:
                pass  # the request fails anyway; nothing of it is returned
            raise
        status = next((m["status"] for m in held if m["type"] == "http.response.start"), 500)
        try:
            stored = await self.append(self.graphql_event(record, scope, status))
        except AuditUnavailable:
            await respond_unavailable(send)
            return
        for message in held:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-audit-event", stored["id"].encode())]}
            await send(message)

    def graphql_event(self, record: AuditRecord, scope: Scope, status: int) -> dict[str, Any]:
        state = scope.get("state", {})
        subject = state.get("subject") or record.subject
        operation = record.operation_type or "query"
        action, subtype = ("U", "update") if operation == "mutation" else ("R", "query")
        event = self.base("graphql", action, subtype)
        event.update(subject_fields(subject, record.roles))
        if subject is None or subject.purpose is None:
            event["purpose"] = state.get("purpose")
        client = scope.get("client")
        event.update({
            "clientAddress": client[0] if client else None,
            "operationType": record.operation_type,
            "operationName": ev.safe_id(self.settings, record.operation_name),
            "rootFields": record.root_fields,
            "documentHash": record.document_hash,
            "variablesDigest": record.variables_digest,
            "children": sorted(record.children),
            "childCount": len(record.children),
            "fields": record.fields,
            "redacted": record.redacted,
            "outcome": record.outcome or _status_outcome(status),
            "errorCodes": record.error_codes,
            "status": status,
            "latencyMs": round((time.perf_counter() - record.started) * 1000, 3),
        })
        return event

    # --- token endpoint and commands -----------------------------------------------------

    async def token_event(self, *, subject: Subject | None, attempted: str | None, status: int,
                          error: str | None, client_address: str | None,
                          started: float) -> dict[str, Any]:
        event = self.base("token", "E", "login")
        event.update(subject_fields(subject))
        if subject is None:
            event["subjectId"] = ev.safe_id(self.settings, attempted)
            event["subjectKind"] = "client"
        event.update({
            "clientAddress": client_address, "operationType": "token",
            "operationName": "client_credentials", "status": status,
            "outcome": {200: "ok", 401: "unauthenticated",
                        429: "rate_limited"}.get(status, "error"),
            "errorCodes": [error] if error else [],
            "latencyMs": round((time.perf_counter() - started) * 1000, 3),
        })
        return await self.append(event)

    async def command_event(self, kind: str, subject: Subject, *, outcome: str,
                            children: list[str] | None = None,
                            detail: dict[str, Any] | None = None,
                            started: float | None = None) -> dict[str, Any]:
        action, subtype = {"ingest": ("C", "import"), "export": ("R", "disclose"),
                           "audit": ("R", "disclose")}[kind]
        event = self.base(kind, action, subtype)
        event.update(subject_fields(subject))
        event.update({
            "operationType": "command", "operationName": detail.get("command") if detail
            else None, "outcome": outcome,
            "children": children or [], "childCount": len(children or []),
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
            "latencyMs": round((time.perf_counter() - started) * 1000, 3) if started else None,
        })
        return await self.append(event)

    async def webhook_event(self, subject: Subject, *, event_kind: str, children: list[str],
                            detail: dict[str, Any]) -> dict[str, Any]:
        """A webhook about to be sent (notify/delivery.py): a disclosure naming the child to the
        subscriber's client, recorded before the request leaves, like a read's response."""
        event = self.base("webhook", "R", "disclose")
        event.update(subject_fields(subject))
        event.update({
            "operationType": "webhook", "operationName": event_kind, "outcome": "ok",
            "children": children, "childCount": len(children),
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        })
        return await self.append(event)

    async def subscription_event(self, subject: Subject, *, event_kind: str,
                                 children: list[str], detail: dict[str, Any],
                                 client_address: str | None = None) -> dict[str, Any]:
        """An event about to be sent on a GraphQL subscription (notify/stream.py): the same
        disclosure as a webhook's (``kind: webhook``, "was notified of a change about this
        child"), told apart by ``operationType: subscription``; recorded before it is sent."""
        event = self.base("webhook", "R", "disclose")
        event.update(subject_fields(subject))
        event.update({
            "operationType": "subscription", "operationName": event_kind, "outcome": "ok",
            "clientAddress": client_address,
            "children": children, "childCount": len(children),
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        })
        return await self.append(event)


async def respond_unavailable(send: Send) -> None:
    await send_json(send, 503, error_body("AUDIT_UNAVAILABLE", UNAVAILABLE_MESSAGE),
                    [(b"retry-after", b"5")])


def service_for(app: Any) -> AuditService | None:
    """The app's audit service (made on first use), or None when audit is switched off.

    Kept on ``app.state`` so the guard and the token route share one writer per process.
    """
    state = getattr(app, "state", None)
    settings: Settings | None = getattr(state, "settings", None)
    if state is None or settings is None:
        raise AuditUnavailable("no hub application state to audit with")
    if not settings.audit_enabled:
        return None
    service: AuditService | None = getattr(state, "audit", None)
    if service is None:
        size = settings.audit_journal_segment_kb << 10
        journal = (Journal(settings.audit_journal_dir, segment_bytes=size,
                           rotate_bytes=size * 3 // 4) if settings.audit_journal else None)
        service = AuditService(state.graph, settings, getattr(state, "policy", None),
                               journal=journal)
        state.audit = service
        log.info("audit on", signing_key=str(settings.audit_signing_key_file),
                 journal=str(settings.audit_journal_dir) if journal else None)
    return service


def operator() -> Subject:
    """Who runs a ``hub`` command: the operating-system account, an id, not a name."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Subject(kind="system", id=f"cli:{user}", department="HUB", region="000000",
                   roles=frozenset({"operator"}))


async def record_command(graph: Graph, settings: Settings, kind: str, *, outcome: str = "ok",
                         children: list[str] | None = None,
                         detail: dict[str, Any] | None = None,
                         started: float | None = None) -> dict[str, Any] | None:
    """The event of a command (ingest, export, audit export/archive); None when audit is off.

    Raises AuditUnavailable: the caller must then not hand anything out.
    """
    if not settings.audit_enabled:
        return None
    service = AuditService(graph, settings)
    return await service.command_event(kind, operator(), outcome=outcome, children=children,
                                       detail=detail, started=started)


async def audit_writable(graph: Graph, settings: Settings) -> None:
    """Raises AuditUnavailable unless an event could be written now (checked before work that
    cannot be undone, such as a load)."""
    if not settings.audit_enabled:
        return
    log = AuditLog(graph, settings)
    try:
        log.key  # noqa: B018 - loads or creates the signing key
        await log.head(reload=True)
    except Exception as exc:  # any failure: not writable
        raise AuditUnavailable(str(exc) or type(exc).__name__) from None

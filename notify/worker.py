"""The delivery worker 投递进程: an asyncio task of ``hub serve`` (and one round of the CLI).

Started by the app's lifespan after the audit service, stopped before it. It sleeps
``HUB_WEBHOOK_POLL_SECONDS`` between rounds, and not at all while a round found work. An
error in a round (the database away) is logged and the next round tries again: the outbox
keeps everything until then.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from audit.service import AuditService
from auth.policy import Policy
from hub.graph import DB_ERRORS, Graph
from hub.logs import log
from hub.settings import Settings
from notify.delivery import Deliverer, Round


class Worker:
    def __init__(self, graph: Graph, settings: Settings, policy: Policy,
                 audit: AuditService | None) -> None:
        self.deliverer = Deliverer(graph, settings, policy, recorder(audit))
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhook-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.deliverer.close()

    async def _run(self) -> None:
        await asyncio.sleep(self.settings.webhook_start_delay_seconds)
        while True:
            busy = False
            try:
                done = await self.deliverer.round()
                busy = bool(done.dispatched or done.sent or done.skipped)
            except DB_ERRORS as exc:
                log.warning("webhook round failed", error_type=type(exc).__name__)
            except Exception as exc:  # a fault must not end the worker: the outbox waits
                log.error("webhook round error", error_type=type(exc).__name__)
            if not busy:
                await asyncio.sleep(self.settings.webhook_poll_seconds)


def recorder(audit: AuditService | None) -> Any:
    """The audit's record of a delivery; nothing when the audit is off (tests, dev only)."""
    async def record(*args: Any, **kwargs: Any) -> None:
        if audit is not None:
            await audit.webhook_event(*args, **kwargs)
    return record


async def deliver_once(graph: Graph, settings: Settings, policy: Policy) -> Round:
    """``hub webhooks deliver --once``: one round, its audit events committed to the graph."""
    audit = AuditService(graph, settings, policy) if settings.audit_enabled else None
    deliverer = Deliverer(graph, settings, policy, recorder(audit))
    try:
        return await deliverer.round()
    finally:
        await deliverer.close()

"""The outbox 事件发件箱: what changed, written in the same transaction as the change.

Departments are told of changes in their scope (issue 16 item 4: a child entering a transition
towards their organisation, a stalled transition, a dropout case opened or closed, a placement
ended, a new review item). Each writer of such a change adds :func:`emit` — a named Cypher
piece — to its own statement, so the event commits or rolls back with the change: none is lost
when the hub stops between the commit and the delivery, and none is told of a change that did
not happen. Delivery (who may receive it, signing, retries) is ``notify/``'s; the kernel only
records the event.

An event node holds ids only: its id, kind, when it occurred, the child (or, for a review
item, the two children), the thing it is about (a transition, a case, a placement, a review
item) and the organisations and regions it concerns. Nothing else about the child: the
subscriber reads more through the API, under its own policy, if it may.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    TRANSITION_STARTED = "TRANSITION_STARTED"  # 转衔开始: a child planned towards an organisation
    TRANSITION_HANDED_OVER = "TRANSITION_HANDED_OVER"  # 已交接
    TRANSITION_STALLED = "TRANSITION_STALLED"  # 转衔停滞 (hub transitions check)
    DROPOUT_CASE_OPENED = "DROPOUT_CASE_OPENED"  # 控辍立案 (API or hub dropout check)
    DROPOUT_CASE_CLOSED = "DROPOUT_CASE_CLOSED"  # 销号
    PLACEMENT_ENDED = "PLACEMENT_ENDED"  # 安置结束 without a next one (API, left the roll)
    DUPLICATE_CANDIDATE_OPENED = "DUPLICATE_CANDIDATE_OPENED"  # 新的疑似重复待审记录

    @property
    def about(self) -> str:
        """The name, in a delivered body, of the id the event is about."""
        return _ABOUT[self]

    @property
    def fact(self) -> str:
        """The kind of fact (``hub.facts``) a subscriber must see to be told of the event;
        review items are not facts (their own rule: ``link`` over a region)."""
        return _FACT[self]


_ABOUT = {
    EventKind.TRANSITION_STARTED: "transitionId",
    EventKind.TRANSITION_HANDED_OVER: "transitionId",
    EventKind.TRANSITION_STALLED: "transitionId",
    EventKind.DROPOUT_CASE_OPENED: "dropoutCaseId",
    EventKind.DROPOUT_CASE_CLOSED: "dropoutCaseId",
    EventKind.PLACEMENT_ENDED: "placementId",
    EventKind.DUPLICATE_CANDIDATE_OPENED: "duplicateCandidateId",
}
_FACT = {
    EventKind.TRANSITION_STARTED: "Transition",
    EventKind.TRANSITION_HANDED_OVER: "Transition",
    EventKind.TRANSITION_STALLED: "Transition",
    EventKind.DROPOUT_CASE_OPENED: "DropoutCase",
    EventKind.DROPOUT_CASE_CLOSED: "DropoutCase",
    EventKind.PLACEMENT_ENDED: "Placement",
    EventKind.DUPLICATE_CANDIDATE_OPENED: "DuplicateCandidate",
}


def emit(kind: EventKind, children: str, about: str, organisations: str = "[]",
         regions: str = "[]") -> str:
    """A ``CREATE`` clause writing one outbox event per row, to append to a writer's statement.

    The arguments are Cypher expressions over the statement's own variables: ``children`` a
    list of child ids (``[c.id]``), ``about`` the id of the transition, case, placement or
    review item, ``organisations`` and ``regions`` lists of ids and region codes (nulls are
    dropped). The kind is code-defined text; no value enters the text.
    """
    return (
        "CREATE (:OutboxEvent {id: 'evt_' + replace(randomUUID(), '-', ''), "
        f"kind: '{EventKind(kind).value}', occurredAt: datetime(), "
        f"childId: ({children})[0], childIds: {children}, about: {about}, "
        f"organisations: [outbox_o IN {organisations} WHERE outbox_o IS NOT NULL], "
        f"regions: [outbox_r IN {regions} WHERE outbox_r IS NOT NULL], pending: true}}) "
    )

"""Domain services 业务服务: what each mutation does, inside the caller's one transaction.

Each service takes the open transaction, the subject who records (its department is the fact's
``recordedBy``, its region ``recordedIn``), a validated pydantic input and an optional client
idempotency key, and returns the id of the node it wrote. Services raise ``hub.errors``; any
exception rolls the whole transaction back, so a failure writes nothing.
"""

from __future__ import annotations

from hub.services.assessments import RecordAssessment, record_assessment
from hub.services.dropout import (
    CloseDropoutCase,
    OpenDropoutCase,
    close_dropout_case,
    open_dropout_case,
)
from hub.services.placements import EndPlacement, PlaceChild, end_placement, place_child
from hub.services.plans import UpdatePlan, update_plan
from hub.services.sessions import RecordServiceSession, record_service_session
from hub.services.transitions import (
    StartTransition,
    TransitionStep,
    complete_transition,
    hand_over_transition,
    start_transition,
)

__all__ = [
    "CloseDropoutCase",
    "EndPlacement",
    "OpenDropoutCase",
    "PlaceChild",
    "RecordAssessment",
    "RecordServiceSession",
    "StartTransition",
    "TransitionStep",
    "UpdatePlan",
    "close_dropout_case",
    "complete_transition",
    "end_placement",
    "hand_over_transition",
    "open_dropout_case",
    "place_child",
    "record_assessment",
    "record_service_session",
    "start_transition",
    "update_plan",
]

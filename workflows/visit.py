"""High-level visit (高层互访): planned → confirmed (invitations sent) → completed; cancelled."""

from __future__ import annotations

from enum import StrEnum

from workflows.base import ROLE_ADMIN, ROLE_LEAD_DEPARTMENT, ROLE_ORGANISER, ROLE_SECRETARY, build, needs_text


class VisitState(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


S = VisitState
ORGANISERS = (ROLE_SECRETARY, ROLE_ORGANISER, ROLE_ADMIN, ROLE_LEAD_DEPARTMENT)
TRANSITIONS = build(
    [
        ([S.PLANNED], "confirm", S.CONFIRMED, ORGANISERS, None),
        ([S.CONFIRMED], "update", S.CONFIRMED, ORGANISERS, None),
        ([S.CONFIRMED], "complete", S.COMPLETED, ORGANISERS, None),
        ([S.PLANNED, S.CONFIRMED], "cancel", S.CANCELLED, ORGANISERS, needs_text("reason")),
    ]
)

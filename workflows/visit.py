"""High-level visit (高层互访): planned → confirmed (invitations sent) → completed; cancelled."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from workflows.base import (
    ROLE_ADMIN,
    ROLE_LEAD_DEPARTMENT,
    ROLE_ORGANISER,
    ROLE_SECRETARY,
    Context,
    build,
    fact,
    needs_text,
)


class VisitState(StrEnum):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def last_day_reached(today: date | None, ends_on: date | None) -> bool:
    """Completed from the visit's last day on (today being the date in Beijing)."""
    return today is not None and ends_on is not None and today >= ends_on


def _last_day_reached(context: Context) -> str | None:
    return (
        None
        if last_day_reached(fact(context, "today", date), fact(context, "ends_on", date))
        else "visit not over yet"
    )


S = VisitState
ORGANISERS = (ROLE_SECRETARY, ROLE_ORGANISER, ROLE_ADMIN, ROLE_LEAD_DEPARTMENT)
TRANSITIONS = build(
    [
        ([S.PLANNED], "confirm", S.CONFIRMED, ORGANISERS, None),
        ([S.CONFIRMED], "update", S.CONFIRMED, ORGANISERS, None),
        ([S.CONFIRMED], "complete", S.COMPLETED, ORGANISERS, _last_day_reached),
        ([S.PLANNED, S.CONFIRMED], "cancel", S.CANCELLED, ORGANISERS, needs_text("reason")),
    ]
)

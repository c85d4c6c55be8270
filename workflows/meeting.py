"""Joint meeting (联席会议): draft → scheduled (invitations sent) → held → minutes published;
draft or scheduled → cancelled."""

from __future__ import annotations

from datetime import datetime
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


class MeetingState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    HELD = "held"
    MINUTES_PUBLISHED = "minutes_published"
    CANCELLED = "cancelled"


HELD_STATES = frozenset({MeetingState.HELD, MeetingState.MINUTES_PUBLISHED})
# A meeting still to come, whose agenda may take items (a plan to deliberate).
OPEN_STATES = frozenset({MeetingState.DRAFT, MeetingState.SCHEDULED})


def _attendees(context: Context) -> str | None:
    return None if (fact(context, "attendee_count", int) or 0) > 0 else "no attendees"


def has_started(now: datetime | None, starts_at: datetime | None) -> bool:
    """Held is a fact about the past: not before the meeting's start (both moments in Beijing time)."""
    return now is not None and starts_at is not None and now >= starts_at


def _started(context: Context) -> str | None:
    return (
        None
        if has_started(fact(context, "now", datetime), fact(context, "starts_at", datetime))
        else "meeting not started yet"
    )


S = MeetingState
ORGANISERS = (ROLE_SECRETARY, ROLE_ORGANISER, ROLE_ADMIN, ROLE_LEAD_DEPARTMENT)
TRANSITIONS = build(
    [
        ([S.DRAFT], "schedule", S.SCHEDULED, ORGANISERS, _attendees),
        ([S.SCHEDULED], "reschedule", S.SCHEDULED, ORGANISERS, None),
        ([S.SCHEDULED], "hold", S.HELD, ORGANISERS, _started),
        ([S.HELD], "publish_minutes", S.MINUTES_PUBLISHED, ORGANISERS, None),
        ([S.DRAFT, S.SCHEDULED], "cancel", S.CANCELLED, ORGANISERS, needs_text("reason")),
    ]
)

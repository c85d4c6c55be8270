"""Joint meeting (联席会议): draft → scheduled (invitations sent) → held → minutes published;
draft or scheduled → cancelled."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from workflows.base import ROLE_ADMIN, ROLE_LEAD_DEPARTMENT, ROLE_ORGANISER, ROLE_SECRETARY, build, needs_text


class MeetingState(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    HELD = "held"
    MINUTES_PUBLISHED = "minutes_published"
    CANCELLED = "cancelled"


def _attendees(context: Mapping[str, Any]) -> str | None:
    return None if context.get("attendee_count", 0) > 0 else "no attendees"


S = MeetingState
ORGANISERS = (ROLE_SECRETARY, ROLE_ORGANISER, ROLE_ADMIN, ROLE_LEAD_DEPARTMENT)
TRANSITIONS = build(
    [
        ([S.DRAFT], "schedule", S.SCHEDULED, ORGANISERS, _attendees),
        ([S.SCHEDULED], "reschedule", S.SCHEDULED, ORGANISERS, None),
        ([S.SCHEDULED], "hold", S.HELD, ORGANISERS, None),
        ([S.HELD], "publish_minutes", S.MINUTES_PUBLISHED, ORGANISERS, None),
        ([S.DRAFT, S.SCHEDULED], "cancel", S.CANCELLED, ORGANISERS, needs_text("reason")),
    ]
)

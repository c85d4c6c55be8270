"""Assignment (督办事项): assigned → acknowledged (签收) → in progress → completion submitted →
closed (审核销号); submitted → returned (退回) → in progress; cancelled by a lead department.
Overdue is derived from the deadline and the state, never stored."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from workflows.base import ROLE_ADMIN, ROLE_LEAD_DEPARTMENT, ROLE_UNIT_LIAISON, Context, build, needs_text


class AssignmentState(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    CLOSED = "closed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


S = AssignmentState
TERMINAL_STATES = frozenset({S.CLOSED, S.CANCELLED})
# "Open": still the unit's to do. The one definition, for Python and (as OPEN_VALUES) for SQL.
OPEN_STATES = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.RETURNED})
# Not yet finished: open, or completed by the unit and waiting for verification.
UNFINISHED_STATES = OPEN_STATES | {S.SUBMITTED}
OPEN_VALUES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN_STATES))
UNFINISHED_VALUES: tuple[str, ...] = tuple(sorted(s.value for s in UNFINISHED_STATES))
TERMINAL_VALUES: tuple[str, ...] = tuple(sorted(s.value for s in TERMINAL_STATES))
UNIT = (ROLE_UNIT_LIAISON,)
LEAD = (ROLE_LEAD_DEPARTMENT, ROLE_ADMIN)


def _quality(context: Context) -> str | None:
    quality = context.get("quality")
    return (
        None
        if quality is None or (isinstance(quality, int) and 1 <= quality <= 5)
        else "quality out of range"
    )


TRANSITIONS = build(
    [
        ([S.ASSIGNED], "acknowledge", S.ACKNOWLEDGED, UNIT, None),
        ([S.ACKNOWLEDGED], "start", S.IN_PROGRESS, UNIT, None),
        # A report starts the work; an unacknowledged task must be acknowledged first.
        ([S.ACKNOWLEDGED, S.IN_PROGRESS, S.RETURNED], "report", S.IN_PROGRESS, UNIT, None),
        # A returned task is reworked and submitted again: no extra "resume" step in between.
        (
            [S.IN_PROGRESS, S.RETURNED],
            "submit_completion",
            S.SUBMITTED,
            UNIT,
            needs_text("results", "results required"),
        ),
        ([S.SUBMITTED], "close", S.CLOSED, LEAD, _quality),
        ([S.SUBMITTED], "return", S.RETURNED, LEAD, needs_text("reason")),
        ([S.RETURNED], "resume", S.IN_PROGRESS, UNIT, None),
        (
            [S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.RETURNED, S.SUBMITTED],
            "cancel",
            S.CANCELLED,
            LEAD,
            needs_text("reason"),
        ),
    ]
)


def can_request_extension(state: AssignmentState) -> bool:
    return state in {S.ACKNOWLEDGED, S.IN_PROGRESS, S.RETURNED}


def is_overdue(state: AssignmentState, deadline: date, today: date) -> bool:
    """Past the deadline and still the unit's to do. A submitted completion is waiting for the
    lead department, not the unit, so it does not count as overdue while it waits."""
    return state in OPEN_STATES and today > deadline


def days_late(deadline: date, finished_on: date) -> int:
    return max((finished_on - deadline).days, 0)

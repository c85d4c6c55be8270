"""Traffic lights (红黄绿灯) of supervision."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from workflows.assignment import TERMINAL_STATES, AssignmentState, is_overdue
from workflows.workdays import workdays_between

AT_RISK_PERCENT = 80


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"  # finished: closed or cancelled


def traffic_light(
    state: AssignmentState,
    deadline: date,
    today: date,
    percent: int | None,
    pending_extension: bool,
    warning_workdays: int = 5,
) -> Light:
    if state in TERMINAL_STATES:
        return Light.NONE
    if is_overdue(state, deadline, today):
        return Light.RED
    if state == AssignmentState.SUBMITTED:
        return Light.GREEN  # done on the unit's side; verification is the lead department's
    # At risk: someone asked for more time, or the deadline is near and the work is not.
    if pending_extension:
        return Light.YELLOW
    if workdays_between(today, deadline) <= warning_workdays and (percent or 0) < AT_RISK_PERCENT:
        return Light.YELLOW
    return Light.GREEN

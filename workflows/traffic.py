"""Traffic lights (红黄绿灯) of supervision: the one rule, with the reason for a yellow light.

Red: open and past its current deadline. Yellow (at risk), for the first of these reasons:
an extension request is waiting; the deadline is within N working days and the work is below
P per cent; or (序时进度) the reported progress lags the elapsed share of the task's time, from
its assignment to its current deadline, by more than L points. Green otherwise. A completion
waiting for verification is green: it is the lead department's turn, not the unit's.

The SQL the dashboards count with is built from these same definitions
(coordination.assignments.queries.light_sql); a property test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum

from workflows.assignment import TERMINAL_STATES, AssignmentState, is_overdue
from workflows.workdays import add_workdays

AT_RISK_PERCENT = 80
WARNING_WORKDAYS = 5
LAG_POINTS = 20


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"  # finished: closed or cancelled


class Reason(StrEnum):
    OVERDUE = "overdue"
    PENDING_EXTENSION = "pending_extension"
    DEADLINE_NEAR = "deadline_near"
    BEHIND_SCHEDULE = "behind_schedule"


def _whole(value: object) -> int:
    """A stored number (JSON: a number, or text a form wrote) as int(); anything else is refused."""
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


@dataclass(frozen=True)
class TrafficRule:
    """What the lead departments of a mechanism may set. lag_points None switches the
    time-proportional check off; by default a task 20 points behind its schedule is yellow."""

    warning_workdays: int = WARNING_WORKDAYS
    at_risk_percent: int = AT_RISK_PERCENT
    lag_points: int | None = LAG_POINTS

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> TrafficRule:
        if not data:
            return cls()
        lag = data.get("lag_points", LAG_POINTS)
        return cls(
            warning_workdays=_whole(data.get("warning_workdays", WARNING_WORKDAYS)),
            at_risk_percent=_whole(data.get("at_risk_percent", AT_RISK_PERCENT)),
            lag_points=None if lag is None else _whole(lag),
        )

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)

    def problems(self) -> list[str]:
        """Why this rule cannot be used, as keys the interface explains."""
        found = []
        if not 0 <= self.warning_workdays <= 30:
            found.append("warning_workdays out of range")
        if not 0 <= self.at_risk_percent <= 100:
            found.append("at_risk_percent out of range")
        if self.lag_points is not None and not 1 <= self.lag_points <= 100:
            found.append("lag_points out of range")
        return found


DEFAULT_RULE = TrafficRule()


@dataclass(frozen=True)
class Assessment:
    light: Light
    reason: Reason | None = None
    behind_by: int = 0  # points behind the time-proportional progress (BEHIND_SCHEDULE only)


def warning_horizon(today: date, warning_workdays: int) -> date:
    """The first day that is NOT within `warning_workdays` working days of today: a deadline d
    (d >= today) is near when d < this day, i.e. when at most that many working days lie in
    (today, d]. A deadline on a rest day counts as the working days before it."""
    return add_workdays(today, warning_workdays + 1)


def expected_percent(start: date, deadline: date, today: date) -> float | None:
    """序时进度: the share of the task's time gone by today, in per cent; None when the task has
    no span of time (deadline on or before its start)."""
    total = (deadline - start).days
    if total <= 0:
        return None
    return 100.0 * (today - start).days / total


def is_behind(start: date, deadline: date, today: date, percent: int, lag_points: int) -> bool:
    """Reported progress lags the elapsed share by more than lag_points. Whole numbers only (no
    division), so SQL decides it exactly as Python does."""
    total = (deadline - start).days
    return total > 0 and (percent + lag_points) * total < 100 * (today - start).days


def assess(
    state: AssignmentState,
    deadline: date,
    today: date,
    percent: int | None,
    pending_extension: bool,
    start: date | None = None,
    rule: TrafficRule = DEFAULT_RULE,
) -> Assessment:
    percent = percent or 0
    if state in TERMINAL_STATES:
        return Assessment(Light.NONE)
    if is_overdue(state, deadline, today):
        return Assessment(Light.RED, Reason.OVERDUE)
    if state == AssignmentState.SUBMITTED:
        return Assessment(Light.GREEN)
    if pending_extension:
        return Assessment(Light.YELLOW, Reason.PENDING_EXTENSION)
    if deadline < warning_horizon(today, rule.warning_workdays) and percent < rule.at_risk_percent:
        return Assessment(Light.YELLOW, Reason.DEADLINE_NEAR)
    lag = rule.lag_points
    if start is not None and lag is not None and is_behind(start, deadline, today, percent, lag):
        expected = expected_percent(start, deadline, today) or 0.0
        return Assessment(Light.YELLOW, Reason.BEHIND_SCHEDULE, round(expected - percent))
    return Assessment(Light.GREEN)


def traffic_light(
    state: AssignmentState,
    deadline: date,
    today: date,
    percent: int | None,
    pending_extension: bool,
    start: date | None = None,
    rule: TrafficRule = DEFAULT_RULE,
) -> Light:
    return assess(state, deadline, today, percent, pending_extension, start, rule).light


def group_light(tasks: int, overdue: int, at_risk: int) -> Light:
    """The light of a group of tasks (a key task, an area, a unit): red while any is overdue,
    yellow while any is at risk, none when it has no tasks."""
    if not tasks:
        return Light.NONE
    if overdue:
        return Light.RED
    return Light.YELLOW if at_risk else Light.GREEN

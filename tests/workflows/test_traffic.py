"""The traffic-light rule: near deadlines counted in working days (rest days included), the
time-proportional check (序时进度), the reason given for yellow, the configurable rule."""

from datetime import date, timedelta

import pytest

from workflows.assignment import OPEN_STATES, OPEN_VALUES, UNFINISHED_VALUES, AssignmentState
from workflows.traffic import (
    Light,
    Reason,
    TrafficRule,
    assess,
    expected_percent,
    warning_horizon,
)
from workflows.workdays import workdays_between

S = AssignmentState
OFF = TrafficRule(lag_points=None)


def test_the_horizon_is_within_n_working_days_on_every_day_of_a_year():
    """ "Due within N working days" is one definition: at most N working days in (today, d]."""
    for offset in range(365):
        today = date(2026, 1, 1) + timedelta(days=offset)
        for n in (0, 3, 5):
            horizon = warning_horizon(today, n)
            for ahead in range(0, 25):
                deadline = today + timedelta(days=ahead)
                assert (deadline < horizon) == (workdays_between(today, deadline) <= n), (today, deadline, n)


def test_a_deadline_on_a_rest_day_after_the_fifth_working_day_is_near():
    # Friday 13 Nov 2026: the 5th working day after is Friday 20; Saturday 21 has just 5 working
    # days before it, so it is near (the SQL of the overview used to call it green).
    today = date(2026, 11, 13)
    assert assess(S.IN_PROGRESS, date(2026, 11, 21), today, 0, False, rule=OFF).reason == Reason.DEADLINE_NEAR
    assert assess(S.IN_PROGRESS, date(2026, 11, 23), today, 0, False, rule=OFF).light == Light.GREEN
    # Over the National Day holiday: from 30 Sep, 8 Oct is the 1st working day, Saturday 10 Oct an
    # adjusted working day (调休上班), 13 Oct the 5th; Sunday 11 Oct is a rest day with 3 before it.
    today = date(2026, 9, 30)
    for deadline, light in (
        ("2026-10-07", Light.YELLOW),
        ("2026-10-11", Light.YELLOW),
        ("2026-10-13", Light.YELLOW),
    ):
        assert assess(S.IN_PROGRESS, date.fromisoformat(deadline), today, 0, False, rule=OFF).light == light
    assert assess(S.IN_PROGRESS, date(2026, 10, 14), today, 0, False, rule=OFF).light == Light.GREEN


def test_behind_schedule_by_more_than_the_set_points_is_yellow_and_says_by_how_much():
    start, deadline, today = date(2026, 1, 1), date(2026, 12, 31), date(2026, 7, 2)  # 182 of 364 days
    assert expected_percent(start, deadline, today) == pytest.approx(50.0)
    behind = assess(S.IN_PROGRESS, deadline, today, 29, False, start)
    assert (behind.light, behind.reason, behind.behind_by) == (Light.YELLOW, Reason.BEHIND_SCHEDULE, 21)
    assert assess(S.IN_PROGRESS, deadline, today, 30, False, start).light == Light.GREEN  # exactly 20
    assert assess(S.IN_PROGRESS, deadline, today, 0, False, start, OFF).light == Light.GREEN
    strict = TrafficRule(lag_points=5)
    assert assess(S.IN_PROGRESS, deadline, today, 44, False, start, strict).reason == Reason.BEHIND_SCHEDULE
    # No time span (assigned on its deadline day): nothing to lag behind.
    assert assess(S.ASSIGNED, today, today, 0, False, today).reason == Reason.DEADLINE_NEAR
    assert expected_percent(today, today, today) is None


def test_reasons_in_order_and_finished_tasks():
    start, today = date(2026, 1, 1), date(2026, 11, 13)
    near = date(2026, 11, 16)
    assert assess(S.IN_PROGRESS, near, today, 0, True, start).reason == Reason.PENDING_EXTENSION
    assert assess(S.IN_PROGRESS, near, today, 0, False, start).reason == Reason.DEADLINE_NEAR
    assert assess(S.IN_PROGRESS, date(2026, 11, 12), today, 0, True, start).reason == Reason.OVERDUE
    assert assess(S.SUBMITTED, date(2026, 11, 12), today, 0, True, start).light == Light.GREEN
    assert assess(S.CLOSED, near, today, 0, True, start).light == Light.NONE


def test_the_rule_as_stored_and_checked():
    assert TrafficRule.from_dict(None) == TrafficRule() == TrafficRule(5, 80, 20)
    assert TrafficRule.from_dict({"lag_points": None}).lag_points is None
    assert TrafficRule.from_dict(TrafficRule(3, 50, 10).as_dict()) == TrafficRule(3, 50, 10)
    assert TrafficRule(lag_points=0).problems() == ["lag_points out of range"]
    assert TrafficRule(warning_workdays=31, at_risk_percent=101).problems() == [
        "warning_workdays out of range",
        "at_risk_percent out of range",
    ]


def test_open_states_are_defined_once():
    assert (
        set(OPEN_VALUES)
        == {s.value for s in OPEN_STATES}
        == {"assigned", "acknowledged", "in_progress", "returned"}
    )
    assert set(UNFINISHED_VALUES) == set(OPEN_VALUES) | {"submitted"}


def test_a_group_is_red_while_any_task_is_overdue_and_yellow_while_any_is_at_risk():
    from workflows.traffic import Light, group_light

    assert group_light(0, 0, 0) is Light.NONE
    assert group_light(5, 0, 0) is Light.GREEN
    assert group_light(5, 0, 2) is Light.YELLOW
    assert group_light(5, 1, 2) is Light.RED

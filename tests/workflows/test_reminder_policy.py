"""The reminder policy, checked against the statutory calendar around the long holidays."""

from datetime import date, datetime

import pytest

from workflows.reminders import (
    Due,
    Policy,
    deadline_reminders,
    event_reminders,
    held_urgings,
    in_quiet_hours,
    next_sending_moment,
    next_urging,
    period_ends,
    report_reminders,
    send_time,
    urging,
)
from workflows.workdays import add_workdays


def _table(deadline, policy=None):
    return {d.kind: d.on for d in deadline_reminders(deadline, policy or Policy())}


def test_deadline_after_spring_festival_2026():
    # Holiday 15–23 Feb 2026; Saturday 14 Feb and Saturday 28 Feb are working days.
    table = _table(date(2026, 2, 27))
    assert table["before_7"] == date(2026, 2, 11)  # counts 24, 14 (Sat, worked), 13, 12, 11
    assert table["before_3"] == date(2026, 2, 24)
    assert table["before_1"] == date(2026, 2, 26)
    assert table["on_the_day"] == date(2026, 2, 27)
    assert table["urge_1"] == date(2026, 3, 3)  # 28 Feb (Sat, worked), 2 and 3 Mar
    assert table["escalation_1"] == date(2026, 3, 5)
    assert table["escalation_2"] == date(2026, 3, 12)
    assert table["escalation_3"] == date(2026, 3, 26)


def test_deadline_after_national_day_and_mid_autumn_2026():
    # Mid-Autumn 25–27 Sep, National Day 1–7 Oct; Saturday 10 Oct is a working day.
    table = _table(date(2026, 10, 12))
    assert table["before_1"] == date(2026, 10, 10)
    assert table["before_3"] == date(2026, 10, 8)
    assert table["before_7"] == date(2026, 9, 24)
    assert table["urge_1"] == date(2026, 10, 15)


def test_deadline_on_a_rest_day_is_reminded_the_next_working_day():
    table = _table(date(2026, 10, 3))
    assert table["on_the_day"] == date(2026, 10, 8)
    assert table["before_1"] == date(2026, 9, 30)


def test_urging_repeats_and_the_ladder_follows_the_policy():
    policy = Policy(
        before=(2,),
        on_the_day=False,
        urge_every=5,
        urge_horizon=15,
        escalate_unit_head=2,
        escalate_lead_department=4,
        escalate_leading_group=6,
    )
    table = _table(date(2026, 6, 1), policy)
    # Only the first urging is written ahead; each one delivered writes the next (next_urging).
    assert set(table) == {"before_2", "urge_1", "escalation_1", "escalation_2", "escalation_3"}
    assert table["urge_1"] == date(2026, 6, 8)
    ladder = [urging(date(2026, 6, 1), n, policy) for n in range(1, 5)]
    assert ladder == [
        Due(date(2026, 6, 8), "urge_1"),
        Due(date(2026, 6, 15), "urge_2"),
        Due(date(2026, 6, 23), "urge_3"),  # 15 working days, Dragon Boat (19 Jun) skipped: the horizon
        None,
    ]
    assert {d.audience for d in deadline_reminders(date(2026, 6, 1), policy) if d.kind.startswith("esc")} == {
        "unit_head",
        "lead_department",
        "leading_group",
    }


def test_the_next_urging_follows_the_one_delivered_on_a_working_morning():
    # Deadline Wed 30 Sep 2026, before Mid-Autumn and National Day (1–8 Oct off, Sat 10 Oct worked):
    # urge_1 three working days on is Sat 10 Oct; urge_2 three more, Wed 14 Oct.
    deadline = date(2026, 9, 30)
    assert urging(deadline, 1) == Due(date(2026, 10, 10), "urge_1")
    assert next_urging(deadline, 1) == Due(date(2026, 10, 14), "urge_2")
    assert next_urging(deadline, 1, today=date(2026, 10, 10)) == Due(date(2026, 10, 14), "urge_2")
    # Delivered late (the worker was down past urge_2's morning): no backlog, the next to come.
    assert next_urging(deadline, 1, today=date(2026, 10, 14)) == Due(date(2026, 10, 19), "urge_3")
    # The horizon (60 working days, every 3: 20 urgings) ends the chain.
    assert next_urging(deadline, 19) == Due(add_workdays(deadline, 60), "urge_20")
    assert next_urging(deadline, 20) is None
    assert next_urging(deadline, 1, Policy(urge_every=3, urge_horizon=3)) is None


def test_the_schedule_holds_the_urging_to_come_and_that_of_the_day():
    deadline = date(2026, 9, 30)
    assert held_urgings(deadline) == [Due(date(2026, 10, 10), "urge_1")]
    assert held_urgings(deadline, today=date(2026, 9, 1)) == [Due(date(2026, 10, 10), "urge_1")]
    # On urge_1's morning: that one (perhaps not sent yet) and urge_2, which its delivery writes.
    assert held_urgings(deadline, today=date(2026, 10, 10)) == [
        Due(date(2026, 10, 10), "urge_1"),
        Due(date(2026, 10, 14), "urge_2"),
    ]
    assert held_urgings(deadline, today=date(2026, 10, 12)) == [Due(date(2026, 10, 14), "urge_2")]
    assert held_urgings(deadline, today=date(2027, 6, 1)) == []  # long past the horizon
    kinds = {d.kind for d in deadline_reminders(deadline, Policy(), date(2026, 10, 12))}
    assert {k for k in kinds if k.startswith("urge")} == {"urge_2"}


def test_policy_from_mechanism_settings():
    policy = Policy.from_dict({"before": [5, 2], "urge_every": 2, "unknown": 1})
    assert policy.before == (5, 2) and policy.urge_every == 2
    assert Policy.from_dict(None) == Policy()


def test_progress_report_periods():
    assert period_ends("quarterly", date(2026, 3, 10), date(2026, 12, 31)) == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]
    assert period_ends("monthly", date(2026, 11, 5), date(2027, 1, 31)) == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]
    assert period_ends("never", date(2026, 1, 1), date(2026, 12, 31)) == []
    dues = report_reminders("monthly", date(2026, 9, 1), date(2026, 10, 31))
    assert [(d.kind, d.on) for d in dues] == [
        ("report_before", date(2026, 9, 24)),  # 3 working days before 30 Sep, Mid-Autumn skipped
        ("report_urge", date(2026, 10, 9)),  # 2 working days after, National Day skipped
        ("report_before", date(2026, 10, 28)),
        ("report_urge", date(2026, 11, 3)),
    ]


def test_meeting_reminders_fall_on_the_last_working_day_before():
    dues = {d.kind: d.on for d in event_reminders(date(2026, 10, 8), (7, 1), 3)}
    assert dues == {
        "event_before_7": date(2026, 9, 30),
        "event_before_1": date(2026, 9, 30),
        "event_chase": date(2026, 9, 30),
    }
    assert {d.audience for d in event_reminders(date(2026, 12, 10), (7, 1), 3)} == {"attendees", "organiser"}


@pytest.mark.parametrize(
    ("moment", "quiet", "next_moment"),
    [
        (datetime(2026, 11, 24, 10, 0), False, datetime(2026, 11, 24, 10, 0)),
        (datetime(2026, 11, 24, 22, 0), True, datetime(2026, 11, 25, 9, 0)),
        (datetime(2026, 11, 24, 6, 0), True, datetime(2026, 11, 24, 9, 0)),
        (datetime(2026, 11, 28, 10, 0), True, datetime(2026, 11, 30, 9, 0)),  # Saturday
        (datetime(2026, 9, 30, 21, 0), True, datetime(2026, 10, 8, 9, 0)),  # into National Day
        (datetime(2026, 10, 10, 11, 0), False, datetime(2026, 10, 10, 11, 0)),  # worked Saturday
    ],
)
def test_quiet_hours(moment, quiet, next_moment):
    assert in_quiet_hours(moment) is quiet
    assert next_sending_moment(moment) == next_moment


def test_send_time_is_a_working_morning():
    assert send_time(date(2026, 10, 1)) == datetime(2026, 10, 8, 9, 0)

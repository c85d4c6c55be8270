"""The reminder policy: what is due when, for whom. Pure: dates in, reminder specs out.

Everything is sent on a working morning (quiet hours: nothing at night or on rest days), so a
reminder is a (date, kind, audience) and the app turns the date into 09:00 Beijing time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from workflows.workdays import add_workdays, is_workday, next_workday

SEND_AT = time(9, 0)  # local working-morning hour
# Hard ceilings, whatever a policy or a date says: a task has at most MAX_URGINGS urgings and
# MAX_REPORT_PERIODS progress-report periods (ten years of months), so no deadline, however far
# off, can write thousands of reminder rows. Dates users give are bounded too (workflows.dates).
MAX_URGE_HORIZON = 250  # working days: about a year of urging
MAX_URGINGS = 60
MAX_REPORT_PERIODS = 120
QUIET_FROM, QUIET_UNTIL = time(20, 0), time(8, 30)


@dataclass(frozen=True)
class Policy:
    """Per mechanism; the defaults are those of the issue that asked for reminders."""

    before: tuple[int, ...] = (7, 3, 1)  # working days before the deadline
    on_the_day: bool = True
    urge_every: int = 3  # working days between urgings (催办) while overdue
    urge_horizon: int = 60  # stop generating urgings this many working days after the deadline
    escalate_unit_head: int = 5  # working days overdue: the unit's head is copied
    escalate_lead_department: int = 10  # … the lead department of that party
    escalate_leading_group: int = 20  # … the leading-group office
    report_before: int = 3  # working days before a progress report is due
    report_urge_after: int = 2  # working days after it is due without a report
    meeting_days_before: tuple[int, ...] = (7, 1)  # calendar days before a meeting or visit
    organiser_chase_days_before: int = 3  # remind the organiser of attendees who have not answered

    @classmethod
    def from_dict(cls, data: dict | None) -> Policy:
        if not data:
            return cls()
        # A JSON object as stored: any value a field may hold, lists as the tuples fields are.
        known: dict[str, Any] = {
            k: (tuple(v) if isinstance(v, list) else v)
            for k, v in data.items()
            if k in cls.__dataclass_fields__
        }
        return cls(**known)


@dataclass(frozen=True, order=True)
class Due:
    on: date
    kind: str  # before_7, on_the_day, urge_1, escalation_1, report_before, …
    audience: str = "unit"  # unit / unit_head / lead_department / leading_group / attendees / organiser
    extra: tuple = field(default=(), compare=False)


def deadline_reminders(deadline: date, policy: Policy = Policy(), today: date | None = None) -> list[Due]:
    """Reminders before and on the deadline, the escalation ladder, and of the urgings after it
    only those the schedule holds now (`held_urgings`): each delivered urging writes the next
    one (`next_urging`), so an open task never carries a year of urgings ahead."""
    dues = [Due(add_workdays(deadline, -n), f"before_{n}") for n in policy.before]
    if policy.on_the_day:
        dues.append(Due(next_workday(deadline), "on_the_day"))
    dues += held_urgings(deadline, policy, today)
    for level, (n, audience) in enumerate(
        (
            (policy.escalate_unit_head, "unit_head"),
            (policy.escalate_lead_department, "lead_department"),
            (policy.escalate_leading_group, "leading_group"),
        ),
        start=1,
    ):
        dues.append(Due(add_workdays(deadline, n), f"escalation_{level}", audience))
    return sorted(set(dues))


def urging_offsets(policy: Policy = Policy()) -> range:
    """Working days after the deadline of urge_1, urge_2, …: every `urge_every` days up to the
    horizon, at most MAX_URGINGS of them."""
    step = max(policy.urge_every, 1)
    horizon = min(policy.urge_horizon, MAX_URGE_HORIZON)
    return range(step, horizon + 1, step)[:MAX_URGINGS]


def urging(deadline: date, number: int, policy: Policy = Policy()) -> Due | None:
    """urge_<number> (催办) of a task due on `deadline`, or None past the horizon."""
    offsets = urging_offsets(policy)
    if not 1 <= number <= len(offsets):
        return None
    return Due(add_workdays(deadline, offsets[number - 1]), f"urge_{number}")


def next_urging(
    deadline: date, sent_number: int, policy: Policy = Policy(), today: date | None = None
) -> Due | None:
    """The urging to write once urge_<sent_number> has been delivered: urge_<sent_number + 1>,
    `urge_every` working days later; None past the horizon. An urging delivered late (the worker
    was down) does not leave a backlog to send at once: mornings already past (and `today`'s,
    when given) are skipped, the same rule as a schedule that never sends yesterday's reminder."""
    number = sent_number + 1
    while (due := urging(deadline, number, policy)) is not None:
        if today is None or due.on > today:
            return due
        number += 1
    return None


def held_urgings(deadline: date, policy: Policy = Policy(), today: date | None = None) -> list[Due]:
    """The urgings a task's schedule holds on `today`: the first one still to come (urge_1
    before the deadline) and, on an urging's own morning, that one too (it may not be sent yet;
    once sent its successor exists already). Without `today`, urge_1."""
    held: list[Due] = []
    number = 1
    while (due := urging(deadline, number, policy)) is not None:
        if today is None or due.on > today:
            return [*held, due]
        if due.on == today:
            held.append(due)
        number += 1
    return held


def period_ends(cadence: str, start: date, end: date, limit: int = MAX_REPORT_PERIODS) -> list[date]:
    """The last day of each month or quarter between start and end (progress reports are due
    then), at most `limit` of them: the loop never runs over centuries."""
    months = {"monthly": 1, "quarterly": 3}.get(cadence)  # anything else: no fixed cadence
    if months is None:
        return []
    ends: list[date] = []
    year, month = start.year, start.month
    while True:
        month_end = (date(year + (month // 12), month % 12 + 1, 1)) - timedelta(days=1)
        if month % months == 0 and month_end >= start:
            if month_end > end or len(ends) >= limit:
                break
            ends.append(month_end)
        month += 1
        if month > 12:
            month, year = 1, year + 1
        if date(year, month, 1) > end:
            break
    return ends


def report_reminders(cadence: str, start: date, end: date, policy: Policy = Policy()) -> list[Due]:
    dues = []
    for due in period_ends(cadence, start, end):
        key = due.isoformat()
        dues.append(Due(add_workdays(due, -policy.report_before), "report_before", extra=(key,)))
        dues.append(Due(add_workdays(due, policy.report_urge_after), "report_urge", extra=(key,)))
    return sorted(dues)


def event_reminders(starts_on: date, days_before: tuple[int, ...], chase_days_before: int) -> list[Due]:
    """Meetings and visits: reminders to attendees, and to the organiser about missing answers.
    These count calendar days (people plan around the date) but still go out on a working morning,
    the latest working day not after the nominal date."""
    dues = []
    for n in days_before:
        dues.append(
            Due(_working_on_or_before(starts_on - timedelta(days=n)), f"event_before_{n}", "attendees")
        )
    dues.append(
        Due(_working_on_or_before(starts_on - timedelta(days=chase_days_before)), "event_chase", "organiser")
    )
    return sorted(set(dues))


def _working_on_or_before(day: date) -> date:
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def send_time(day: date) -> datetime:
    """The local time a reminder for `day` goes out: 09:00 on that day if it is a working day,
    else on the next working morning."""
    return datetime.combine(next_workday(day), SEND_AT)


def in_quiet_hours(moment: datetime) -> bool:
    """True at night or on a rest day (local time): nothing is sent then."""
    if not is_workday(moment.date()):
        return True
    clock = moment.time()
    return clock >= QUIET_FROM or clock < QUIET_UNTIL


def next_sending_moment(moment: datetime) -> datetime:
    """Now if sending is allowed, else the next working morning at 09:00."""
    if not in_quiet_hours(moment):
        return moment
    day = moment.date() if moment.time() < QUIET_UNTIL else moment.date() + timedelta(days=1)
    return send_time(day)

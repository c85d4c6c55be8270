"""PRC working days: statutory holidays and adjusted working weekends (调休) from the
chinesecalendar package. For years it does not cover yet (it raises NotImplementedError) we
fall back to Monday–Friday and say so through calendar_covers()."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def _official(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def calendar_covers(day: date) -> bool:
    """False when the holiday calendar for day's year is not published (weekends only)."""
    return _official(day) is not None


def is_workday(day: date) -> bool:
    official = _official(day)
    return day.weekday() < 5 if official is None else official


def next_workday(day: date) -> date:
    """day itself when it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after start (n > 0) or before it (n < 0), not counting start.
    n = 0 gives start when it is a working day, else the next working day."""
    if n == 0:
        return next_workday(start)
    step = timedelta(days=1 if n > 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(a: date, b: date) -> int:
    """Working days d with a < d <= b; negative when b is before a."""
    if b < a:
        return -workdays_between(b, a)
    return sum(1 for offset in range(1, (b - a).days + 1) if is_workday(a + timedelta(days=offset)))

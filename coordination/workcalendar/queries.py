"""The calendar in force, read from the database.

Each web process keeps the stored calendar and checks one small query (a stamp per year) once
per request, so a year confirmed in one process is used by every other from its next request on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, g, has_app_context
from sqlalchemy import func, select

from coordination.extensions import db
from coordination.timeutil import local_today
from coordination.workcalendar.models import CalendarDayRow, CalendarYear
from workflows.workdays import CalendarDay, WorkCalendar

_CACHE_KEY = "work_calendar"


def _years() -> list[tuple[int, str, bool]]:
    """(year, stamp, review pending) of every confirmed year: one small query per request."""
    rows = g.get("calendar_years")
    if rows is None:
        query = select(CalendarYear.year, CalendarYear.stamp, CalendarYear.review_pending).order_by(
            CalendarYear.year
        )
        rows = [(year, stamp, pending) for year, stamp, pending in db.session.execute(query)]
        g.calendar_years = rows
    return rows


def _stored() -> WorkCalendar:
    years = {year: stamp for year, stamp, _pending in _years()}
    key = tuple(years.items())
    cached = current_app.extensions.get(_CACHE_KEY)
    if cached is None or cached[0] != key:
        rows = db.session.execute(select(CalendarDayRow.day, CalendarDayRow.is_workday)).tuples().all()
        cached = (key, WorkCalendar(dict(rows), frozenset(years)))
        current_app.extensions[_CACHE_KEY] = cached
    return cached[1]


def current() -> WorkCalendar | None:
    """The calendar of this request (or job, or command); None outside the application."""
    if not has_app_context():
        return None
    calendar = g.get(_CACHE_KEY)
    if calendar is None:
        calendar = g.work_calendar = _stored().fresh()
    return calendar


def forget() -> None:
    """After a change in this transaction: the next computation reads the calendar again."""
    g.pop(_CACHE_KEY, None)
    g.pop("calendar_years", None)
    current_app.extensions.pop(_CACHE_KEY, None)


def unconfirmed_years_touched() -> list[int]:
    calendar = g.get(_CACHE_KEY) if has_app_context() else None
    return sorted(calendar.unconfirmed_years_touched) if calendar is not None else []


def days_of(year: int) -> list[CalendarDay]:
    rows = db.session.scalars(
        select(CalendarDayRow).where(CalendarDayRow.year == year).order_by(CalendarDayRow.day)
    )
    return [CalendarDay(r.day, r.is_workday, r.name) for r in rows]


@dataclass(frozen=True)
class YearStatus:
    year: int
    row: CalendarYear | None
    holidays: int  # rest days on what would be working days
    adjusted: int  # working Saturdays and Sundays

    @property
    def confirmed(self) -> bool:
        return self.row is not None


def year_statuses(around: date | None = None) -> list[YearStatus]:
    """Every stored year, and this year and next whether stored or not, newest first."""
    today = around or local_today()
    rows = {r.year: r for r in db.session.scalars(select(CalendarYear))}
    counts = dict(
        db.session.execute(
            select(CalendarDayRow.year, func.count())
            .where(CalendarDayRow.is_workday.is_(False))
            .group_by(CalendarDayRow.year)
        )
        .tuples()
        .all()
    )
    adjusted = dict(
        db.session.execute(
            select(CalendarDayRow.year, func.count())
            .where(CalendarDayRow.is_workday.is_(True))
            .group_by(CalendarDayRow.year)
        )
        .tuples()
        .all()
    )
    years = set(rows) | {today.year, today.year + 1}
    return [
        YearStatus(y, rows.get(y), counts.get(y, 0), adjusted.get(y, 0)) for y in sorted(years, reverse=True)
    ]


def next_year_missing(today: date | None = None) -> int | None:
    """From 1 November, next year while its arrangement is not confirmed (administrators are told)."""
    today = today or local_today()
    if today.month < 11:
        return None
    year = today.year + 1
    return None if any(stored == year for stored, _stamp, _pending in _years()) else year


def review_pending_years() -> list[int]:
    return [year for year, _stamp, pending in _years() if pending]

"""Confirming a year's arrangement, and loading the years the package knows at seed time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select

from coordination import signals
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.operations import OperationError
from coordination.timeutil import utcnow
from coordination.workcalendar import queries
from coordination.workcalendar.models import SOURCE_PACKAGE, CalendarDayRow, CalendarYear
from workflows.workdays import CalendarDay, WorkCalendar, package_days, package_years

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class DayChange:
    day: date
    before_workday: bool
    before_name: str
    after_workday: bool
    after_name: str


def _weekday_default(day: date) -> CalendarDay:
    return CalendarDay(day, day.weekday() < 5, "")


def changes(year: int, days: list[CalendarDay]) -> list[DayChange]:
    """What confirming `days` for `year` changes, day by day, against what is in force now
    (the stored arrangement, or Monday–Friday for a year not confirmed)."""
    before = {d.day: d for d in queries.days_of(year)}
    after = {d.day: d for d in days}
    result = []
    for day in sorted(set(before) | set(after)):
        old = before.get(day) or _weekday_default(day)
        new = after.get(day) or _weekday_default(day)
        if (old.is_workday, old.name) != (new.is_workday, new.name):
            result.append(DayChange(day, old.is_workday, old.name, new.is_workday, new.name))
    return result


def _kind(workday: bool, name: str) -> str:
    kind = _("working day") if workday else _("rest day")
    return f"{kind} · {name}" if name else kind


def check(year: int, days: list[CalendarDay]) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise OperationError(_("The year must be between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR))
    for entry in days:
        # A New Year holiday may start on 31 December of the year before (as in 2023).
        if entry.day.year != year and not (entry.day.year == year - 1 and entry.day.month == 12):
            raise OperationError(_("%(day)s is not in %(year)d.", day=entry.day.isoformat(), year=year))


def proposed_calendar(year: int, days: list[CalendarDay]) -> WorkCalendar:
    """The calendar in force with `year` replaced by `days`: to preview what confirming does."""
    stored = queries.current() or WorkCalendar()
    exceptions = {d: w for d, w in stored.exceptions.items() if d.year != year}
    exceptions.update({d.day: d.is_workday for d in days if d.day.year == year})
    return WorkCalendar(exceptions, stored.confirmed_years | {year})


def confirm_year(year: int, days: list[CalendarDay], source: str, actor: User | None) -> list[DayChange]:
    """Store `days` as `year`'s arrangement and mark the year confirmed (audited). Those who
    follow working days (deadline review, reminders) hear of it through signals.calendar_changed."""
    check(year, days)
    # Days of a holiday that began in December before are the previous year's to state.
    in_year = [d for d in days if d.day.year == year]
    diff = changes(year, in_year)
    row = db.session.get(CalendarYear, year)
    was_confirmed = row is not None
    if row is None:
        row = CalendarYear(year=year, review_pending=False)
        db.session.add(row)
    row.source = source
    row.confirmed_by_id = actor.id if actor else None
    row.confirmed_at = utcnow()
    row.stamp = uuid.uuid4().hex
    db.session.flush()
    db.session.execute(delete(CalendarDayRow).where(CalendarDayRow.year == year))
    if in_year:
        db.session.execute(
            insert(CalendarDayRow),
            [{"day": d.day, "year": year, "is_workday": d.is_workday, "name": d.name[:40]} for d in in_year],
        )
    record(
        "calendar.change" if was_confirmed else "calendar.confirm",
        object_type="calendar_years",
        object_id=year,
        summary=_(
            "%(year)d: %(holidays)d rest days, %(working)d adjusted working days, %(changed)d days changed",
            year=year,
            holidays=sum(1 for d in in_year if not d.is_workday),
            working=sum(1 for d in in_year if d.is_workday and d.day.weekday() >= 5),
            changed=len(diff),
        ),
        before={"changes": {c.day.isoformat(): _kind(c.before_workday, c.before_name) for c in diff}},
        after={
            "changes": {c.day.isoformat(): _kind(c.after_workday, c.after_name) for c in diff},
            "source": source,
        },
        actor_id=actor.id if actor else None,
    )
    queries.forget()
    if diff:
        signals.calendar_changed.send(year)
    return diff


def load_package_years() -> int:
    """Seed: every year chinesecalendar knows that is not stored yet (idempotent). Years an
    administrator confirmed are never overwritten."""
    stored = set(db.session.scalars(select(CalendarYear.year)))
    missing = [y for y in package_years() if y not in stored]
    if not missing:
        return 0
    now = utcnow()
    db.session.execute(
        insert(CalendarYear),
        [
            {
                "year": y,
                "source": SOURCE_PACKAGE,
                "confirmed_at": now,
                "stamp": uuid.uuid4().hex,
                "review_pending": False,
            }
            for y in missing
        ],
    )
    db.session.execute(
        insert(CalendarDayRow),
        [
            {"day": d.day, "year": y, "is_workday": d.is_workday, "name": d.name}
            for y in missing
            for d in package_days(y)
        ],
    )
    queries.forget()
    return len(missing)

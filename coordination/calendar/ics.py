"""iCalendar for the calendar feed: the building blocks (coordination.ical), the entries of
meetings and visits (their packages' invitations) and the deadlines of tasks."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from icalendar import Event

from coordination.assignments.models import Assignment
from coordination.ical import PRODID, address, calendar, local
from coordination.meetings.invitations import meeting_event
from coordination.text import single_line
from coordination.timeutil import utcnow
from coordination.visits.invitations import visit_events

__all__ = ["PRODID", "address", "calendar", "deadline_event", "local", "meeting_event", "visit_events"]


def deadline_event(assignment: Assignment) -> Event:
    """An all-day event on the current deadline of a task."""
    day: date = assignment.current_deadline
    event = Event.new(
        uid=f"assignment-{assignment.id}-deadline@hulian-coordination",
        stamp=utcnow().replace(tzinfo=UTC),
        start=day,
        end=day + timedelta(days=1),
        summary=single_line(f"【截止】{assignment.title}"),
        description=single_line(assignment.body.name_zh),
    )
    event.add("transp", "TRANSPARENT")
    return event

"""A user's personal calendar feed: their meetings, visits and their units' task deadlines."""

from __future__ import annotations

from sqlalchemy import or_, select

from coordination import permissions
from coordination.assignments.models import Assignment
from coordination.auth.models import User
from coordination.calendar import ics
from coordination.extensions import db
from coordination.meetings.models import Attendee, Meeting
from coordination.text import single_line
from coordination.visits.models import Visit
from workflows.assignment import UNFINISHED_VALUES


def for_user(user: User) -> bytes:
    mine = (
        or_(Attendee.user_id == user.id, Attendee.email == user.email)
        if user.email
        else Attendee.user_id == user.id
    )
    # IN (subquery) rather than DISTINCT: PostgreSQL cannot compare the JSON columns.
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.id.in_(select(Attendee.meeting_id).where(mine)), Meeting.state != "draft"
        )
    ).all()
    visits = db.session.scalars(
        select(Visit).where(Visit.id.in_(select(Attendee.visit_id).where(mine)), Visit.state != "planned")
    ).all()
    events = [ics.meeting_event(m, cancelled=m.state == "cancelled") for m in meetings]
    for visit in visits:
        events += ics.visit_events(visit, cancelled=visit.state == "cancelled")
    body_ids = permissions.liaison_body_ids(user)
    if body_ids:
        tasks = db.session.scalars(
            select(Assignment).where(
                Assignment.body_id.in_(body_ids), Assignment.state.in_(UNFINISHED_VALUES)
            )
        ).all()
        events += [ics.deadline_event(a) for a in tasks]
    calendar = ics.calendar(events, None)
    calendar.add("x-wr-calname", single_line(f"沪连对口合作 · {user.name}"))
    return calendar.to_ical()

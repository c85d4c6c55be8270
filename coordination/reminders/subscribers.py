"""What the reminder schedule follows besides the tasks' own operations."""

from __future__ import annotations

from sqlalchemy import select

from coordination import signals
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.meetings.models import Meeting
from coordination.organizations.models import Mechanism
from coordination.reminders import schedule
from coordination.reminders.operations import resync_all
from coordination.visits.models import Visit


@signals.calendar_changed.connect
def _resync_after_calendar_change(year: int, **_: object) -> None:
    """Reminders fall on working mornings: a changed year moves them (after the commit, as a job)."""
    for mechanism_id in db.session.scalars(select(Mechanism.id)):
        enqueue_after_commit(db.session(), resync_all, mechanism_id)


# --- meetings and visits: their reminders follow their time, state and people ----------------


def _sync_meeting(meeting_id: int, **_: object) -> None:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is not None:
        db.session.flush()
        schedule.sync_meeting(meeting)


def _sync_visit(visit_id: int, **_: object) -> None:
    visit = db.session.get(Visit, visit_id)
    if visit is not None:
        db.session.flush()
        schedule.sync_visit(visit)


for _signal in (
    signals.meeting_scheduled,
    signals.meeting_changed,
    signals.meeting_cancelled,
    signals.meeting_held,
    signals.minutes_published,
):
    _signal.connect(_sync_meeting)
for _signal in (
    signals.visit_confirmed,
    signals.visit_changed,
    signals.visit_cancelled,
    signals.visit_completed,
):
    _signal.connect(_sync_visit)

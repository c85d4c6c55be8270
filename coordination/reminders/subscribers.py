"""What the reminder schedule follows besides the tasks' own operations."""

from __future__ import annotations

from sqlalchemy import select

from coordination import signals
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.organizations.models import Mechanism
from coordination.reminders.operations import resync_all


@signals.calendar_changed.connect
def _resync_after_calendar_change(year: int, **_: object) -> None:
    """Reminders fall on working mornings: a changed year moves them (after the commit, as a job)."""
    for mechanism_id in db.session.scalars(select(Mechanism.id)):
        enqueue_after_commit(db.session(), resync_all, mechanism_id)

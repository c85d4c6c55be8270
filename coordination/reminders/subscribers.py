"""The reminder schedule follows the domain events of the layers below: tasks created, moved,
finished or cancelled; a plan's report cadence; the working-day calendar. Each receiver runs in
the sender's transaction, so the reminders commit (or roll back) with the change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from coordination import signals
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.meetings.models import Meeting
from coordination.organizations.models import Mechanism
from coordination.plans.models import PlanItem
from coordination.reminders import schedule
from coordination.reminders.operations import resync_all
from coordination.reminders.schedule import sync_assignment, sync_assignments
from coordination.visits.models import Visit


@signals.calendar_changed.connect
def _resync_after_calendar_change(year: int, **_: object) -> None:
    """Reminders fall on working mornings: a changed year moves them (after the commit, as a job)."""
    for mechanism_id in db.session.scalars(select(Mechanism.id)):
        enqueue_after_commit(db.session(), resync_all, mechanism_id)


@signals.assignments_created.connect
def _schedule_new_tasks(_mechanism_id: int, *, assignment_ids: Sequence[int], **_: object) -> None:
    """A batch of new tasks (a plan issued, a decision assigned): their reminders in one go. The
    sender holds the rows, so loading them is the identity map's, not the database's."""
    sync_assignments([a for a in (db.session.get(Assignment, i) for i in assignment_ids) if a])


def _follow_task(assignment_id: int, **_: object) -> None:
    """State or deadline changed: the task's reminders follow (a finished one has none left)."""
    db.session.flush()
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is not None:
        sync_assignment(assignment)


for _signal in (
    signals.assignment_acknowledged,
    signals.assignment_started,
    signals.assignment_returned,
    signals.assignment_closed,
    signals.assignment_cancelled,
    signals.assignment_changed,
    signals.completion_submitted,
):
    _signal.connect(_follow_task)


@signals.extension_decided.connect
def _follow_extension(assignment_id: int, *, granted: bool, **payload: object) -> None:
    """An approved extension moves the deadline, and the reminders with it; a refused one
    changes nothing."""
    if granted:
        _follow_task(assignment_id, **payload)


@signals.plan_report_cadence_changed.connect
def _follow_cadence(plan_id: int, **_: object) -> None:
    """Progress-report reminders of every task of the plan follow its new cadence."""
    db.session.flush()
    tasks = db.session.scalars(
        select(Assignment)
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .where(PlanItem.plan_id == plan_id)
    ).all()
    sync_assignments(tasks)


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

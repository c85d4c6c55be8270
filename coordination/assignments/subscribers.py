"""What the tasks follow in the layers below: a plan issued or amended, the working-day
calendar changed. Receivers run in the sender's transaction, so the tasks a plan's issue
creates commit (or roll back) with the issue itself."""

from __future__ import annotations

from datetime import date

from coordination import datacache, signals
from coordination.assignments import calendar_review, operations
from coordination.assignments.models import Assignment
from coordination.auth.models import User
from coordination.extensions import db
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.workcalendar import queries as work_calendar
from coordination.workcalendar.models import CalendarYear


def _actor(actor_id: int) -> User:
    actor = db.session.get(User, actor_id)  # the sender's user: the identity map has it
    if actor is None:
        raise LookupError(f"user {actor_id} is gone")
    return actor


@signals.plan_issued.connect
def _create_plan_tasks(plan_id: int, *, actor_id: int, issued_on: date, **_: object) -> None:
    """One task per lead and per co-operating unit of every item, in one batch."""
    plan = db.session.get(AnnualPlan, plan_id)
    if plan is not None:
        operations.create_for_plan(plan, _actor(actor_id))


@signals.plan_amended.connect
def _follow_amendment(plan_id: int, *, actor_id: int, item_id: int, reason: str, **_: object) -> None:
    """An issued plan's item changed: new units get tasks, removed units' are cancelled, a moved
    deadline moves the current one."""
    item = db.session.get(PlanItem, item_id)
    if item is not None:
        operations.sync_item(item, _actor(actor_id), reason)


@signals.calendar_changed.connect
def _flag_review(year: int, **_: object) -> None:
    """Deadlines counted in working days may come out differently: the lead departments are told
    to review them (nothing moves by itself)."""
    if calendar_review.deadline_changes():
        row = db.session.get(CalendarYear, year)
        if row is not None:
            row.review_pending = True
            db.session.flush()
            work_calendar.forget()


# --- the figures kept of the tasks (coordination/datacache.py) -------------------------------
TASK_EVENTS = (
    signals.assignment_acknowledged,
    signals.assignment_started,
    signals.assignment_reported,
    signals.assignment_returned,
    signals.assignment_closed,
    signals.assignment_cancelled,
    signals.assignment_changed,
    signals.extension_requested,
    signals.extension_decided,
    signals.extension_withdrawn,
    signals.completion_submitted,
)


def _task_changed(assignment_id: int, **_: object) -> None:
    """The overview's rows and the home page's counts of this task's mechanism are out of date
    once the change commits."""
    assignment = db.session.get(Assignment, assignment_id)  # the sender's row: no query
    if assignment is not None:
        datacache.touch(datacache.tasks_version_name(assignment.mechanism_id))


for _event in TASK_EVENTS:
    _event.connect(_task_changed)


@signals.assignments_created.connect
def _tasks_created(mechanism_id: int, **_: object) -> None:
    datacache.touch(datacache.tasks_version_name(mechanism_id))

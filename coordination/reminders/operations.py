"""Changing reminders: the mechanism's policy, a user's e-mail setting, notifications read."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from coordination.assignments.models import Assignment
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.meetings.models import Meeting
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from coordination.reminders import schedule
from coordination.reminders.models import Reminder
from coordination.timeutil import utcnow
from coordination.visits.models import Visit
from workflows.assignment import OPEN_VALUES
from workflows.reminders import Policy

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


def set_policy(mechanism: Mechanism, actor: User, policy: Policy) -> None:
    before = asdict(Policy.from_dict(mechanism.reminder_policy))
    after = asdict(policy)
    if before == after:
        return
    mechanism.reminder_policy = {k: list(v) if isinstance(v, tuple) else v for k, v in after.items()}
    record(
        "reminders.policy",
        mechanism,
        summary=mechanism.name_zh,
        before=before,
        after=after,
        actor_id=actor.id,
    )
    enqueue_after_commit(db.session(), resync_all, mechanism.id)


EMAIL_MODES = ("digest", "immediate")


def set_email_mode(user: User, mode: str) -> bool:
    """One digest a morning, or one e-mail per reminder. True when it changed."""
    if mode not in EMAIL_MODES:
        raise OperationError(str(_l("Not a valid choice.")), field="email_mode")
    if mode == user.email_mode:
        return False
    before = {"email_mode": user.email_mode}
    user.email_mode = mode
    record("user.email_mode", user, before=before, after={"email_mode": mode}, actor_id=user.id)
    return True


def mark_all_read(user: User) -> int:
    """The user has seen every notification (sent reminder) so far; returns how many."""
    # An UPDATE's result is a CursorResult, which counts the rows; Session.execute is typed wider.
    count = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(Reminder)
            .where(Reminder.user_id == user.id, Reminder.status == "sent", Reminder.read_at.is_(None))
            .values(read_at=utcnow())
        ),
    ).rowcount
    if count:
        record("reminders.read", user, summary=str(count), actor_id=user.id)
    return int(count)


def resync_all(mechanism_id: int) -> int:
    """Job: bring every open task, scheduled meeting and confirmed visit in line with the policy."""
    count = 0
    open_tasks = select(Assignment).where(
        Assignment.mechanism_id == mechanism_id, Assignment.state.in_(OPEN_VALUES)
    )
    for assignment in db.session.scalars(open_tasks):
        schedule.sync_assignment(assignment)
        count += 1
        if count % 500 == 0:
            db.session.commit()
    for meeting in db.session.scalars(
        select(Meeting).where(Meeting.mechanism_id == mechanism_id, Meeting.state == "scheduled")
    ):
        schedule.sync_meeting(meeting)
    for visit in db.session.scalars(
        select(Visit).where(Visit.mechanism_id == mechanism_id, Visit.state == "confirmed")
    ):
        schedule.sync_visit(visit)
    db.session.commit()
    return count


def policy_form_data(policy: Policy) -> dict[str, Any]:
    data = asdict(policy)
    data["before"] = ", ".join(str(d) for d in policy.before)
    data["meeting_days_before"] = ", ".join(str(d) for d in policy.meeting_days_before)
    return data

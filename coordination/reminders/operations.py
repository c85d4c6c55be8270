"""Changing reminders: the mechanism's policy, and bringing the schedule in line with it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from coordination.assignments.models import Assignment
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.meetings.models import Meeting
from coordination.organizations.models import Mechanism
from coordination.reminders import schedule
from coordination.visits.models import Visit
from workflows.assignment import OPEN_VALUES
from workflows.reminders import Policy


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

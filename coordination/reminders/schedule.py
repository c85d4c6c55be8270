"""Keeping reminder rows in step with what they remind about.

Each sync computes the reminders that should exist (workflows.reminders), inserts the missing
ones and cancels pending ones that no longer apply, in the caller's transaction. Rows already
sent are history and never touched. Keys carry the deadline or date they were computed from,
so a moved deadline yields new rows rather than silently editing old ones.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from coordination.auth.models import Membership, Role, User, UserRole
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.organizations.models import Body, Tier
from coordination.reminders.models import Reminder
from coordination.timeutil import LOCAL_TZ, local_today
from workflows.assignment import OPEN_VALUES
from workflows.reminders import Due, Policy, deadline_reminders, event_reminders, report_reminders, send_time


def policy_of(mechanism: Any) -> Policy:
    return Policy.from_dict(getattr(mechanism, "reminder_policy", None))


def due_at_utc(day: date) -> datetime:
    return send_time(day).replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def _users(*conditions: Any) -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True), *conditions).distinct()))


def recipients(assignment: Any, audience: str) -> list[User]:
    body = assignment.body
    members = select(Membership.user_id)
    with_role = select(UserRole.user_id)
    if audience == "unit":
        return _users(
            User.id.in_(members.where(Membership.body_id == body.id)),
            User.id.in_(with_role.where(UserRole.role == Role.LIAISON.value)),
        )
    if audience == "unit_head":
        return _users(User.id.in_(members.where(Membership.body_id == body.id, Membership.is_head.is_(True))))
    tier = Tier.COORDINATION if audience == "lead_department" else Tier.DECISION
    role = Role.LEAD_STAFF if audience == "lead_department" else Role.LEADER
    bodies = select(Body.id).where(Body.party_id == body.party_id, Body.tier == tier)
    return _users(
        User.id.in_(members.where(Membership.body_id.in_(bodies))),
        User.id.in_(with_role.where(UserRole.role == role.value)),
    )


def _sync(scope: Any, wanted: dict[str, dict[str, Any]]) -> None:
    """Insert wanted rows that do not exist yet, revive cancelled ones that apply again (a task
    returned for rework), move pending ones whose morning changed, cancel pending rows of the
    scope no longer wanted. Sent rows stay."""
    keys = list(wanted)
    found = db.session.execute(
        select(Reminder.dedupe_key, Reminder.status, Reminder.due_at).where(Reminder.dedupe_key.in_(keys))
    ).all()
    existing = {key: status for key, status, _due in found}
    # Same reminder, another morning: the working-day calendar changed under it. Not yet sent, so
    # it simply moves (a sent one is history).
    moved = [key for key, status, due in found if status == "pending" and due != wanted[key]["due_at"]]
    for key in moved:
        db.session.execute(
            update(Reminder)
            .where(Reminder.dedupe_key == key, Reminder.status == "pending")
            .values(due_at=wanted[key]["due_at"], claim_token=None)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Reminder)
        .where(scope, Reminder.status == "pending", Reminder.dedupe_key.notin_(keys))
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    revived = [key for key, status in existing.items() if status == "cancelled"]
    if revived:
        db.session.execute(
            update(Reminder)
            .where(Reminder.dedupe_key.in_(revived))
            .values(status="pending", claim_token=None)
            .execution_options(synchronize_session=False)
        )
    fresh = [Reminder(dedupe_key=key, **values) for key, values in wanted.items() if key not in existing]
    db.session.add_all(fresh)
    for moment in sorted({r.due_at for r in fresh} | {wanted[key]["due_at"] for key in [*revived, *moved]}):
        _wake_at(moment)


def _wake_at(moment: datetime) -> None:
    """One scheduled delivery run per working morning (job ids dedupe it)."""
    from coordination.reminders import delivery

    enqueue_after_commit(
        db.session(), delivery.run_due, job_id=f"reminders-{moment:%Y%m%d%H%M}", at=moment.replace(tzinfo=UTC)
    )


def sync_assignment(assignment: Any) -> None:
    today = local_today()
    wanted: dict[str, dict[str, Any]] = {}
    if assignment.state in OPEN_VALUES:
        policy = policy_of(assignment.body.mechanism)
        deadline = assignment.current_deadline
        dues: list[Due] = deadline_reminders(deadline, policy)
        item = assignment.plan_item
        if item is not None and item.plan.issued_on and item.plan.report_cadence:
            # Periods that ended long ago have nothing left to send; counting from two months
            # back keeps the periods counted (at most MAX_REPORT_PERIODS) the ones still to come.
            start = max(item.plan.issued_on, today - timedelta(days=62))
            dues += report_reminders(item.plan.report_cadence, start, deadline, policy)
        audiences: dict[str, list[User]] = {}
        for due in dues:
            if due.on < today:
                continue  # never send yesterday's reminder late
            if due.audience not in audiences:  # once per audience, not once per reminder
                audiences[due.audience] = recipients(assignment, due.audience)
            people = audiences[due.audience]
            stamp = due.extra[0] if due.extra else deadline.isoformat()
            for user in people:
                wanted[f"a{assignment.id}:{due.kind}:{stamp}:u{user.id}"] = {
                    "kind": due.kind,
                    "audience": due.audience,
                    "user_id": user.id,
                    "assignment_id": assignment.id,
                    "subject": assignment.title[:300],
                    "due_at": due_at_utc(due.on),
                }
    _sync(Reminder.assignment_id == assignment.id, wanted)


def sync_event(
    event: Any, *, attendees: list[Any], active: bool, starts_on: date, policy: Policy, field: str
) -> None:
    """Meetings (field='meeting_id') and visits (field='visit_id')."""
    wanted: dict[str, dict[str, Any]] = {}
    if active:
        today = local_today()
        days = tuple(getattr(event, "reminder_days", None) or policy.meeting_days_before)
        prefix = "m" if field == "meeting_id" else "v"
        for due in event_reminders(starts_on, days, policy.organiser_chase_days_before):
            if due.on < today:
                continue
            people = (
                [a.user for a in attendees if a.user_id and a.user and a.user.active]
                if due.audience == "attendees"
                else ([event.organiser] if event.organiser else [])
            )
            for user in people:
                wanted[f"{prefix}{event.id}:{due.kind}:{starts_on.isoformat()}:u{user.id}"] = {
                    "kind": due.kind,
                    "audience": due.audience,
                    "user_id": user.id,
                    field: event.id,
                    "subject": event.title[:300],
                    "due_at": due_at_utc(due.on),
                }
    _sync(getattr(Reminder, field) == event.id, wanted)


def sync_meeting(meeting: Any) -> None:
    from coordination.timeutil import to_local

    sync_event(
        meeting,
        attendees=meeting.attendees,
        active=meeting.state == "scheduled",
        starts_on=to_local(meeting.starts_at).date(),
        policy=policy_of(meeting.host_party.mechanism),
        field="meeting_id",
    )


def sync_visit(visit: Any) -> None:
    sync_event(
        visit,
        attendees=visit.members,
        active=visit.state == "confirmed",
        starts_on=visit.starts_on,
        policy=policy_of(visit.host_party.mechanism),
        field="visit_id",
    )

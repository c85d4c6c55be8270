"""Keeping reminder rows in step with what they remind about.

Each sync computes the reminders that should exist (workflows.reminders), inserts the missing
ones and cancels pending ones that no longer apply, in the caller's transaction. Of a task's
urgings (催办) only the next is held; delivering it writes the one after (urging.py). Rows already
sent are history and never touched. Keys carry the deadline or date they were computed from,
so a moved deadline yields new rows rather than silently editing old ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from coordination.assignments.models import Assignment
from coordination.auth.models import Membership, Role, User, UserRole
from coordination.bulk import insert_rows
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.reminders import delivery
from coordination.reminders.models import Reminder
from coordination.reminders.urging import due_at_utc, task_key
from coordination.timeutil import local_today, to_local
from workflows.assignment import OPEN_VALUES
from workflows.reminders import Due, Policy, deadline_reminders, event_reminders, report_reminders

if TYPE_CHECKING:
    from sqlalchemy import Table

_T = TypeVar("_T")
CHUNK = 500  # ids in one IN (…): well under every backend's limit on bound parameters


def policy_of(mechanism: Mechanism | None) -> Policy:
    return Policy.from_dict(getattr(mechanism, "reminder_policy", None))


class Audiences:
    """Who each audience of a unit's task is, looked up once per batch: the members of every unit
    in it (two queries for the whole batch, not one per task and audience)."""

    def __init__(self, bodies: Iterable[Body]) -> None:
        self._bodies = {b.id: b for b in bodies}
        self._unit: dict[int, list[int]] = {}
        self._head: dict[int, list[int]] = {}
        self._party: dict[tuple[int, str], list[int]] = {}
        self._load_units()
        self._load_parties()

    def _load_units(self) -> None:
        liaison = (
            select(UserRole.user_id)
            .where(UserRole.user_id == User.id, UserRole.role == Role.LIAISON.value)
            .exists()
        )
        for body_ids in _chunks(sorted(self._bodies)):
            rows = db.session.execute(
                select(Membership.body_id, Membership.is_head, User.id, liaison)
                .join(User, User.id == Membership.user_id)
                .where(Membership.body_id.in_(body_ids), User.active.is_(True))
                .order_by(User.id)
            ).all()
            for body_id, is_head, user_id, is_liaison in rows:
                if is_liaison:
                    _append(self._unit.setdefault(body_id, []), user_id)
                if is_head:
                    _append(self._head.setdefault(body_id, []), user_id)

    def _load_parties(self) -> None:
        parties = sorted({b.party_id for b in self._bodies.values()})
        if not parties:
            return
        rows = db.session.execute(
            select(Body.party_id, Body.tier, UserRole.role, User.id)
            .join(Membership, Membership.body_id == Body.id)
            .join(User, User.id == Membership.user_id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                Body.party_id.in_(parties),
                User.active.is_(True),
                or_(
                    (Body.tier == Tier.COORDINATION.value) & (UserRole.role == Role.LEAD_STAFF.value),
                    (Body.tier == Tier.DECISION.value) & (UserRole.role == Role.LEADER.value),
                ),
            )
            .order_by(User.id)
        ).all()
        for party_id, tier, _role, user_id in rows:
            audience = "lead_department" if tier == Tier.COORDINATION.value else "leadership"
            _append(self._party.setdefault((party_id, audience), []), user_id)

    def user_ids(self, body: Body, audience: str) -> list[int]:
        if audience == "unit":
            return self._unit.get(body.id, [])
        if audience == "unit_head":
            return self._head.get(body.id, [])
        party_audience = "lead_department" if audience == "lead_department" else "leadership"
        return self._party.get((body.party_id, party_audience), [])


def _append(ids: list[int], user_id: int) -> None:
    if not ids or ids[-1] != user_id:  # rows come ordered by user: a repeat is the same user
        ids.append(user_id)


def _chunks(values: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def recipients(assignment: Assignment, audience: str) -> list[User]:
    ids = Audiences([assignment.body]).user_ids(assignment.body, audience)
    return [u for u in (db.session.get(User, i) for i in ids) if u is not None]


def _sync(scope: InstrumentedAttribute[int | None], wanted: dict[int, dict[str, dict[str, Any]]]) -> None:
    """For each scope id (a task, a meeting, a visit) in `wanted`: insert wanted rows that do not
    exist yet, revive cancelled ones that apply again (a task returned for rework), move pending
    ones whose morning changed, cancel pending rows of the scope no longer wanted. Sent rows
    stay. A whole batch costs a handful of statements, however many scopes it holds."""
    want = {key: values for rows in wanted.values() for key, values in rows.items()}
    found: list[tuple[str, str, datetime]] = []
    for ids in _chunks(sorted(wanted)):
        found += (
            db.session.execute(
                select(Reminder.dedupe_key, Reminder.status, Reminder.due_at).where(scope.in_(ids))
            )
            .tuples()
            .all()
        )
    existing = {key: status for key, status, _due in found}
    # Same reminder, another morning: the working-day calendar changed under it. Not yet sent, so
    # it simply moves (a sent one is history).
    moved = [
        key
        for key, status, due in found
        if status == "pending" and key in want and due != want[key]["due_at"]
    ]
    if moved:
        # A declarative model's __table__ is its Table; the declarative base types it as FromClause.
        table = cast("Table", Reminder.__table__)
        db.session.execute(
            update(table)
            .where(table.c.dedupe_key == bindparam("key"), table.c.status == "pending")
            .values(due_at=bindparam("due"), claim_token=None),
            [{"key": key, "due": want[key]["due_at"]} for key in moved],
        )
    unwanted = [key for key, status, _due in found if status == "pending" and key not in want]
    revived = [key for key, status in existing.items() if status == "cancelled" and key in want]
    for keys, values in (
        (unwanted, {"status": "cancelled"}),
        (revived, {"status": "pending", "claim_token": None}),  # nosec B105 - a claim token, no secret
    ):
        before = "pending" if values["status"] == "cancelled" else "cancelled"
        for chunk in _chunks(keys):
            db.session.execute(
                update(Reminder)
                .where(Reminder.dedupe_key.in_(chunk), Reminder.status == before)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    fresh = [{"dedupe_key": key, **values} for key, values in want.items() if key not in existing]
    if fresh:
        insert_rows(cast("Table", Reminder.__table__), fresh)
    for moment in sorted({r["due_at"] for r in fresh} | {want[key]["due_at"] for key in [*revived, *moved]}):
        _wake_at(moment)


def _wake_at(moment: datetime) -> None:
    """One scheduled delivery run per working morning (job ids dedupe it)."""
    enqueue_after_commit(
        db.session(), delivery.run_due, job_id=f"reminders-{moment:%Y%m%d%H%M}", at=moment.replace(tzinfo=UTC)
    )


def sync_assignment(assignment: Assignment) -> None:
    sync_assignments([assignment])


def sync_assignments(assignments: Sequence[Assignment]) -> None:
    """The reminders of many tasks at once (a plan issued, a policy changed): recipients looked
    up once per unit, each reminder date counted once however many tasks share it, existing rows
    read and new rows written in a few statements per batch."""
    today = local_today()
    audiences = Audiences({a.body_id: a.body for a in assignments}.values())
    policies: dict[int, Policy] = {}
    schedules: dict[tuple[object, ...], list[tuple[Due, str, datetime]]] = {}
    mornings: dict[date, datetime] = {}
    wanted: dict[int, dict[str, dict[str, Any]]] = {}
    for assignment in assignments:
        rows = wanted[assignment.id] = {}
        if assignment.state not in OPEN_VALUES:
            continue
        if assignment.mechanism_id not in policies:
            policies[assignment.mechanism_id] = policy_of(assignment.body.mechanism)
        deadline = assignment.current_deadline
        item = assignment.plan_item
        plan = item.plan if item is not None else None
        cadence = plan.report_cadence if plan is not None and plan.issued_on else None
        # Periods that ended long ago have nothing left to send; counting from two months back
        # keeps the periods counted (at most MAX_REPORT_PERIODS) the ones still to come.
        start = max(plan.issued_on, today - timedelta(days=62)) if plan and plan.issued_on else None
        key = (assignment.mechanism_id, deadline, cadence, start)
        if key not in schedules:
            schedules[key] = _dues(policies[assignment.mechanism_id], deadline, cadence, start, mornings)
        # Read once per task, not once per row: an ORM attribute costs a few µs a read.
        task_id, body, subject = assignment.id, assignment.body, assignment.title[:300]
        for due, stamp, due_at in schedules[key]:
            for user_id in audiences.user_ids(body, due.audience):
                rows[task_key(task_id, due.kind, stamp, user_id)] = {
                    "kind": due.kind,
                    "audience": due.audience,
                    "user_id": user_id,
                    "assignment_id": task_id,
                    "subject": subject,
                    "due_at": due_at,
                }
    _sync(Reminder.assignment_id, wanted)


def _dues(
    policy: Policy,
    deadline: date,
    cadence: str | None,
    start: date | None,
    mornings: dict[date, datetime],
) -> list[tuple[Due, str, datetime]]:
    """A task's reminders to come, each with the stamp its key carries and its morning (UTC,
    counted once per day in `mornings`)."""
    today = local_today()
    dues: list[Due] = deadline_reminders(deadline, policy, today)
    if cadence and start is not None:
        dues += report_reminders(cadence, start, deadline, policy)
    result = []
    for due in dues:
        if due.on < today:
            continue  # never send yesterday's reminder late
        if due.on not in mornings:
            mornings[due.on] = due_at_utc(due.on)
        result.append((due, due.extra[0] if due.extra else deadline.isoformat(), mornings[due.on]))
    return result


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
    _sync(getattr(Reminder, field), {event.id: wanted})


def sync_meeting(meeting: Any) -> None:
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

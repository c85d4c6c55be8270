"""Meeting changes: scheduling, attendees, agenda, minutes and decisions. Every change that
attendees must know about raises SEQUENCE and queues updates in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from coordination import permissions
from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.extensions import db
from coordination.labels import PARTSTAT_LABELS
from coordination.meetings import invitations
from coordination.meetings.models import AgendaItem, Attendee, AttendeeRole, Decision, Meeting
from coordination.notifications import rsvp
from coordination.operations import OperationError, advance, check_version, claim
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.timeutil import LOCAL_TZ, local_today, to_local, utcnow
from workflows import meeting as flow

FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "host_party_id",
    "venue",
    "chair_name",
    "state",
    "sequence",
    "reminder_days",
)


def to_utc(local: datetime) -> datetime:
    """A wall-clock time in Beijing, as the naive UTC we store."""
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


@dataclass
class MeetingData:
    kind: str
    title: str
    starts_local: datetime
    ends_local: datetime
    host_party_id: int
    venue: str = ""
    chair_name: str = ""
    reminder_days: list[int] | None = None


def _check(data: MeetingData) -> None:
    if not data.title.strip():
        raise OperationError(_("This field is required."), "title")
    if data.ends_local <= data.starts_local:
        raise OperationError(_("The end must be after the start."), "ends_at")
    if to_utc(data.starts_local) < utcnow():
        raise OperationError(_("The meeting cannot start in the past."), "starts_at")


def _apply(meeting: Meeting, data: MeetingData) -> None:
    meeting.kind, meeting.title = data.kind, data.title.strip()
    meeting.starts_at, meeting.ends_at = to_utc(data.starts_local), to_utc(data.ends_local)
    meeting.host_party_id, meeting.venue, meeting.chair_name = (
        data.host_party_id,
        data.venue.strip(),
        data.chair_name.strip(),
    )
    meeting.reminder_days = data.reminder_days


def create_meeting(mechanism: Mechanism, actor: User, data: MeetingData) -> Meeting:
    _check(data)
    meeting = Meeting(mechanism_id=mechanism.id, organiser_id=actor.id)
    _apply(meeting, data)
    db.session.add(meeting)
    db.session.flush()
    record(
        "meeting.create", meeting, summary=meeting.title, after=snapshot(meeting, *FIELDS), actor_id=actor.id
    )
    return meeting


def _reschedule(meeting: Any) -> None:
    """Reminders follow the meeting's time, state and people, in the same transaction."""
    from coordination.reminders.schedule import sync_meeting

    db.session.flush()
    sync_meeting(meeting)


def _gate(meeting: Meeting, action: str, actor: User, **context: Any) -> None:
    advance(meeting, flow.TRANSITIONS, action, permissions.event_roles(actor, meeting), context)
    _reschedule(meeting)


def _require_open(meeting: Meeting) -> None:
    if meeting.state not in (flow.MeetingState.DRAFT, flow.MeetingState.SCHEDULED):
        raise OperationError(_("This meeting can no longer be changed."))


def _announce_change(meeting: Meeting, actor: User) -> None:
    """A scheduled meeting's attendees get an update with the next SEQUENCE."""
    if meeting.state == flow.MeetingState.SCHEDULED:
        _gate(meeting, "reschedule", actor)
        meeting.sequence += 1
        invitations.send_meeting(meeting, "UPDATE")


def update_meeting(meeting: Meeting, actor: User, data: MeetingData, *, expected_version: int | None) -> None:
    _require_open(meeting)
    check_version(meeting, expected_version)
    _check(data)
    before = snapshot(meeting, *FIELDS)
    _apply(meeting, data)
    db.session.flush()
    if snapshot(meeting, *FIELDS) == before:
        return
    _announce_change(meeting, actor)
    record(
        "meeting.update",
        meeting,
        summary=meeting.title,
        before=before,
        after=snapshot(meeting, *FIELDS),
        actor_id=actor.id,
    )


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise OperationError(
            _("“%(email)s” is not a valid e-mail address.", email=email.strip()), "email"
        ) from error


def add_attendee(
    meeting: Meeting,
    actor: User,
    *,
    user: User | None = None,
    name: str = "",
    email: str = "",
    role: str = "required",
) -> Attendee:
    _require_open(meeting)
    attendee = new_attendee(meeting.attendees, user=user, name=name, email=email, role=role)
    attendee.meeting = meeting
    db.session.add(attendee)
    db.session.flush()
    if meeting.state == flow.MeetingState.SCHEDULED:
        invitations.send_meeting(meeting, "REQUEST", [attendee])
    _reschedule(meeting)
    record(
        "meeting.attendee_add",
        meeting,
        summary=f"{attendee.name} <{attendee.email}>",
        after={"attendee": attendee.id, "role": role},
        actor_id=actor.id,
    )
    return attendee


def new_attendee(invited: list[Attendee], *, user: User | None, name: str, email: str, role: str) -> Attendee:
    """The checks every invitation passes (meetings and visits alike): a known role, a name, a
    valid e-mail (a user's own), and nobody invited twice."""
    if role not in {r.value for r in AttendeeRole}:
        raise OperationError(_("Not a valid choice."), "role")
    if user is not None:
        name, email = user.name, user.email
        if not email:
            raise OperationError(
                _("%(name)s has no e-mail address in the system.", name=user.name), "user_id"
            )
    if not name.strip():
        raise OperationError(_("This field is required."), "name")
    email = normalise_email(email)
    if any(a.email.lower() == email.lower() for a in invited):
        raise OperationError(_("%(email)s is already invited.", email=email), "email")
    return Attendee(
        user_id=user.id if user else None,
        name=name.strip()[:60],
        email=email,
        role=role,
        rsvp_nonce=rsvp.new_nonce(),
    )


def remove_attendee(meeting: Meeting, actor: User, attendee: Attendee) -> None:
    _require_open(meeting)
    if meeting.state == flow.MeetingState.SCHEDULED:
        invitations.send_meeting(meeting, "CANCEL", [attendee])  # only this person's copy is withdrawn
    record(
        "meeting.attendee_remove", meeting, summary=f"{attendee.name} <{attendee.email}>", actor_id=actor.id
    )
    meeting.attendees.remove(attendee)
    _reschedule(meeting)


def schedule(meeting: Meeting, actor: User) -> int:
    """Draft → scheduled: invitations go to every attendee."""
    before = snapshot(meeting, *FIELDS)
    _gate(meeting, "schedule", actor, attendee_count=len(meeting.attendees))
    if meeting.starts_at < utcnow():
        raise OperationError(_("The meeting cannot start in the past."), "starts_at")
    queued = invitations.send_meeting(meeting, "REQUEST")
    record(
        "meeting.schedule",
        meeting,
        summary=meeting.title,
        before=before,
        after=snapshot(meeting, *FIELDS),
        actor_id=actor.id,
    )
    return queued


def cancel(meeting: Meeting, actor: User, reason: str) -> None:
    before = snapshot(meeting, *FIELDS)
    was_scheduled = meeting.state == flow.MeetingState.SCHEDULED
    _gate(meeting, "cancel", actor, reason=reason)
    meeting.cancel_reason = reason.strip()
    if was_scheduled:
        meeting.sequence += 1
        invitations.send_meeting(meeting, "CANCEL")
    record(
        "meeting.cancel",
        meeting,
        summary=reason.strip()[:200],
        before=before,
        after=snapshot(meeting, *FIELDS),
        actor_id=actor.id,
    )


def hold(meeting: Meeting, actor: User) -> None:
    before = snapshot(meeting, *FIELDS)
    _gate(meeting, "hold", actor, now=to_local(utcnow()), starts_at=to_local(meeting.starts_at))
    record(
        "meeting.hold",
        meeting,
        summary=meeting.title,
        before=before,
        after=snapshot(meeting, *FIELDS),
        actor_id=actor.id,
    )


def answer(attendee: Attendee, answer_: str) -> None:
    """An attendee's RSVP through their signed link (no login needed)."""
    event = attendee.meeting or attendee.visit
    if event.state not in ("draft", "scheduled", "planned", "confirmed"):
        raise OperationError(_("This invitation no longer takes answers."))
    partstat = rsvp.ANSWERS[answer_]
    before = {"partstat": attendee.partstat}
    attendee.partstat, attendee.responded_at = partstat, utcnow()
    record(
        "rsvp.answer",
        event,
        summary=f"{attendee.name}: {PARTSTAT_LABELS[partstat]}",
        before=before,
        after={"partstat": partstat},
        actor_id=attendee.user_id,
    )


# --- agenda -----------------------------------------------------------------------------------


def add_agenda_item(
    meeting: Meeting,
    actor: User,
    *,
    title: str,
    presenter_body_id: int | None = None,
    planned_minutes: int | None = None,
    plan_id: int | None = None,
    notes: str = "",
) -> AgendaItem:
    _require_open(meeting)
    if not title.strip():
        raise OperationError(_("This field is required."), "title")
    if planned_minutes is not None and not 1 <= planned_minutes <= 600:
        raise OperationError(_("Between 1 and 600 minutes."), "planned_minutes")
    position = (
        db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
        or 0
    ) + 1
    item = AgendaItem(
        meeting=meeting,
        position=position,
        title=title.strip()[:200],
        presenter_body_id=presenter_body_id or None,
        planned_minutes=planned_minutes,
        plan_id=plan_id,
        notes=notes.strip(),
    )
    db.session.add(item)
    db.session.flush()
    record(
        "meeting.agenda_add", meeting, summary=item.title, after={"agenda_item": item.id}, actor_id=actor.id
    )
    _announce_change(meeting, actor)
    return item


def move_agenda_item(meeting: Meeting, actor: User, item: AgendaItem, step: int) -> None:
    _require_open(meeting)
    items = list(meeting.agenda)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return
    items[index].position, items[other].position = items[other].position, items[index].position
    record("meeting.agenda_move", meeting, summary=item.title, actor_id=actor.id)
    _announce_change(meeting, actor)


def remove_agenda_item(meeting: Meeting, actor: User, item: AgendaItem) -> None:
    _require_open(meeting)
    if item.plan_id:
        raise OperationError(_("The plan's agenda item is removed by returning the plan to draft."))
    record("meeting.agenda_remove", meeting, summary=item.title, actor_id=actor.id)
    meeting.agenda.remove(item)
    db.session.flush()
    _announce_change(meeting, actor)


# --- minutes and decisions ---------------------------------------------------------------------


def record_outcome(meeting: Meeting, actor: User, item: AgendaItem, outcome: str) -> None:
    if meeting.state != flow.MeetingState.HELD:
        raise OperationError(
            _("Minutes are written after the meeting is held and before they are published.")
        )
    before = {"outcome": item.outcome}
    item.outcome = outcome.strip()
    record(
        "meeting.minutes",
        meeting,
        summary=item.title,
        before=before,
        after={"outcome": item.outcome},
        actor_id=actor.id,
    )


def add_decision(
    meeting: Meeting,
    actor: User,
    *,
    text: str,
    deadline: date,
    body_ids: list[int],
    agenda_item_id: int | None = None,
    key_task_id: int | None = None,
) -> Decision:
    if meeting.state != flow.MeetingState.HELD:
        raise OperationError(
            _("Minutes are written after the meeting is held and before they are published.")
        )
    check_decision(meeting.mechanism_id, text, deadline, body_ids)
    decision = Decision(
        meeting=meeting,
        text=text.strip(),
        deadline=deadline,
        body_ids=sorted(set(body_ids)),
        agenda_item_id=agenda_item_id or None,
        key_task_id=key_task_id or None,
    )
    db.session.add(decision)
    db.session.flush()
    record(
        "meeting.decision_add",
        meeting,
        summary=decision.text[:200],
        after={"decision": decision.id},
        actor_id=actor.id,
    )
    return decision


def check_decision(mechanism_id: int, text: str, deadline: date, body_ids: list[int]) -> None:
    """Shared with visit outcomes: text, a future deadline, and member units to carry it out."""
    if not text.strip():
        raise OperationError(_("This field is required."), "text")
    if deadline < local_today():
        raise OperationError(_("The deadline %(d)s is in the past.", d=deadline.isoformat()), "deadline")
    if not body_ids:
        raise OperationError(_("Name the units that carry it out."), "body_ids")
    bodies = db.session.scalars(select(Body).where(Body.id.in_(body_ids))).all()
    if len(bodies) != len(set(body_ids)) or any(
        b.mechanism_id != mechanism_id or b.tier != Tier.EXECUTION for b in bodies
    ):
        raise OperationError(_("Choose active units of this mechanism."), "body_ids")


def assign_decision(meeting: Meeting, actor: User, decision: Decision) -> list[Any]:
    """One action: the decision becomes a task for each named unit."""
    from coordination.assignments import operations as tasks

    if decision.assigned_at:
        raise OperationError(_("This decision has already been assigned."))
    if meeting.state not in flow.HELD_STATES:
        raise OperationError(_("This action is not possible in the current state."))
    claim(decision, assigned_at=utcnow())  # of two clicks at once, one makes the tasks
    return tasks.create_from_decision(decision, actor)


def publish_minutes(meeting: Meeting, actor: User) -> int:
    from coordination.meetings import minutes

    before = snapshot(meeting, *FIELDS)
    _gate(meeting, "publish_minutes", actor)
    meeting.minutes_published_at = utcnow()
    queued = minutes.send(meeting)
    record(
        "meeting.publish_minutes",
        meeting,
        summary=meeting.title,
        before=before,
        after=snapshot(meeting, *FIELDS),
        actor_id=actor.id,
    )
    return queued


def adopt_plan_at(meeting: Meeting, actor: User, item: AgendaItem) -> None:
    """审议通过: the plan on this agenda item is adopted by this (held) meeting."""
    from coordination.plans import operations as plans

    if meeting.state not in flow.HELD_STATES or item.plan is None:
        raise OperationError(_("A plan is adopted on its agenda item once the meeting is held."))
    if item.plan.meeting_id != meeting.id:
        raise OperationError(_("The plan was submitted to another meeting."))
    plans.adopt(item.plan, actor)

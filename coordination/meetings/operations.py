"""Meeting changes: scheduling, attendees, agenda, minutes and decisions, on the events core.
Every change that attendees must know about raises SEQUENCE and queues updates in the same
transaction; every step sends its domain event after its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination import signals
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.events import operations as events
from coordination.events.invitations import send as send_invitations
from coordination.events.operations import answer
from coordination.extensions import db
from coordination.meetings import invitations
from coordination.meetings.models import AgendaItem, Decision, Meeting
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from coordination.plans import operations as plans
from coordination.timeutil import to_local, to_utc, utcnow
from workflows import meeting as flow

__all__ = ["answer"]  # an attendee's RSVP, for callers that think in meetings (the demo seed)

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


KIND: events.Kind[Meeting, MeetingData] = events.Kind(
    transitions=flow.TRANSITIONS,
    announcement=invitations.ANNOUNCEMENT,
    fields=FIELDS,
    edited=FIELDS,
    check=lambda _meeting, data: _check(data),
    apply=_apply,
    change_action="reschedule",
    changed_signal=signals.meeting_changed,
    cancelled_signal=signals.meeting_cancelled,
    closed=_l("This meeting can no longer be changed."),
)
update_meeting, add_attendee, remove_attendee, cancel = KIND.update, KIND.invite, KIND.withdraw, KIND.cancel


def schedule(meeting: Meeting, actor: User) -> int:
    """Draft → scheduled: invitations go to every attendee."""

    def invite_everyone() -> int:
        if meeting.starts_at < utcnow():
            raise OperationError(_("The meeting cannot start in the past."), "starts_at")
        return send_invitations(meeting, KIND.announcement, "REQUEST")

    return KIND.transition(
        meeting,
        actor,
        "schedule",
        signals.meeting_scheduled,
        context={"attendee_count": len(meeting.attendees)},
        then=invite_everyone,
    )


def hold(meeting: Meeting, actor: User) -> None:
    KIND.transition(
        meeting,
        actor,
        "hold",
        signals.meeting_held,
        context={"now": to_local(utcnow()), "starts_at": to_local(meeting.starts_at)},
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
    KIND.require_open(meeting)
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
    KIND.changed(meeting, actor)
    return item


def move_agenda_item(meeting: Meeting, actor: User, item: AgendaItem, step: int) -> None:
    KIND.require_open(meeting)
    items = list(meeting.agenda)
    index = items.index(item)
    other = index + step
    if not 0 <= other < len(items):
        return
    items[index].position, items[other].position = items[other].position, items[index].position
    record("meeting.agenda_move", meeting, summary=item.title, actor_id=actor.id)
    KIND.changed(meeting, actor)


def remove_agenda_item(meeting: Meeting, actor: User, item: AgendaItem) -> None:
    KIND.require_open(meeting)
    if item.plan_id:
        raise OperationError(_("The plan's agenda item is removed by returning the plan to draft."))
    record("meeting.agenda_remove", meeting, summary=item.title, actor_id=actor.id)
    meeting.agenda.remove(item)
    db.session.flush()
    KIND.changed(meeting, actor)


# --- minutes and decisions ---------------------------------------------------------------------


def _require_held(meeting: Meeting) -> None:
    if meeting.state != flow.MeetingState.HELD:
        raise OperationError(
            _("Minutes are written after the meeting is held and before they are published.")
        )


def record_outcome(meeting: Meeting, actor: User, item: AgendaItem, outcome: str) -> None:
    _require_held(meeting)
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
    _require_held(meeting)
    events.check_agreed(meeting.mechanism_id, text, deadline, body_ids)
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


def assign_decision(meeting: Meeting, actor: User, decision: Decision) -> list[Assignment]:
    """One action: the decision becomes a task for each named unit."""
    return events.into_tasks(
        decision,
        actor,
        tasks.create_from_decision,
        signals.decision_assigned,
        check=lambda: _require_decided(meeting),
        meeting_id=meeting.id,
    )


def _require_decided(meeting: Meeting) -> None:
    if meeting.state not in flow.HELD_STATES:
        raise OperationError(_("This action is not possible in the current state."))


def publish_minutes(meeting: Meeting, actor: User) -> int:
    def stamp_and_send() -> int:
        meeting.minutes_published_at = utcnow()
        return invitations.send_minutes(meeting)

    return KIND.transition(meeting, actor, "publish_minutes", signals.minutes_published, then=stamp_and_send)


def adopt_plan_at(meeting: Meeting, actor: User, item: AgendaItem) -> None:
    """审议通过: the plan on this agenda item is adopted by this (held) meeting."""
    if meeting.state not in flow.HELD_STATES or item.plan is None:
        raise OperationError(_("A plan is adopted on its agenda item once the meeting is held."))
    if item.plan.meeting_id != meeting.id:
        raise OperationError(_("The plan was submitted to another meeting."))
    plans.adopt(item.plan, actor)

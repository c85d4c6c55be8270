"""High-level visit changes. A confirmed visit's delegation receives one calendar with a VEVENT
per itinerary item; later changes are sent as updates with the next SEQUENCE."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from coordination import permissions
from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.calendar import ics
from coordination.extensions import db
from coordination.meetings.models import Attendee
from coordination.meetings.operations import check_decision, new_attendee, to_utc
from coordination.notifications import mail, rsvp
from coordination.operations import OperationError, advance, check_version, claim
from coordination.organizations.models import Mechanism
from coordination.timeutil import local_today, to_local, utcnow
from coordination.visits.models import ItineraryItem, Visit, VisitOutcome
from workflows import visit as flow

FIELDS = (
    "title",
    "visiting_party_id",
    "host_party_id",
    "starts_on",
    "ends_on",
    "leader_name",
    "state",
    "sequence",
)
SUBJECTS = {"REQUEST": "高层互访行程通知", "UPDATE": "高层互访行程变更", "CANCEL": "高层互访取消通知"}


@dataclass
class VisitData:
    title: str
    visiting_party_id: int
    host_party_id: int
    starts_on: date
    ends_on: date
    leader_name: str
    host_contact: str = ""
    reception_notes: str = ""


def _check(data: VisitData) -> None:
    if data.visiting_party_id == data.host_party_id:
        raise OperationError(_("A visit goes from one city to the other."), "host_party_id")
    if data.ends_on < data.starts_on:
        raise OperationError(_("The end must be after the start."), "ends_on")
    if data.starts_on < local_today():
        raise OperationError(_("The visit cannot start in the past."), "starts_on")


def create_visit(mechanism: Mechanism, actor: User, data: VisitData) -> Visit:
    _check(data)
    visit = Visit(mechanism_id=mechanism.id, organiser_id=actor.id, **data.__dict__)
    db.session.add(visit)
    db.session.flush()
    record("visit.create", visit, summary=visit.title, after=snapshot(visit, *FIELDS), actor_id=actor.id)
    return visit


def _reschedule(visit: Any) -> None:
    """Reminders follow the visit's time, state and people, in the same transaction."""
    from coordination.reminders.schedule import sync_visit

    db.session.flush()
    sync_visit(visit)


def _gate(visit: Visit, action: str, actor: User, **context: Any) -> None:
    advance(visit, flow.TRANSITIONS, action, permissions.event_roles(actor, visit), context)
    _reschedule(visit)


def _require_open(visit: Visit) -> None:
    if visit.state not in (flow.VisitState.PLANNED, flow.VisitState.CONFIRMED):
        raise OperationError(_("This visit can no longer be changed."))


def send(visit: Visit, kind: str, members: list[Attendee] | None = None) -> int:
    method = "CANCEL" if kind == "CANCEL" else "REQUEST"
    cancelled = kind == "CANCEL"
    calendar_bytes = ics.calendar(ics.visit_events(visit, cancelled=cancelled), method).to_ical()
    queued = 0
    with force_locale("zh_Hans_CN"):
        for member in members if members is not None else visit.members:
            message = mail.compose(
                to_name=member.name,
                to_email=member.email,
                subject=f"【{SUBJECTS[kind]}】{visit.title}",
                template="visit",
                context={
                    "visit": visit,
                    "member": member,
                    "kind": kind,
                    "itinerary": [(to_local(i.starts_at), to_local(i.ends_at), i) for i in visit.itinerary],
                    "links": {} if cancelled else rsvp.links_for(member),
                },
                ics=calendar_bytes,
                method=method,
            )
            key = f"visit:{visit.id}:seq:{visit.sequence}:{kind}:member:{member.id}"
            if mail.queue(
                message, kind=f"visit.{kind.lower()}", dedupe_key=key, recipient_user_id=member.user_id
            ):
                queued += 1
    return queued


def _announce_change(visit: Visit, actor: User) -> None:
    if visit.state == flow.VisitState.CONFIRMED:
        _gate(visit, "update", actor)
        visit.sequence += 1
        send(visit, "UPDATE")


def update_visit(visit: Visit, actor: User, data: VisitData, *, expected_version: int | None) -> None:
    _require_open(visit)
    check_version(visit, expected_version)
    _check(data)
    outside = [
        i for i in visit.itinerary if not data.starts_on <= to_local(i.starts_at).date() <= data.ends_on
    ]
    if outside:
        raise OperationError(_("Itinerary items would fall outside the visit's dates."), "starts_on")
    before = snapshot(visit, *FIELDS)
    for key, value in data.__dict__.items():
        setattr(visit, key, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    _announce_change(visit, actor)
    record(
        "visit.update",
        visit,
        summary=visit.title,
        before=before,
        after=snapshot(visit, *FIELDS),
        actor_id=actor.id,
    )


def add_member(
    visit: Visit,
    actor: User,
    *,
    user: User | None = None,
    name: str = "",
    email: str = "",
    role: str = "required",
) -> Attendee:
    _require_open(visit)
    member = new_attendee(visit.members, user=user, name=name, email=email, role=role)
    member.visit = visit
    db.session.add(member)
    db.session.flush()
    if visit.state == flow.VisitState.CONFIRMED:
        send(visit, "REQUEST", [member])
    _reschedule(visit)
    record("visit.member_add", visit, summary=f"{member.name} <{member.email}>", actor_id=actor.id)
    return member


def add_itinerary_item(
    visit: Visit,
    actor: User,
    *,
    kind: str,
    title: str,
    starts_local: datetime,
    ends_local: datetime,
    place: str,
) -> ItineraryItem:
    _require_open(visit)
    if not title.strip():
        raise OperationError(_("This field is required."), "title")
    if ends_local <= starts_local:
        raise OperationError(_("The end must be after the start."), "ends_at")
    if (
        not visit.starts_on <= starts_local.date() <= visit.ends_on
        or ends_local.date() > visit.ends_on + timedelta(days=1)
    ):
        raise OperationError(
            _(
                "Itinerary items fall within the visit's dates (%(a)s – %(b)s).",
                a=visit.starts_on,
                b=visit.ends_on,
            ),
            "starts_at",
        )
    starts, ends = to_utc(starts_local), to_utc(ends_local)
    # The whole delegation follows the itinerary, so two items at once would double-book them.
    for other in visit.itinerary:
        if starts < other.ends_at and other.starts_at < ends:
            raise OperationError(
                _(
                    "Overlaps “%(title)s” (%(time)s): the delegation cannot be in two places.",
                    title=other.title,
                    time=to_local(other.starts_at).strftime("%m-%d %H:%M"),
                ),
                "starts_at",
            )
    item = ItineraryItem(
        visit=visit,
        kind=kind,
        title=title.strip()[:200],
        starts_at=starts,
        ends_at=ends,
        place=place.strip()[:200],
    )
    db.session.add(item)
    db.session.flush()
    record("visit.itinerary_add", visit, summary=item.title, after={"item": item.id}, actor_id=actor.id)
    _announce_change(visit, actor)
    return item


def remove_itinerary_item(visit: Visit, actor: User, item: ItineraryItem) -> None:
    # Once invitations are out, each item is an event in people's calendars: it is cancelled
    # with the whole visit, not silently dropped.
    if visit.state != flow.VisitState.PLANNED:
        raise OperationError(_("Items of a confirmed itinerary cannot be removed; cancel the visit instead."))
    record("visit.itinerary_remove", visit, summary=item.title, actor_id=actor.id)
    visit.itinerary.remove(item)


def confirm(visit: Visit, actor: User) -> int:
    before = snapshot(visit, *FIELDS)
    if not visit.members:
        raise OperationError(_("Add at least one member of the delegation first."))
    if not visit.itinerary:
        raise OperationError(_("Add the itinerary first."))
    _gate(visit, "confirm", actor)
    queued = send(visit, "REQUEST")
    record(
        "visit.confirm",
        visit,
        summary=visit.title,
        before=before,
        after=snapshot(visit, *FIELDS),
        actor_id=actor.id,
    )
    return queued


def cancel(visit: Visit, actor: User, reason: str) -> None:
    before = snapshot(visit, *FIELDS)
    was_confirmed = visit.state == flow.VisitState.CONFIRMED
    _gate(visit, "cancel", actor, reason=reason)
    visit.cancel_reason = reason.strip()
    if was_confirmed:
        visit.sequence += 1
        send(visit, "CANCEL")
    record(
        "visit.cancel",
        visit,
        summary=reason.strip()[:200],
        before=before,
        after=snapshot(visit, *FIELDS),
        actor_id=actor.id,
    )


def complete(visit: Visit, actor: User) -> None:
    before = snapshot(visit, *FIELDS)
    _gate(visit, "complete", actor, today=local_today(), ends_on=visit.ends_on)
    record(
        "visit.complete",
        visit,
        summary=visit.title,
        before=before,
        after=snapshot(visit, *FIELDS),
        actor_id=actor.id,
    )


def add_outcome(
    visit: Visit,
    actor: User,
    *,
    kind: str,
    text: str,
    deadline: date,
    body_ids: list[int],
    key_task_id: int | None = None,
) -> VisitOutcome:
    if visit.state not in (flow.VisitState.CONFIRMED, flow.VisitState.COMPLETED):
        raise OperationError(_("Outcomes are recorded for a confirmed or completed visit."))
    check_decision(visit.mechanism_id, text, deadline, body_ids)
    outcome = VisitOutcome(
        visit=visit,
        kind=kind,
        text=text.strip(),
        deadline=deadline,
        body_ids=sorted(set(body_ids)),
        key_task_id=key_task_id or None,
    )
    db.session.add(outcome)
    db.session.flush()
    record("visit.outcome_add", visit, summary=outcome.text[:200], actor_id=actor.id)
    return outcome


def assign_outcome(visit: Visit, actor: User, outcome: VisitOutcome) -> list[Any]:
    from coordination.assignments import operations as tasks

    if outcome.assigned_at:
        raise OperationError(_("This decision has already been assigned."))
    claim(outcome, assigned_at=utcnow())  # of two clicks at once, one makes the tasks
    return tasks.create_from_outcome(outcome, actor)

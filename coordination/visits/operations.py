"""High-level visit changes, on the events core. A confirmed visit's delegation receives one
calendar with a VEVENT per itinerary item; later changes are sent as updates with the next
SEQUENCE; every step sends its domain event after its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coordination import signals
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.events import operations as events
from coordination.extensions import db
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from coordination.timeutil import local_today, to_local, to_utc
from coordination.visits import invitations
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


def _check_edit(visit: Visit, data: VisitData) -> None:
    _check(data)
    outside = [
        i for i in visit.itinerary if not data.starts_on <= to_local(i.starts_at).date() <= data.ends_on
    ]
    if outside:
        raise OperationError(_("Itinerary items would fall outside the visit's dates."), "starts_on")


def _apply(visit: Visit, data: VisitData) -> None:
    for key, value in data.__dict__.items():
        setattr(visit, key, value.strip() if isinstance(value, str) else value)


KIND: events.Kind[Visit, VisitData] = events.Kind(
    transitions=flow.TRANSITIONS,
    announcement=invitations.ANNOUNCEMENT,
    fields=FIELDS,
    edited=(*FIELDS, "host_contact", "reception_notes"),
    check=_check_edit,
    apply=_apply,
    change_action="update",
    changed_signal=signals.visit_changed,
    cancelled_signal=signals.visit_cancelled,
    closed=_l("This visit can no longer be changed."),
)
update_visit, add_member, cancel = KIND.update, KIND.invite, KIND.cancel


def _check_item_time(visit: Visit, starts_local: datetime, ends_local: datetime) -> None:
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
    KIND.require_open(visit)
    if not title.strip():
        raise OperationError(_("This field is required."), "title")
    _check_item_time(visit, starts_local, ends_local)
    item = ItineraryItem(
        visit=visit,
        kind=kind,
        title=title.strip()[:200],
        starts_at=to_utc(starts_local),
        ends_at=to_utc(ends_local),
        place=place.strip()[:200],
    )
    db.session.add(item)
    db.session.flush()
    record("visit.itinerary_add", visit, summary=item.title, after={"item": item.id}, actor_id=actor.id)
    KIND.changed(visit, actor)
    return item


def remove_itinerary_item(visit: Visit, actor: User, item: ItineraryItem) -> None:
    # Once invitations are out, each item is an event in people's calendars: it is cancelled
    # with the whole visit, not silently dropped.
    if visit.state != flow.VisitState.PLANNED:
        raise OperationError(_("Items of a confirmed itinerary cannot be removed; cancel the visit instead."))
    record("visit.itinerary_remove", visit, summary=item.title, actor_id=actor.id)
    visit.itinerary.remove(item)
    db.session.flush()
    events.notify(signals.visit_changed, visit, actor)


def confirm(visit: Visit, actor: User) -> int:
    if not visit.members:
        raise OperationError(_("Add at least one member of the delegation first."))
    if not visit.itinerary:
        raise OperationError(_("Add the itinerary first."))
    return KIND.announce(visit, actor, "confirm", signals.visit_confirmed)


def complete(visit: Visit, actor: User) -> None:
    KIND.transition(
        visit,
        actor,
        "complete",
        signals.visit_completed,
        context={"today": local_today(), "ends_on": visit.ends_on},
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
    events.check_agreed(visit.mechanism_id, text, deadline, body_ids)
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


def assign_outcome(visit: Visit, actor: User, outcome: VisitOutcome) -> list[Assignment]:
    return events.into_tasks(
        outcome, actor, tasks.create_from_outcome, signals.outcome_assigned, visit_id=visit.id
    )

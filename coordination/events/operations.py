"""What every meeting and visit goes through: people invited and withdrawn, their RSVP answers,
changes announced with the next SEQUENCE, the lifecycle's transitions (each audited, then sent as
a domain event), and what was agreed turned into tasks. `meetings.operations` and
`visits.operations` call these with their own `Kind`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar, cast

from blinker import NamedSignal
from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select

from coordination import permissions, signals
from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.events import invitations, rsvp
from coordination.events.invitations import Announcement
from coordination.events.models import Attendee, AttendeeRole, EventMixin
from coordination.extensions import Model, db
from coordination.labels import PARTSTAT_LABELS
from coordination.operations import OperationError, advance, check_version, claim
from coordination.organizations.models import Body, Tier
from coordination.timeutil import local_today, utcnow
from workflows.base import Table

if TYPE_CHECKING:
    from coordination.assignments.models import Assignment
    from coordination.meetings.models import Meeting
    from coordination.visits.models import Visit


E = TypeVar("E", "Meeting", "Visit")
D = TypeVar("D")


def notify(signal: NamedSignal, event: EventMixin, actor: User, **payload: object) -> None:
    """The domain event, after the audit event; receivers (the reminder schedule) run now."""
    signals.send(signal, event.id, actor_id=actor.id, **payload)


@dataclass(frozen=True)
class Kind(Generic[E, D]):
    """Meetings, or visits, as the core runs them: its methods are their shared operations
    (`meetings.operations.add_attendee = KIND.invite`).

    fields: the columns audited before/after; edited: the columns an edit may change (a save
    that changes none of them is no change); check(event, data) refuses an edit, apply(event,
    data) writes it; change_action: the workflow action of a change to an announced event;
    closed: why a closed one cannot be changed."""

    transitions: Table
    announcement: Announcement[E]
    fields: tuple[str, ...]
    edited: tuple[str, ...]
    check: Callable[[E, D], None]
    apply: Callable[[E, D], None]
    change_action: str
    changed_signal: NamedSignal
    cancelled_signal: NamedSignal
    closed: LazyString

    def require_open(self, event: E) -> None:
        if not event.is_open:
            raise OperationError(str(self.closed))

    def gate(self, event: E, action: str, actor: User, **context: object) -> None:
        advance(event, self.transitions, action, permissions.event_roles(actor, event), context)

    def transition(
        self,
        event: E,
        actor: User,
        action: str,
        signal: NamedSignal,
        *,
        context: Mapping[str, object] | None = None,
        then: Callable[[], int] | None = None,
        summary: str | None = None,
        payload: Mapping[str, object] | None = None,
    ) -> int:
        """One step of the lifecycle: the workflow's gate, then what follows it (`then`: mail
        sent, returns the messages queued), the audit event and the domain event."""
        before = snapshot(event, *self.fields)
        self.gate(event, action, actor, **(context or {}))
        queued = then() if then else 0
        record(
            f"{event.EVENT}.{action}",
            event,
            summary=event.title if summary is None else summary,
            before=before,
            after=snapshot(event, *self.fields),
            actor_id=actor.id,
        )
        notify(signal, event, actor, **(payload or {}))
        return queued

    def announce(self, event: E, actor: User, action: str, signal: NamedSignal) -> int:
        """The invitation to everyone invited (meeting scheduled, visit confirmed)."""
        return self.transition(
            event, actor, action, signal, then=lambda: invitations.send(event, self.announcement, "REQUEST")
        )

    def cancel(self, event: E, actor: User, reason: str) -> None:
        """Cancelled with a reason; people who had the invitation get the CANCEL (SEQUENCE + 1)."""
        was_announced = event.is_announced

        def then() -> int:
            event.cancel_reason = reason.strip()
            if not was_announced:
                return 0
            event.sequence += 1
            return invitations.send(event, self.announcement, "CANCEL")

        self.transition(
            event,
            actor,
            "cancel",
            self.cancelled_signal,
            context={"reason": reason},
            then=then,
            summary=reason.strip()[:200],
            payload={"reason": reason.strip()},
        )

    def announce_change(self, event: E, actor: User) -> None:
        """An announced event's people get an update with the next SEQUENCE."""
        if event.is_announced:
            self.gate(event, self.change_action, actor)
            event.sequence += 1
            invitations.send(event, self.announcement, "UPDATE")

    def update(self, event: E, actor: User, data: D, *, expected_version: int | None) -> None:
        """An edit of the event itself, refused when stale or when `check` says no."""
        self.require_open(event)
        check_version(event, expected_version)
        self.check(event, data)
        before, edited = snapshot(event, *self.fields), snapshot(event, *self.edited)
        self.apply(event, data)
        db.session.flush()
        if snapshot(event, *self.edited) == edited:
            return
        self.announce_change(event, actor)
        record(
            f"{event.EVENT}.update",
            event,
            summary=event.title,
            before=before,
            after=snapshot(event, *self.fields),
            actor_id=actor.id,
        )
        notify(self.changed_signal, event, actor)

    def changed(self, event: E, actor: User) -> None:
        """A part of the event changed (agenda, itinerary), already audited: announced and sent."""
        self.announce_change(event, actor)
        notify(self.changed_signal, event, actor)

    def invite(
        self,
        event: E,
        actor: User,
        *,
        user: User | None = None,
        name: str = "",
        email: str = "",
        role: str = "required",
    ) -> Attendee:
        """One more person; once the event is announced they get their own invitation."""
        self.require_open(event)
        attendee = new_attendee(event.invited, user=user, name=name, email=email, role=role)
        event.invited.append(attendee)
        db.session.add(attendee)
        db.session.flush()
        if event.is_announced:
            invitations.send(event, self.announcement, "REQUEST", [attendee])
        person = self.announcement.person
        record(
            f"{event.EVENT}.{person}_add",
            event,
            summary=f"{attendee.name} <{attendee.email}>",
            after={person: attendee.id, "role": role},
            actor_id=actor.id,
        )
        notify(self.changed_signal, event, actor)
        return attendee

    def withdraw(self, event: E, actor: User, attendee: Attendee) -> None:
        """One person less; once the event is announced only their copy is cancelled."""
        self.require_open(event)
        if event.is_announced:
            invitations.send(event, self.announcement, "CANCEL", [attendee])
        record(
            f"{event.EVENT}.{self.announcement.person}_remove",
            event,
            summary=f"{attendee.name} <{attendee.email}>",
            actor_id=actor.id,
        )
        event.invited.remove(attendee)
        db.session.flush()
        notify(self.changed_signal, event, actor)


# --- the people invited ------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise OperationError(
            _("“%(email)s” is not a valid e-mail address.", email=email.strip()), "email"
        ) from error


def new_attendee(invited: list[Attendee], *, user: User | None, name: str, email: str, role: str) -> Attendee:
    """The checks every invitation passes: a known role, a name, a valid e-mail (a user's own),
    and nobody invited twice."""
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


def answer(attendee: Attendee, answer_: str) -> None:
    """An attendee's RSVP through their signed link (no login needed)."""
    event = attendee.event
    if not event.is_open:
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


# --- what was agreed becomes tasks -------------------------------------------------------------


class Agreed(Protocol):
    """A meeting's decision or a visit's outcome."""

    id: int
    assigned_at: datetime | None


A = TypeVar("A", bound=Agreed)


def check_agreed(mechanism_id: int, text: str, deadline: date, body_ids: list[int]) -> None:
    """A decision or an outcome: text, a future deadline, and member units to carry it out."""
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


def into_tasks(
    agreed: A,
    actor: User,
    create: Callable[[A, User], list[Assignment]],
    signal: NamedSignal,
    *,
    check: Callable[[], None] | None = None,
    **payload: object,
) -> list[Assignment]:
    """One action: a task for each named unit. Of two clicks at once, one makes the tasks."""
    if agreed.assigned_at:
        raise OperationError(_("This decision has already been assigned."))
    if check:
        check()
    claim(cast("Model", agreed), assigned_at=utcnow())  # a Decision or a VisitOutcome row
    tasks = create(agreed, actor)
    signals.send(signal, agreed.id, actor_id=actor.id, assignment_ids=[t.id for t in tasks], **payload)
    return tasks

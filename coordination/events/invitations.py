"""Invitations, updates and cancellations by e-mail with an iCalendar part, one per person (each
carries the person's own RSVP links), and any other mail an event sends its people (minutes).

Written to the outbox in the transaction of the change they announce. `_queue` is the one place
the events core hands a message to the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask_babel import force_locale
from icalendar import Event

from coordination import ical
from coordination.events import rsvp
from coordination.events.models import Attendee, EventMixin

# The outbox sits above the events layer until it moves down; this is the events core's only
# import of it (the lead re-points it at the merge of the outbox rewrite).
from coordination.outbox import mail

KINDS = ("REQUEST", "UPDATE", "CANCEL")

E = TypeVar("E", bound=EventMixin)


@dataclass(frozen=True)
class Announcement(Generic[E]):
    """How one kind of event (a meeting, a visit) is put to its people.

    subjects: REQUEST / UPDATE / CANCEL → the subject's bracketed prefix; template: the e-mail
    template (emails/<template>.txt and .html); entries(event, cancelled): its VEVENTs;
    context(event, person): what the template needs besides `kind` and `links`; person: how the
    template and the outbox key name the recipient ('attendee', 'member')."""

    subjects: Mapping[str, str]
    template: str
    entries: Callable[[E, bool], list[Event]]
    context: Callable[[E, Attendee], dict[str, object]]
    person: str = "attendee"


def send(event: E, announcement: Announcement[E], kind: str, people: Iterable[Attendee] | None = None) -> int:
    """kind: REQUEST (invitation), UPDATE (a change, sent as METHOD:REQUEST with a higher
    SEQUENCE) or CANCEL, to `people` (default: everyone invited). Returns the messages queued."""
    method = "CANCEL" if kind == "CANCEL" else "REQUEST"
    cancelled = kind == "CANCEL"
    calendar_bytes = ical.calendar(announcement.entries(event, cancelled), method).to_ical()

    def context(person: Attendee) -> dict[str, object]:
        return announcement.context(event, person) | {
            announcement.person: person,
            "kind": kind,
            "links": {} if cancelled else rsvp.links_for(person),
        }

    return mail_each(
        event.invited if people is None else people,
        subject=f"【{announcement.subjects[kind]}】{event.title}",
        template=announcement.template,
        context=context,
        kind=f"{event.EVENT}.{kind.lower()}",
        key=lambda p: f"{event.EVENT}:{event.id}:seq:{event.sequence}:{kind}:{announcement.person}:{p.id}",
        ics=calendar_bytes,
        method=method,
    )


def mail_each(
    people: Iterable[Attendee],
    *,
    subject: str,
    template: str,
    context: Callable[[Attendee], dict[str, object]],
    kind: str,
    key: Callable[[Attendee], str],
    ics: bytes | None = None,
    method: str | None = None,
) -> int:
    """One message per person, in Chinese whoever triggered it; a key already queued is not
    queued again. Returns the number queued."""
    queued = 0
    with force_locale("zh_Hans_CN"):
        for person in people:
            queued += _queue(
                person,
                subject=subject,
                template=template,
                context=context(person),
                kind=kind,
                key=key(person),
                ics=ics,
                method=method,
            )
    return queued


def _queue(
    person: Attendee,
    *,
    subject: str,
    template: str,
    context: dict[str, object],
    kind: str,
    key: str,
    ics: bytes | None,
    method: str | None,
) -> int:
    message = mail.compose(
        to_name=person.name,
        to_email=person.email,
        subject=subject,
        template=template,
        context=context,
        ics=ics,
        method=method,
    )
    return int(mail.queue(message, kind=kind, dedupe_key=key, recipient_user_id=person.user_id) is not None)

"""iCalendar building blocks (RFC 5545 / iTIP RFC 5546), low enough for every layer to use: the
events core builds its invitations with them, the calendar feed its subscriptions.

Stable UIDs, SEQUENCE raised on every change that is sent, METHOD:REQUEST for invitations and
updates and METHOD:CANCEL with STATUS:CANCELLED for cancellations, a VTIMEZONE for
Asia/Shanghai and a reminder alarm. CN is always quoted: some clients drop an unquoted
non-ASCII common name. Stored text is folded on the way in (names, titles and places to one line,
descriptions without control characters, which RFC 5545 does not allow in TEXT), so whatever the
database holds, every invitation and feed is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from icalendar import Alarm, Calendar, Event, vCalAddress
from icalendar.parser import Parameters

from coordination.text import multi_line, single_line
from coordination.timeutil import LOCAL_TZ, utcnow

PRODID = "-//Shanghai-Dalian Cooperation//Coordination System//ZH"
ROLE_TO_ICAL = {"chair": "CHAIR", "required": "REQ-PARTICIPANT", "optional": "OPT-PARTICIPANT"}


class Person(Protocol):
    """An ATTENDEE: whoever is invited, with their role and their answer."""

    email: str
    name: str
    role: str
    partstat: str


class _QuotedParameters(Parameters):
    # The stub fixes the tuple at its nine names; CN is one more, quoted when not ASCII.
    always_quoted = (*Parameters.always_quoted, "CN")  # type: ignore[assignment]


def address(
    email: str, name: str, *, role: str | None = None, partstat: str | None = None, rsvp: bool | None = None
) -> vCalAddress:
    value = vCalAddress.new(
        single_line(email), cn=single_line(name) or None, role=role, partstat=partstat, rsvp=rsvp
    )
    value.params = _QuotedParameters(value.params)
    return value


def local(value: datetime) -> datetime:
    """A stored naive-UTC time as an aware Beijing time, so DTSTART carries TZID=Asia/Shanghai."""
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def calendar(events: Iterable[Event], method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:  # a feed or a CalDAV PUT carries no METHOD; an e-mail invitation must
        cal.add("method", method)
    cal.add("calscale", "GREGORIAN")
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal


def entry(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str,
    organiser: tuple[str, str] | None,
    attendees: Iterable[Person],
    cancelled: bool,
    alarm_before: timedelta | None = timedelta(days=1),
) -> Event:
    """One VEVENT of a meeting or a visit (times are stored naive UTC)."""
    event = Event.new(
        uid=uid,
        sequence=sequence,
        stamp=utcnow().replace(tzinfo=UTC),
        start=local(start),
        end=local(end),
        summary=single_line(summary),
        location=single_line(location) or None,
        description=multi_line(description) or None,
    )
    if organiser:
        event.add("organizer", address(organiser[0], organiser[1]))
    for attendee in attendees:
        event.add(
            "attendee",
            address(
                attendee.email,
                attendee.name,
                role=ROLE_TO_ICAL.get(attendee.role, "REQ-PARTICIPANT"),
                partstat=attendee.partstat,
                rsvp=not cancelled,
            ),
        )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if alarm_before and not cancelled:
        event.add_component(Alarm.new_display(trigger=-alarm_before, description=single_line(summary)))
    return event

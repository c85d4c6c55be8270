"""iCalendar for meetings, visits and deadlines (RFC 5545 / iTIP RFC 5546).

Stable UIDs, SEQUENCE raised on every change that is sent, METHOD:REQUEST for invitations and
updates and METHOD:CANCEL with STATUS:CANCELLED for cancellations, a VTIMEZONE for
Asia/Shanghai and a reminder alarm. CN is always quoted: some clients drop an unquoted
non-ASCII common name. Stored text is folded on the way in (names, titles and places to one line,
descriptions without control characters, which RFC 5545 does not allow in TEXT), so whatever the
database holds, every invitation and feed is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event, vCalAddress
from icalendar.parser import Parameters

from coordination.text import multi_line, single_line
from coordination.timeutil import LOCAL_TZ, utcnow

PRODID = "-//Shanghai-Dalian Cooperation//Coordination System//ZH"
ROLE_TO_ICAL = {"chair": "CHAIR", "required": "REQ-PARTICIPANT", "optional": "OPT-PARTICIPANT"}


class _QuotedParameters(Parameters):
    always_quoted = (*Parameters.always_quoted, "CN")


def address(email: str, name: str, **params: Any) -> vCalAddress:
    value = vCalAddress.new(single_line(email), cn=single_line(name) or None, **params)
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


def _event(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str,
    description: str,
    organiser: tuple[str, str] | None,
    attendees: Iterable[Any],
    cancelled: bool,
    alarm_before: timedelta | None = timedelta(days=1),
) -> Event:
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


def agenda_text(meeting: Any) -> str:
    return "\n".join(f"{n}. {item.title}" for n, item in enumerate(meeting.agenda, start=1))


def meeting_event(meeting: Any, *, cancelled: bool = False) -> Event:
    organiser = meeting.organiser
    return _event(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=meeting.title,
        location=meeting.venue,
        description=("议程：\n" + agenda_text(meeting)) if meeting.agenda else "",
        organiser=(organiser.email, organiser.name) if organiser and organiser.email else None,
        attendees=meeting.attendees,
        cancelled=cancelled,
    )


def visit_events(visit: Any, *, cancelled: bool = False) -> list[Event]:
    organiser = visit.organiser
    return [
        _event(
            uid=item.uid,
            sequence=visit.sequence,
            start=item.starts_at,
            end=item.ends_at,
            summary=f"{visit.title}：{item.title}",
            location=item.place,
            description=f"{visit.visiting_party.name_zh}→{visit.host_party.name_zh}，团长：{visit.leader_name}",
            organiser=(organiser.email, organiser.name) if organiser and organiser.email else None,
            attendees=visit.members,
            cancelled=cancelled,
            alarm_before=timedelta(hours=2),
        )
        for item in visit.itinerary
    ]


def deadline_event(assignment: Any) -> Event:
    """An all-day event on the current deadline of a task."""
    day: date = assignment.current_deadline
    event = Event.new(
        uid=f"assignment-{assignment.id}-deadline@hulian-coordination",
        stamp=utcnow().replace(tzinfo=UTC),
        start=day,
        end=day + timedelta(days=1),
        summary=single_line(f"【截止】{assignment.title}"),
        description=single_line(assignment.body.name_zh),
    )
    event.add("transp", "TRANSPARENT")
    return event

"""What a meeting's attendees receive: its calendar entry, the invitation, update and cancellation
(through the events core), and the published minutes (会议纪要)."""

from __future__ import annotations

from icalendar import Event

from coordination import ical
from coordination.events import invitations
from coordination.events.invitations import Announcement
from coordination.events.models import Attendee
from coordination.meetings.models import Meeting
from coordination.timeutil import to_local


def agenda_text(meeting: Meeting) -> str:
    return "\n".join(f"{n}. {item.title}" for n, item in enumerate(meeting.agenda, start=1))


def meeting_event(meeting: Meeting, *, cancelled: bool = False) -> Event:
    organiser = meeting.organiser
    return ical.entry(
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


def _times(meeting: Meeting, _attendee: Attendee) -> dict[str, object]:
    return {"meeting": meeting, "starts": to_local(meeting.starts_at), "ends": to_local(meeting.ends_at)}


ANNOUNCEMENT = Announcement[Meeting](
    subjects={"REQUEST": "会议通知", "UPDATE": "会议变更通知", "CANCEL": "会议取消通知"},
    template="meeting",
    entries=lambda meeting, cancelled: [meeting_event(meeting, cancelled=cancelled)],
    context=_times,
)


def send_minutes(meeting: Meeting) -> int:
    """The published minutes, to every attendee. Returns the messages queued."""
    return invitations.mail_each(
        meeting.attendees,
        subject=f"【会议纪要】{meeting.title}",
        template="minutes",
        context=lambda attendee: {
            "meeting": meeting,
            "attendee": attendee,
            "starts": to_local(meeting.starts_at),
        },
        kind="meeting.minutes",
        key=lambda attendee: f"meeting:{meeting.id}:minutes:attendee:{attendee.id}",
    )

"""Invitations, updates and cancellations by e-mail with an iCalendar part, one per attendee
(each carries the attendee's own RSVP links)."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale

from coordination.calendar import ics
from coordination.meetings.models import Attendee, Meeting
from coordination.notifications import mail, rsvp
from coordination.timeutil import to_local

SUBJECTS = {"REQUEST": "会议通知", "UPDATE": "会议变更通知", "CANCEL": "会议取消通知"}


def send_meeting(meeting: Meeting, kind: str, attendees: list[Attendee] | None = None) -> int:
    """kind: REQUEST (invitation), UPDATE (a change, sent as METHOD:REQUEST with a higher
    SEQUENCE) or CANCEL. Returns the number of messages queued."""
    method = "CANCEL" if kind == "CANCEL" else "REQUEST"
    cancelled = kind == "CANCEL"
    calendar_bytes = ics.calendar([ics.meeting_event(meeting, cancelled=cancelled)], method).to_ical()
    queued = 0
    with force_locale("zh_Hans_CN"):  # mail goes out in Chinese whoever triggered it
        for attendee in attendees if attendees is not None else meeting.attendees:
            context: dict[str, Any] = {
                "meeting": meeting,
                "attendee": attendee,
                "kind": kind,
                "starts": to_local(meeting.starts_at),
                "ends": to_local(meeting.ends_at),
                "links": {} if cancelled else rsvp.links_for(attendee),
            }
            message = mail.compose(
                to_name=attendee.name,
                to_email=attendee.email,
                subject=f"【{SUBJECTS[kind]}】{meeting.title}",
                template="meeting",
                context=context,
                ics=calendar_bytes,
                method=method,
            )
            key = f"meeting:{meeting.id}:seq:{meeting.sequence}:{kind}:attendee:{attendee.id}"
            if mail.queue(
                message, kind=f"meeting.{kind.lower()}", dedupe_key=key, recipient_user_id=attendee.user_id
            ):
                queued += 1
    return queued

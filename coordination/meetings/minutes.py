"""The published minutes (会议纪要), mailed to every attendee."""

from __future__ import annotations

from flask_babel import force_locale

from coordination.meetings.models import Meeting
from coordination.notifications import mail
from coordination.timeutil import to_local


def send(meeting: Meeting) -> int:
    queued = 0
    with force_locale("zh_Hans_CN"):
        for attendee in meeting.attendees:
            message = mail.compose(
                to_name=attendee.name,
                to_email=attendee.email,
                subject=f"【会议纪要】{meeting.title}",
                template="minutes",
                context={"meeting": meeting, "attendee": attendee, "starts": to_local(meeting.starts_at)},
            )
            key = f"meeting:{meeting.id}:minutes:attendee:{attendee.id}"
            if mail.queue(
                message, kind="meeting.minutes", dedupe_key=key, recipient_user_id=attendee.user_id
            ):
                queued += 1
    return queued

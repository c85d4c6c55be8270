"""Meeting changes. Scheduling, invitations and minutes grow here (joint-meeting issue)."""

from __future__ import annotations

from datetime import datetime

from coordination.audit.operations import record, snapshot
from coordination.auth.models import User
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.organizations.models import Mechanism
from coordination.timeutil import LOCAL_TZ

FIELDS = ("kind", "title", "starts_at", "ends_at", "host_party_id", "venue", "state")


def to_utc(local: datetime) -> datetime:
    """A wall-clock time in Beijing, as the naive UTC we store."""
    from datetime import UTC

    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def create_meeting(
    mechanism: Mechanism,
    actor: User,
    *,
    kind: str,
    title: str,
    starts_local: datetime,
    ends_local: datetime,
    host_party_id: int,
    venue: str,
) -> Meeting:
    meeting = Meeting(
        mechanism_id=mechanism.id,
        kind=kind,
        title=title.strip(),
        starts_at=to_utc(starts_local),
        ends_at=to_utc(ends_local),
        host_party_id=host_party_id,
        venue=venue.strip(),
        organiser_id=actor.id,
    )
    db.session.add(meeting)
    db.session.flush()
    record(
        "meeting.create", meeting, summary=meeting.title, after=snapshot(meeting, *FIELDS), actor_id=actor.id
    )
    return meeting

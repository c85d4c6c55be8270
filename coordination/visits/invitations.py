"""What a visit's delegation receives: one calendar with a VEVENT per itinerary item, as the
invitation, update and cancellation of the events core."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Event

from coordination import ical
from coordination.events.invitations import Announcement
from coordination.events.models import Attendee
from coordination.timeutil import to_local
from coordination.visits.models import Visit


def visit_events(visit: Visit, *, cancelled: bool = False) -> list[Event]:
    organiser = visit.organiser
    return [
        ical.entry(
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


def _itinerary(visit: Visit, _member: Attendee) -> dict[str, object]:
    return {
        "visit": visit,
        "itinerary": [(to_local(i.starts_at), to_local(i.ends_at), i) for i in visit.itinerary],
    }


ANNOUNCEMENT = Announcement[Visit](
    subjects={"REQUEST": "高层互访行程通知", "UPDATE": "高层互访行程变更", "CANCEL": "高层互访取消通知"},
    template="visit",
    entries=lambda visit, cancelled: visit_events(visit, cancelled=cancelled),
    context=_itinerary,
    person="member",
)

"""Joint meetings (联席会议) and their agenda (议题). The plan goes on an agenda and is adopted there."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.events.models import Attendee, AttendeeRole, EventMixin, parts
from coordination.extensions import Model
from coordination.organizations.models import Body
from workflows.meeting import MeetingState

__all__ = ["AgendaItem", "Attendee", "AttendeeRole", "Decision", "Meeting", "MeetingKind"]


class MeetingKind(StrEnum):
    JOINT = "joint"  # 联席会议
    TOPIC = "topic"  # 专题会议


class Meeting(EventMixin, Model):
    __tablename__ = "meetings"
    EVENT, PEOPLE = "meeting", "attendees"
    OPEN_STATES = frozenset({MeetingState.DRAFT, MeetingState.SCHEDULED})
    ANNOUNCED = MeetingState.SCHEDULED

    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.JOINT.value)
    starts_at: Mapped[datetime]  # UTC
    ends_at: Mapped[datetime]  # UTC
    venue: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(30), default="draft")
    chair_name: Mapped[str] = mapped_column(String(60), default="")
    reminder_days: Mapped[list[int] | None] = mapped_column(JSON)  # days before; empty = policy default
    minutes_published_at: Mapped[datetime | None]

    agenda: Mapped[list[AgendaItem]] = parts("meeting", "AgendaItem.position")
    attendees: Mapped[list[Attendee]] = parts("meeting", "Attendee.id")
    decisions: Mapped[list[Decision]] = parts("meeting", "Decision.id")

    @property
    def uid(self) -> str:
        """Stable for the meeting's life, so calendar clients update rather than duplicate it."""
        return f"meeting-{self.id}@hulian-coordination"


class AgendaItem(Model):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "plan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    presenter_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    planned_minutes: Mapped[int | None]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")  # 会议纪要 for this item

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    presenter_body: Mapped[Body | None] = relationship()
    plan = relationship("AnnualPlan")


class Decision(Model):
    """议定事项: recorded in the minutes; one action turns it into tasks for the named units."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id"))
    key_task_id: Mapped[int | None] = mapped_column(ForeignKey("key_tasks.id"))
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date]
    body_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    assigned_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
    agenda_item: Mapped[AgendaItem | None] = relationship()

"""Joint meetings (联席会议) and their agenda (议题). The plan goes on an agenda and is adopted there."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.extensions import db
from coordination.organizations.models import Body, Party
from coordination.timeutil import utcnow


class MeetingKind(StrEnum):
    JOINT = "joint"  # 联席会议
    TOPIC = "topic"  # 专题会议


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.JOINT.value)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # UTC
    ends_at: Mapped[datetime]  # UTC
    host_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    venue: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(30), default="draft")
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_name: Mapped[str] = mapped_column(String(60), default="")
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: +1 on every change sent
    reminder_days: Mapped[list[int] | None] = mapped_column(JSON)  # days before; empty = policy default
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    minutes_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    host_party: Mapped[Party] = relationship()
    organiser = relationship("User")
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="meeting", order_by="Attendee.id", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting", order_by="Decision.id", cascade="all, delete-orphan"
    )

    @property
    def uid(self) -> str:
        """Stable for the meeting's life, so calendar clients update rather than duplicate it."""
        return f"meeting-{self.id}@hulian-coordination"

    __mapper_args__ = {"version_id_col": version}


class AgendaItem(db.Model):
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


class AttendeeRole(StrEnum):
    CHAIR = "chair"
    REQUIRED = "required"
    OPTIONAL = "optional"


class Attendee(db.Model):
    """Someone invited to a meeting or a visit: a user, or an external guest by name and e-mail."""

    __tablename__ = "attendees"
    __table_args__ = (
        CheckConstraint("(meeting_id IS NULL) <> (visit_id IS NULL)", name="one_event"),
        UniqueConstraint("meeting_id", "email"),
        UniqueConstraint("visit_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default=AttendeeRole.REQUIRED.value)
    partstat: Mapped[str] = mapped_column(String(20), default="NEEDS-ACTION")
    responded_at: Mapped[datetime | None]
    rsvp_nonce: Mapped[str] = mapped_column(String(32))  # rotating it revokes old links

    meeting: Mapped[Meeting | None] = relationship(back_populates="attendees")
    visit = relationship("Visit", back_populates="members")
    user = relationship("User")


class Decision(db.Model):
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

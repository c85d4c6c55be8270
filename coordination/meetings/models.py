"""Joint meetings (联席会议) and their agenda (议题). The plan goes on an agenda and is adopted there."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    host_party: Mapped[Party] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

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

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    presenter_body: Mapped[Body | None] = relationship()

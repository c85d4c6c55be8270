"""High-level visits (高层互访) of the leading groups: delegation, itinerary, outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.extensions import db
from coordination.meetings.models import Attendee
from coordination.organizations.models import Party
from coordination.timeutil import utcnow


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    visiting_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    host_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    leader_name: Mapped[str] = mapped_column(String(60))
    host_contact: Mapped[str] = mapped_column(String(200), default="")
    reception_notes: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="planned")
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sequence: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    visiting_party: Mapped[Party] = relationship(foreign_keys=[visiting_party_id])
    host_party: Mapped[Party] = relationship(foreign_keys=[host_party_id])
    organiser = relationship("User")
    members: Mapped[list[Attendee]] = relationship(
        back_populates="visit", order_by="Attendee.id", cascade="all, delete-orphan"
    )
    itinerary: Mapped[list[ItineraryItem]] = relationship(
        back_populates="visit", order_by="ItineraryItem.starts_at", cascade="all, delete-orphan"
    )
    outcomes: Mapped[list[VisitOutcome]] = relationship(
        back_populates="visit", order_by="VisitOutcome.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class ItineraryItem(db.Model):
    __tablename__ = "itinerary_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="meeting")  # meeting / site_visit / signing
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # UTC
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")

    visit: Mapped[Visit] = relationship(back_populates="itinerary")

    @property
    def uid(self) -> str:
        return f"visit-{self.visit_id}-item-{self.id}@hulian-coordination"


class VisitOutcome(db.Model):
    """An agreement signed or a matter agreed; like a meeting decision it becomes tasks."""

    __tablename__ = "visit_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="matter")  # agreement / matter
    text: Mapped[str] = mapped_column(Text)
    key_task_id: Mapped[int | None] = mapped_column(ForeignKey("key_tasks.id"))
    deadline: Mapped[date]
    body_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    assigned_at: Mapped[datetime | None]

    visit: Mapped[Visit] = relationship(back_populates="outcomes")

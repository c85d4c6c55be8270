"""High-level visits (高层互访) of the leading groups: delegation, itinerary, outcomes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.events.models import Attendee, EventMixin, parts
from coordination.extensions import Model
from coordination.organizations.models import Party
from workflows.visit import VisitState


class Visit(EventMixin, Model):
    __tablename__ = "visits"
    EVENT, PEOPLE = "visit", "members"
    OPEN_STATES = frozenset({VisitState.PLANNED, VisitState.CONFIRMED})
    ANNOUNCED = VisitState.CONFIRMED

    visiting_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    leader_name: Mapped[str] = mapped_column(String(60))
    host_contact: Mapped[str] = mapped_column(String(200), default="")
    reception_notes: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="planned")

    visiting_party: Mapped[Party] = relationship(foreign_keys=[visiting_party_id])
    members: Mapped[list[Attendee]] = parts("visit", "Attendee.id")
    itinerary: Mapped[list[ItineraryItem]] = parts("visit", "ItineraryItem.starts_at")
    outcomes: Mapped[list[VisitOutcome]] = parts("visit", "VisitOutcome.id")


class ItineraryItem(Model):
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


class VisitOutcome(Model):
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

"""The tables and columns meetings and visits share: who is invited (one `attendees` table for
both), and the columns every event has (mechanism, host, organiser, SEQUENCE, version)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, Relationship, declared_attr, mapped_column, relationship

from coordination.extensions import Model
from coordination.organizations.models import Party
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from coordination.auth.models import User


class AttendeeRole(StrEnum):
    CHAIR = "chair"
    REQUIRED = "required"
    OPTIONAL = "optional"


def parts(back_populates: str, order_by: str) -> Relationship[Any]:
    """The rows that are part of an event (its people, agenda, itinerary, decisions): listed in
    their order, and deleted with it."""
    return relationship(back_populates=back_populates, order_by=order_by, cascade="all, delete-orphan")


class EventMixin:
    """A meeting or a visit. Each names what it is (`EVENT`, the prefix of its audit actions,
    outbox keys and calendar UIDs), its relationship to the people invited (`PEOPLE`), the
    states in which it can still be changed (`OPEN_STATES`) and the state in which its people
    have been sent the invitation (`ANNOUNCED`)."""

    EVENT: ClassVar[str]
    PEOPLE: ClassVar[str]
    OPEN_STATES: ClassVar[frozenset[str]]
    ANNOUNCED: ClassVar[str]

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    host_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE: +1 on every change sent
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    @declared_attr
    def host_party(cls) -> Mapped[Party]:
        # declared_attr is given the mapped class; mypy types `cls` as an instance of the mixin.
        return relationship(foreign_keys=f"{cls.__name__}.host_party_id")  # type: ignore[attr-defined]

    @declared_attr
    def organiser(cls) -> Mapped[User | None]:
        return relationship("User")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.version}

    @property
    def invited(self) -> list[Attendee]:
        """The people invited (the relationship named PEOPLE): a meeting's attendees, a visit's
        delegation."""
        people: list[Attendee] = getattr(self, self.PEOPLE)
        return people

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_announced(self) -> bool:
        return self.state == self.ANNOUNCED

    if TYPE_CHECKING:
        __tablename__: str  # each event names its table
        state: Mapped[str]  # each event declares its own (its default is its first state)


class Attendee(Model):
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

    # The core names its specialisations only as strings: to it a meeting or a visit is an event.
    meeting: Mapped[EventMixin | None] = relationship("Meeting", back_populates="attendees")
    visit: Mapped[EventMixin | None] = relationship("Visit", back_populates="members")
    user: Mapped[User | None] = relationship()

    @property
    def event(self) -> EventMixin:
        """The meeting or the visit this person is invited to."""
        event = self.meeting or self.visit
        if event is None:  # the one_event constraint rules it out
            raise LookupError(f"attendee {self.id} belongs to no event")
        return event

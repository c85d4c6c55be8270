"""Reminder rows: the database is the source of truth; sending one also writes its in-app
notification (coordination/inbox.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.extensions import Model
from coordination.outbox import OutboxMixin
from coordination.timeutil import utcnow


class Reminder(OutboxMixin, Model):
    """One reminder to one user, written with the thing it is about and kept in step with it; an
    outbox row (status, attempts, claim token …: coordination/outbox.py), cancelled when moot."""

    __tablename__ = "reminders"
    __table_args__ = (
        Index("ix_reminders_status_due", "status", "due_at"),
        Index("ix_reminders_assignment", "assignment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(20), default="unit")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime]  # UTC; always a working morning in Beijing
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    assignment = relationship("Assignment")

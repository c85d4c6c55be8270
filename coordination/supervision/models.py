"""Generated reports (督查通报 and the annual summary): files kept with who made them and when."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model
from coordination.outbox import FAILED, PENDING, SENDING, SENT, OutboxMixin
from coordination.timeutil import utcnow

# One report waiting or being made per user and scope: asking again shows that one's progress.
# The partial unique index makes the request race-free (two clicks, two web processes).
WAITING = text("status IN ('pending', 'sending')")
# The outbox's statuses in the words of a report (what its page and status endpoint say).
STATE_OF_STATUS = {PENDING: "queued", SENDING: "running", SENT: "done", FAILED: "failed"}


class GeneratedReport(OutboxMixin, Model):
    """An outbox row (coordination/outbox.py): claimed by the job that makes it, swept when
    Redis lost it or its worker died. A generation that failed fails again: one attempt."""

    __tablename__ = "generated_reports"
    __table_args__ = (
        Index(
            "uq_generated_reports_pending",
            "requested_by_id",
            "mechanism_id",
            "scope",
            unique=True,
            sqlite_where=WAITING,
            postgresql_where=WAITING,
        ),
    )
    max_attempts: ClassVar[int] = 1

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20))  # a year ("2026"), "midterm" or "final"
    progress: Mapped[int] = mapped_column(default=0)  # percent, written by the job as it goes
    step: Mapped[str] = mapped_column(String(100), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[int] = mapped_column(default=0)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]  # done or failed

    requested_by: Mapped[User] = relationship()

    @property
    def state(self) -> str:
        """queued / running / done / failed."""
        return STATE_OF_STATUS.get(self.status, self.status)

    @property
    def error(self) -> str:
        return self.last_error

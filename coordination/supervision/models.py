"""Generated reports (督查通报 and the annual summary): files kept with who made them and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import db
from coordination.timeutil import utcnow

# One report waiting or being made per user and scope: asking again shows that one's progress.
# The partial unique index makes the claim race-free (two clicks, two web processes).
PENDING = text("state IN ('queued', 'running')")


class GeneratedReport(db.Model):
    __tablename__ = "generated_reports"
    __table_args__ = (
        Index(
            "uq_generated_reports_pending",
            "requested_by_id",
            "mechanism_id",
            "scope",
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20))  # a year ("2026"), "midterm" or "final"
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued/running/done/failed
    progress: Mapped[int] = mapped_column(default=0)  # percent, written by the job as it goes
    step: Mapped[str] = mapped_column(String(100), default="")
    filename: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]  # a worker took it (the sweep judges staleness by this)
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[User] = relationship()

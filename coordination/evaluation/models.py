"""Manual adjustments to a unit's evaluation: the computed score stays as the record made it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model
from coordination.organizations.models import Body
from coordination.timeutil import utcnow


class EvaluationAdjustment(Model):
    """Points added to (or taken from) one unit's score for one evaluation, with the reason."""

    __tablename__ = "evaluation_adjustments"
    __table_args__ = (UniqueConstraint("mechanism_id", "scope", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"))
    scope: Mapped[str] = mapped_column(String(20))  # a year ("2026"), "midterm" or "final"
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    body: Mapped[Body] = relationship()
    by: Mapped[User] = relationship()

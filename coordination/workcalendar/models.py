"""A year's arrangement (who confirmed it, from what source) and its days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model

SOURCE_PACKAGE = "chinesecalendar"  # loaded at seed time from the package
SOURCE_NOTICE = "notice"  # entered by an administrator as the notice reads
SOURCE_FILE = "holiday_cn"  # imported from a holiday-cn JSON file


class CalendarYear(Model):
    """A year whose arrangement is confirmed; a year without a row is not (Monday–Friday)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(20))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime]
    # A fresh value on every change: web processes reload the calendar when any stamp differs.
    stamp: Mapped[str] = mapped_column(String(32))
    # Set when a change moved deadlines counted in working days; cleared by the lead departments.
    review_pending: Mapped[bool] = mapped_column(Boolean, default=False)

    confirmed_by: Mapped[User | None] = relationship()


class CalendarDayRow(Model):
    """A day that differs from Monday–Friday (a holiday, an adjusted working day), named."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")

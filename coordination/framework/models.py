"""The strategic framework: the areas and key tasks of the implementation plan (重点任务)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.extensions import Model


class Area(Model):
    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("mechanism_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    number: Mapped[int]
    numeral_zh: Mapped[str] = mapped_column(String(10))
    title_zh: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str] = mapped_column(String(200))

    key_tasks: Mapped[list[KeyTask]] = relationship(back_populates="area", order_by="KeyTask.number")


class KeyTask(Model):
    __tablename__ = "key_tasks"
    __table_args__ = (UniqueConstraint("mechanism_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    number: Mapped[int]
    title_zh: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_zh: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[Area] = relationship(back_populates="key_tasks")

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title_zh}"

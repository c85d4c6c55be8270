"""Annual plans (年度计划), their items, revisions, consultation comments and amendments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model
from coordination.framework.models import KeyTask
from coordination.organizations.models import Body, Mechanism
from coordination.timeutil import utcnow


class UnitRole(StrEnum):
    LEAD = "lead"  # 牵头单位
    COOPERATING = "cooperating"  # 配合单位


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class AnnualPlan(Model):
    __tablename__ = "annual_plans"
    __table_args__ = (UniqueConstraint("mechanism_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="draft")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    adopted_at: Mapped[datetime | None]
    issued_at: Mapped[datetime | None]
    issued_on: Mapped[date | None]  # the local date "N working days" deadlines count from
    document_number: Mapped[str] = mapped_column(String(60), default="")  # 文号 when issued
    closed_at: Mapped[datetime | None]
    report_cadence: Mapped[str] = mapped_column(String(10), default="monthly", server_default="monthly")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    mechanism: Mapped[Mechanism] = relationship()
    meeting = relationship("Meeting")
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[PlanRevision]] = relationship(
        back_populates="plan", order_by="PlanRevision.number", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class PlanItem(Model):
    __tablename__ = "plan_items"
    # Items are deleted while drafting; SQLite would hand a deleted id to the next item, and
    # revisions and the audit log identify items by id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    key_task_id: Mapped[int] = mapped_column(ForeignKey("key_tasks.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text, default="")
    expected_results: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None]
    deadline_workdays: Mapped[int | None]  # "N working days after issue", resolved on issue
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[AnnualPlan] = relationship(back_populates="items")
    key_task: Mapped[KeyTask] = relationship(lazy="joined")
    units: Mapped[list[ItemUnit]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemUnit.id", lazy="selectin"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Milestone.due_on", lazy="selectin"
    )
    comments: Mapped[list[ItemComment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemComment.created_at"
    )

    __mapper_args__ = {"version_id_col": version}

    def units_with_role(self, role: UnitRole) -> list[ItemUnit]:
        return [u for u in self.units if u.role == role]

    @property
    def lead_units(self) -> list[ItemUnit]:
        return self.units_with_role(UnitRole.LEAD)

    @property
    def cooperating_units(self) -> list[ItemUnit]:
        return self.units_with_role(UnitRole.COOPERATING)


class ItemUnit(Model):
    __tablename__ = "plan_item_units"
    __table_args__ = (UniqueConstraint("item_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    item: Mapped[PlanItem] = relationship(back_populates="units")
    body: Mapped[Body] = relationship(lazy="joined")


class Milestone(Model):
    __tablename__ = "plan_item_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]

    item: Mapped[PlanItem] = relationship(back_populates="milestones")


class ItemComment(Model):
    """A member unit's comment on a draft item during consultation (征求意见)."""

    __tablename__ = "plan_item_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[PlanItem] = relationship(back_populates="comments")
    body: Mapped[Body | None] = relationship()
    author: Mapped[User] = relationship()


class ItemSnapshot(TypedDict):
    """An item as a revision keeps it (revisions stored earlier may lack a key)."""

    id: int
    key_task: str
    key_task_number: int
    title: str
    content: str
    expected_results: str
    deadline: str
    priority: str
    lead_units: list[str]
    cooperating_units: list[str]
    milestones: list[str]


class PlanRevision(Model):
    """A snapshot of all items, kept on every saved change so any two can be compared."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(300), default="")
    amendment: Mapped[bool] = mapped_column(default=False)
    items: Mapped[list[ItemSnapshot]] = mapped_column(JSON)

    plan: Mapped[AnnualPlan] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


Index("ix_plan_items_plan_position", PlanItem.plan_id, PlanItem.position)


IMPORT_PENDING = text("state IN ('queued', 'running')")


class PlanImport(Model):
    """An uploaded sheet being read in the background (coordination/plans/imports.py): its
    progress as the job goes, then the items added or the problems by row. The file is kept
    only until it is read."""

    __tablename__ = "plan_imports"
    # One import at a time per plan: a second upload shows the first one's progress.
    __table_args__ = (
        Index(
            "uq_plan_imports_pending",
            "plan_id",
            unique=True,
            sqlite_where=IMPORT_PENDING,
            postgresql_where=IMPORT_PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annual_plans.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued/running/done/rejected/failed
    progress: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    items: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list | None] = mapped_column(JSON)  # [[row, column, message], …]
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    plan: Mapped[AnnualPlan] = relationship()
    requested_by: Mapped[User] = relationship()

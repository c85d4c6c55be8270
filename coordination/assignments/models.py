"""Assignments (督办事项): the tasks member units carry to closure, with reports, extensions
and evidence. "Overdue" is derived from the deadline and the state, never stored."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model
from coordination.organizations.models import Body
from coordination.plans.models import PlanItem
from coordination.timeutil import utcnow


class SourceKind(StrEnum):
    PLAN_ITEM = "plan_item"
    DECISION = "decision"  # 会议议定事项 (meetings)
    VISIT = "visit"  # 高层互访成果 (visits)


# The open states written out (workflows.assignment.OPEN_VALUES): a partial index's predicate, which
# PostgreSQL uses when a query's `state IN (...)` lists the same values as literals.
OPEN_ONLY = text("state IN ('acknowledged', 'assigned', 'in_progress', 'returned')")


class Assignment(Model):
    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_body_state_deadline", "body_id", "state", "current_deadline"),
        Index("ix_assignments_state_deadline", "state", "current_deadline"),
        # The task lists in deadline order (everyone's; a unit's, 我的任务; a unit's open tasks, its
        # overdue list): the first page is read off the index, not sorted out of all the tasks.
        Index("ix_assignments_deadline", "current_deadline", "id"),
        Index("ix_assignments_body_deadline", "body_id", "current_deadline", "id"),
        Index(
            "ix_assignments_open_body_deadline",
            "body_id",
            "current_deadline",
            "id",
            postgresql_where=OPEN_ONLY,
            sqlite_where=OPEN_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    source: Mapped[str] = mapped_column(String(20), default=SourceKind.PLAN_ITEM.value)
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), index=True)
    visit_outcome_id: Mapped[int | None] = mapped_column(ForeignKey("visit_outcomes.id"), index=True)
    key_task_id: Mapped[int | None] = mapped_column(ForeignKey("key_tasks.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    role: Mapped[str] = mapped_column(String(20))  # lead / cooperating
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="assigned")
    original_deadline: Mapped[date]  # never moves: evaluation counts against it
    current_deadline: Mapped[date]  # moves only when an extension is approved or the plan is amended
    percent_complete: Mapped[int] = mapped_column(default=0)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    results: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    quality: Mapped[int | None]  # 1–5, given at verification
    return_reason: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    body: Mapped[Body] = relationship(lazy="joined")
    plan_item: Mapped[PlanItem | None] = relationship()
    decision = relationship("Decision")
    visit_outcome = relationship("VisitOutcome")
    key_task = relationship("KeyTask")
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="assignment", order_by="ProgressReport.created_at.desc()"
    )
    extensions: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="assignment", order_by="ExtensionRequest.created_at.desc()"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="assignment", order_by="Attachment.created_at"
    )

    __mapper_args__ = {"version_id_col": version}


class ProgressReport(Model):
    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    percent: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="reports")
    author: Mapped[User] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report")


PENDING_ONLY = text("state = 'pending'")


class ExtensionRequest(Model):
    __tablename__ = "extension_requests"
    # At most one request waiting per task, whatever two requests at once try.
    __table_args__ = (
        Index(
            "uq_extension_requests_one_pending",
            "assignment_id",
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_date: Mapped[date]
    deadline_at_request: Mapped[date]
    progress: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[Assignment] = relationship(back_populates="extensions")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}


class Attachment(Model):
    """A file kept under instance/uploads (never static/), served only through a permission check."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # report / evidence
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="attachments")
    report: Mapped[ProgressReport | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()

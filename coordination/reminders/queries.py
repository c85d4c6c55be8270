"""Reads of the reminder rows that other pages show. The task page (a layer below) calls
task_supervision from its template: the app factory offers it there as a template global."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.reminders.models import Reminder


@dataclass(frozen=True)
class TaskSupervision:
    escalations: list[tuple[int, datetime | None]]  # (level, first sent)
    next_reminder: datetime | None


def task_supervision(assignment: Assignment) -> TaskSupervision:
    """Escalation notices sent (督办单: yellow for the first levels, red for the leading group)
    and the next reminder scheduled."""
    rows = db.session.execute(
        select(Reminder.kind, func.min(Reminder.sent_at))
        .where(
            Reminder.assignment_id == assignment.id,
            Reminder.kind.like("escalation_%"),
            Reminder.status == "sent",
        )
        .group_by(Reminder.kind)
        .order_by(Reminder.kind)
    ).all()
    next_due = db.session.scalar(
        select(func.min(Reminder.due_at)).where(
            Reminder.assignment_id == assignment.id, Reminder.status == "pending"
        )
    )
    return TaskSupervision(
        escalations=[(int(kind.rsplit("_", 1)[1]), sent) for kind, sent in rows],
        next_reminder=next_due,
    )

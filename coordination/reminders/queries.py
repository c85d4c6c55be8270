"""Reads of the reminder rows that other pages show. The task page (a layer below) calls
task_supervision from its template: the app factory offers it there as a template global."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

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
    # One statement: the first sending of each escalation level, and the pending reminders' first due.
    rows = db.session.execute(
        select(Reminder.kind, Reminder.status, func.min(Reminder.sent_at), func.min(Reminder.due_at))
        .where(
            Reminder.assignment_id == assignment.id,
            or_(
                and_(Reminder.status == "sent", Reminder.kind.like("escalation_%")),
                Reminder.status == "pending",
            ),
        )
        .group_by(Reminder.kind, Reminder.status)
        .order_by(Reminder.kind)
    ).all()
    sent = [(int(kind.rsplit("_", 1)[1]), first) for kind, status, first, _ in rows if status == "sent"]
    due = [first for _, status, _, first in rows if status == "pending" and first is not None]
    return TaskSupervision(escalations=sent, next_reminder=min(due, default=None))

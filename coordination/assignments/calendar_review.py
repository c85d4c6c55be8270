"""Deadlines counted in working days, when the calendar they were counted on changes.

A plan item due "N个工作日" after issue was resolved to a date with the calendar as it stood on
the day the plan was issued. When an administrator confirms or changes a year, the open tasks
whose date comes out differently are listed for the lead departments; nothing moves until they
take the action (the original deadline never moves; an extended deadline was decided, not
counted, so it stays)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select, update

from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.extensions import db
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.workcalendar import queries as work_calendar
from coordination.workcalendar.models import CalendarYear
from workflows.assignment import OPEN_STATES
from workflows.workdays import add_workdays


@dataclass(frozen=True)
class DeadlineChange:
    assignment: Assignment
    plan: AnnualPlan
    workdays: int
    current: date
    counted: date  # what the calendar in force gives now


def deadline_changes(mechanism_id: int | None = None) -> list[DeadlineChange]:
    extended = exists().where(
        ExtensionRequest.assignment_id == Assignment.id, ExtensionRequest.state == "approved"
    )
    query = (
        select(Assignment, PlanItem.deadline_workdays, AnnualPlan)
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
        .where(
            PlanItem.deadline_workdays.is_not(None),
            PlanItem.deadline.is_(None),
            AnnualPlan.issued_on.is_not(None),
            Assignment.state.in_([s.value for s in OPEN_STATES]),
            ~extended,
        )
        .order_by(AnnualPlan.year, Assignment.current_deadline, Assignment.id)
    )
    if mechanism_id is not None:
        query = query.where(Assignment.mechanism_id == mechanism_id)
    result = []
    for assignment, workdays, plan in db.session.execute(query).all():
        counted = add_workdays(plan.issued_on, workdays)
        if counted != assignment.current_deadline:
            result.append(DeadlineChange(assignment, plan, workdays, assignment.current_deadline, counted))
    return result


def settle_review_flags() -> None:
    """Once nothing is left to review, no year says so any more."""
    if not deadline_changes():
        db.session.execute(
            update(CalendarYear)
            .where(CalendarYear.review_pending.is_(True))
            .values(review_pending=False)
            .execution_options(synchronize_session=False)
        )
        work_calendar.forget()

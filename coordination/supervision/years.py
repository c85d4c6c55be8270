"""The one definition of "the tasks of year Y", used by every figure: the overview, the 27-key-
task map, the key-task pages, the unit table, the evaluation, the workbook and the print view.

A plan's tasks belong to the plan's year; a meeting decision's tasks to the year of the meeting
(its date in Beijing); a visit outcome's tasks to the year the visit began. Cancelled tasks
were decided away, not failed: no figure counts them. A task's key task is its plan item's (an
item may be moved to another key task by an amendment), else the one its decision or outcome
names; tasks with none are reported in a row of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, func, literal, or_, select, union_all

from coordination.assignments.models import Assignment
from coordination.meetings.models import Decision, Meeting
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.timeutil import local_date_of, year_of
from coordination.visits.models import Visit, VisitOutcome


def _meeting_year() -> ColumnElement[int]:
    return year_of(local_date_of(Meeting.starts_at))


def _visit_year() -> ColumnElement[int]:
    return year_of(Visit.starts_on)


def _counted(mechanism_id: int) -> tuple[ColumnElement[bool], ...]:
    return (Assignment.mechanism_id == mechanism_id, Assignment.state != "cancelled")


def in_years(mechanism_id: int, first_year: int, last_year: int | None = None) -> ColumnElement[bool]:
    """The tasks of tasks_of_years as a condition on assignments alone: each source's ids of the
    years are a short list (plan items, decisions, outcomes), so PostgreSQL reads the tasks once
    and tests each against them, where `id IN (tasks_of_years)` joined the table to itself
    (87,500 index probes, 470 ms of the unit table's 650 at 100,000 tasks)."""
    last_year = last_year or first_year
    return and_(
        *_counted(mechanism_id),
        or_(
            Assignment.plan_item_id.in_(
                select(PlanItem.id)
                .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
                .where(AnnualPlan.year.between(first_year, last_year))
            ),
            Assignment.decision_id.in_(
                select(Decision.id)
                .join(Meeting, Decision.meeting_id == Meeting.id)
                .where(_meeting_year().between(first_year, last_year))
            ),
            Assignment.visit_outcome_id.in_(
                select(VisitOutcome.id)
                .join(Visit, VisitOutcome.visit_id == Visit.id)
                .where(_visit_year().between(first_year, last_year))
            ),
        ),
    )


def tasks_of_years(
    mechanism_id: int,
    first_year: int,
    last_year: int | None = None,
    columns: Sequence[ColumnElement[Any]] = (),
    where: Sequence[ColumnElement[bool]] = (),
) -> Subquery:
    """Rows (assignment_id, year, key_task_id, source, *columns) of the tasks of first_year..
    last_year that meet `where`, for figures grouped by year or by the year's key task (for
    others in_years is cheaper). `columns` (labelled expressions over the task's row) let such a
    figure aggregate the subquery alone instead of joining it back to assignments."""
    last_year = last_year or first_year
    counted = (*_counted(mechanism_id), *where)
    plan_year = AnnualPlan.year
    meeting_year = _meeting_year()
    visit_year = _visit_year()
    plans = (
        select(
            Assignment.id.label("assignment_id"),
            plan_year.label("year"),
            func.coalesce(PlanItem.key_task_id, Assignment.key_task_id).label("key_task_id"),
            literal("plan_item").label("source"),
            *columns,
        )
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
        .where(*counted, plan_year.between(first_year, last_year))
    )
    decisions = (
        select(Assignment.id, meeting_year, Assignment.key_task_id, literal("decision"), *columns)
        .join(Decision, Assignment.decision_id == Decision.id)
        .join(Meeting, Decision.meeting_id == Meeting.id)
        .where(*counted, meeting_year.between(first_year, last_year))
    )
    outcomes = (
        select(Assignment.id, visit_year, Assignment.key_task_id, literal("visit"), *columns)
        .join(VisitOutcome, Assignment.visit_outcome_id == VisitOutcome.id)
        .join(Visit, VisitOutcome.visit_id == Visit.id)
        .where(*counted, visit_year.between(first_year, last_year))
    )
    return union_all(plans, decisions, outcomes).subquery("year_tasks")

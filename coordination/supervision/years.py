"""The one definition of "the tasks of year Y", used by every figure: the overview, the 27-key-
task map, the key-task pages, the unit table, the evaluation, the workbook and the print view.

A plan's tasks belong to the plan's year; a meeting decision's tasks to the year of the meeting
(its date in Beijing); a visit outcome's tasks to the year the visit began. Cancelled tasks
were decided away, not failed: no figure counts them. A task's key task is its plan item's (an
item may be moved to another key task by an amendment), else the one its decision or outcome
names; tasks with none are reported in a row of their own.
"""

from __future__ import annotations

from sqlalchemy import Subquery, func, literal, select, union_all

from coordination.assignments.models import Assignment
from coordination.meetings.models import Decision, Meeting
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.timeutil import local_date_of, year_of
from coordination.visits.models import Visit, VisitOutcome


def tasks_of_years(mechanism_id: int, first_year: int, last_year: int | None = None) -> Subquery:
    """Rows (assignment_id, year, key_task_id, source) of the tasks of first_year..last_year."""
    last_year = last_year or first_year
    counted = (Assignment.mechanism_id == mechanism_id, Assignment.state != "cancelled")
    plan_year = AnnualPlan.year
    meeting_year = year_of(local_date_of(Meeting.starts_at))
    visit_year = year_of(Visit.starts_on)
    plans = (
        select(
            Assignment.id.label("assignment_id"),
            plan_year.label("year"),
            func.coalesce(PlanItem.key_task_id, Assignment.key_task_id).label("key_task_id"),
            literal("plan_item").label("source"),
        )
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
        .where(*counted, plan_year.between(first_year, last_year))
    )
    decisions = (
        select(Assignment.id, meeting_year, Assignment.key_task_id, literal("decision"))
        .join(Decision, Assignment.decision_id == Decision.id)
        .join(Meeting, Decision.meeting_id == Meeting.id)
        .where(*counted, meeting_year.between(first_year, last_year))
    )
    outcomes = (
        select(Assignment.id, visit_year, Assignment.key_task_id, literal("visit"))
        .join(VisitOutcome, Assignment.visit_outcome_id == VisitOutcome.id)
        .join(Visit, VisitOutcome.visit_id == Visit.id)
        .where(*counted, visit_year.between(first_year, last_year))
    )
    return union_all(plans, decisions, outcomes).subquery("year_tasks")

"""The task lists: one query for the page's rows, one for its count, one for pending extensions,
whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.plans.models import PlanItem
from coordination.timeutil import closed_by, days_from, local_date, local_date_of
from coordination.views_util import date_arg, int_arg, search_arg
from workflows.assignment import OPEN_VALUES, TERMINAL_VALUES, AssignmentState
from workflows.traffic import Assessment, Light, TrafficRule, assess, warning_horizon

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

    from coordination.organizations.models import Mechanism

T = TypeVar("T")

SORTS: dict[str, tuple[UnaryExpression[Any], UnaryExpression[Any]]] = {
    "deadline": (Assignment.current_deadline.asc(), Assignment.id.asc()),
    "-deadline": (Assignment.current_deadline.desc(), Assignment.id.desc()),
    "state": (Assignment.state.asc(), Assignment.current_deadline.asc()),
    "key_task": (KeyTask.number.asc(), Assignment.current_deadline.asc()),
    "updated": (Assignment.updated_at.desc(), Assignment.id.desc()),
}


@dataclass
class TaskFilters:
    state: str = ""
    key_task: int | None = None
    overdue: bool = False
    due_before: date | None = None
    unit: int | None = None
    q: str = ""
    sort: str = "deadline"

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> TaskFilters:
        state = args.get("state") or ""
        sort = args.get("sort") or ""
        valid_states = {s.value for s in AssignmentState} | {"open"}
        return cls(
            state=state if state in valid_states else "",
            key_task=int_arg(args, "key_task", high=1000),
            overdue=args.get("overdue") == "1",
            due_before=date_arg(args, "due_before"),
            unit=int_arg(args, "unit"),
            q=search_arg(args),
            sort=sort if sort in SORTS else "deadline",
        )

    def as_args(self) -> dict[str, str | int]:
        args = {
            "state": self.state,
            "key_task": self.key_task,
            "overdue": "1" if self.overdue else "",
            "due_before": self.due_before.isoformat() if self.due_before else "",
            "unit": self.unit,
            "q": self.q,
            "sort": self.sort if self.sort != "deadline" else "",
        }
        return {k: v for k, v in args.items() if v}


def overdue_clause(today: date) -> ColumnElement[bool]:
    # Derived, never stored: open and past the current deadline.
    return Assignment.state.in_(OPEN_VALUES) & (Assignment.current_deadline < today)


def closed_on_time() -> ColumnElement[bool]:
    """Closed on or before the ORIGINAL deadline, the closing moment's date taken in Beijing."""
    return and_(Assignment.state == "closed", closed_by(Assignment.closed_at, Assignment.original_deadline))


def closed_late() -> ColumnElement[bool]:
    return and_(
        Assignment.state == "closed", local_date_of(Assignment.closed_at) > Assignment.original_deadline
    )


# --- the traffic light ---------------------------------------------------------------------


def traffic_rule_of(mechanism: Mechanism | None) -> TrafficRule:
    return TrafficRule.from_dict(getattr(mechanism, "traffic_rule", None))


def assessment_of(assignment: Assignment, today: date, pending: bool, rule: TrafficRule) -> Assessment:
    """The light of one task, in Python: its time runs from the day it was assigned."""
    return assess(
        AssignmentState(assignment.state),
        assignment.current_deadline,
        today,
        assignment.percent_complete,
        pending,
        local_date(assignment.created_at),
        rule,
    )


def pending_extension_clause() -> ColumnElement[bool]:
    return Assignment.id.in_(
        select(ExtensionRequest.assignment_id).where(ExtensionRequest.state == "pending")
    )


def light_sql(today: date, rule: TrafficRule) -> ColumnElement[str]:
    """workflows.traffic.assess as one SQL CASE over the assignments row: the same states, the
    same working-day horizon (computed once, in Python), the same whole-number lag test."""
    deadline, percent = Assignment.current_deadline, Assignment.percent_complete
    today_value = literal(today, Assignment.current_deadline.type)
    when: list[tuple[Any, str]] = [
        (Assignment.state.in_(TERMINAL_VALUES), Light.NONE.value),
        (and_(Assignment.state.in_(OPEN_VALUES), deadline < today_value), Light.RED.value),
        (Assignment.state == AssignmentState.SUBMITTED.value, Light.GREEN.value),
        (pending_extension_clause(), Light.YELLOW.value),
        (
            and_(deadline < warning_horizon(today, rule.warning_workdays), percent < rule.at_risk_percent),
            Light.YELLOW.value,
        ),
    ]
    if rule.lag_points is not None:
        start = local_date_of(Assignment.created_at)
        total = days_from(start, deadline)
        when.append(
            (
                and_(total > 0, (percent + rule.lag_points) * total < 100 * days_from(start, today_value)),
                Light.YELLOW.value,
            )
        )
    return case(*when, else_=Light.GREEN.value)


def filtered(filters: TaskFilters, today: date, body_ids: set[int] | None) -> Select[tuple[Assignment]]:
    query = select(Assignment).join(KeyTask, Assignment.key_task_id == KeyTask.id, isouter=True)
    if body_ids is not None:
        query = query.where(Assignment.body_id.in_(body_ids))
    if filters.unit:
        query = query.where(Assignment.body_id == filters.unit)
    if filters.state == "open":
        query = query.where(Assignment.state.in_(OPEN_VALUES))
    elif filters.state:
        query = query.where(Assignment.state == filters.state)
    if filters.key_task:
        query = query.where(KeyTask.number == filters.key_task)
    if filters.overdue:
        query = query.where(overdue_clause(today))
    if filters.due_before:
        query = query.where(Assignment.current_deadline <= filters.due_before)
    if filters.q:
        query = query.where(Assignment.title.ilike(f"%{filters.q}%"))
    return query


def paged(query: Select[tuple[T]], page: int, size: int) -> tuple[list[T], int]:
    """One page of an ordered query and the total it pages through."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def page_of(
    query: Select[tuple[Assignment]], sort: str, page: int, size: int
) -> tuple[list[Assignment], int]:
    return paged(
        query.options(joinedload(Assignment.key_task), joinedload(Assignment.body)).order_by(*SORTS[sort]),
        page,
        size,
    )


def pending_extension_ids(assignment_ids: list[int]) -> set[int]:
    if not assignment_ids:
        return set()
    return set(
        db.session.scalars(
            select(ExtensionRequest.assignment_id).where(
                ExtensionRequest.assignment_id.in_(assignment_ids), ExtensionRequest.state == "pending"
            )
        )
    )


def completions_waiting(mechanism_id: int) -> Select[tuple[Assignment]]:
    """Submitted completions, oldest first: the verification queue is worked in order."""
    return (
        select(Assignment)
        .where(Assignment.mechanism_id == mechanism_id, Assignment.state == "submitted")
        .options(joinedload(Assignment.body), joinedload(Assignment.key_task))
        .order_by(Assignment.submitted_at, Assignment.id)
    )


def extensions_waiting(mechanism_id: int) -> Select[tuple[ExtensionRequest]]:
    return (
        select(ExtensionRequest)
        .join(Assignment)
        .where(Assignment.mechanism_id == mechanism_id, ExtensionRequest.state == "pending")
        .options(
            joinedload(ExtensionRequest.assignment).joinedload(Assignment.body),
            joinedload(ExtensionRequest.requested_by),
        )
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    )


def of_plan(plan_id: int) -> list[Assignment]:
    """Every task a plan's issue (and its amendments) created, in the order they were made."""
    return list(
        db.session.scalars(
            select(Assignment)
            .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
            .where(PlanItem.plan_id == plan_id)
            .order_by(Assignment.id)
        )
    )

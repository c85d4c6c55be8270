"""The task lists: one statement for the page's rows (the columns shown, the pending extension an
EXISTS), one for its count, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Row, Select, and_, bindparam, case, func, literal, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.organizations.models import Body
from coordination.plans.models import PlanItem
from coordination.timeutil import closed_by, days_from, local_date, local_date_of
from coordination.views_util import date_arg, int_arg, search_arg
from workflows.assignment import OPEN_VALUES, TERMINAL_VALUES, AssignmentState
from workflows.traffic import Assessment, Light, TrafficRule, assess, warning_horizon

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

    from coordination.organizations.models import Mechanism

T = TypeVar("T")

# Each order ends on the id, so that a page holds the same rows whichever plan the database picks
# (and no task shows on two pages).
SORTS: dict[str, tuple[UnaryExpression[Any], ...]] = {
    "deadline": (Assignment.current_deadline.asc(), Assignment.id.asc()),
    "-deadline": (Assignment.current_deadline.desc(), Assignment.id.desc()),
    "state": (Assignment.state.asc(), Assignment.current_deadline.asc(), Assignment.id.asc()),
    "key_task": (KeyTask.number.asc(), Assignment.current_deadline.asc(), Assignment.id.asc()),
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


def assessment_of(
    assignment: Assignment | Row[Any], today: date, pending: bool, rule: TrafficRule
) -> Assessment:
    """The light of one task (or of a task list's row, which has the same columns), in Python:
    its time runs from the day it was assigned."""
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


def open_states() -> ColumnElement[bool]:
    """`state IN (the open states)` with the values written into the SQL (not bound): PostgreSQL
    then proves that the partial index on open tasks (ix_assignments_open_body_deadline) applies,
    also when the driver has prepared the statement."""
    return Assignment.state.in_(
        bindparam("open_states", list(OPEN_VALUES), expanding=True, literal_execute=True, unique=True)
    )


def task_conditions(
    filters: TaskFilters, today: date, body_ids: set[int] | None
) -> list[ColumnElement[bool]]:
    """The task list's filters as WHERE terms on assignments alone (the key task's number is a
    subquery), so that counting them needs no join."""
    where: list[ColumnElement[bool]] = []
    if body_ids is not None:
        where.append(Assignment.body_id.in_(sorted(body_ids)))
    if filters.unit:
        where.append(Assignment.body_id == filters.unit)
    if filters.state == "open":
        where.append(open_states())
    elif filters.state:
        where.append(Assignment.state == filters.state)
    if filters.key_task:
        where.append(Assignment.key_task_id.in_(select(KeyTask.id).where(KeyTask.number == filters.key_task)))
    if filters.overdue:
        where.append(open_states() & (Assignment.current_deadline < today))
    if filters.due_before:
        where.append(Assignment.current_deadline <= filters.due_before)
    if filters.q:
        where.append(Assignment.title.ilike(f"%{filters.q}%"))
    return where


def pending_extension_exists() -> ColumnElement[bool]:
    """Whether the row's task has an extension request waiting (at most one: a unique partial index)."""
    return (
        select(ExtensionRequest.id)
        .where(ExtensionRequest.assignment_id == Assignment.id, ExtensionRequest.state == "pending")
        .exists()
    )


def task_list(
    filters: TaskFilters, today: date, body_ids: set[int] | None, page: int, size: int, with_body: bool
) -> tuple[list[Row[Any]], int]:
    """One page of the task list, only the columns it shows, and the number of tasks it pages
    through: two statements whatever the filters and the number of rows."""
    where = task_conditions(filters, today, body_ids)
    total = db.session.scalar(select(func.count()).select_from(Assignment).where(*where)) or 0
    columns: list[Any] = [
        Assignment.id,
        Assignment.title,
        Assignment.state,
        Assignment.role,
        Assignment.current_deadline,
        Assignment.original_deadline,
        Assignment.percent_complete,
        Assignment.created_at,
        KeyTask.number.label("key_task_number"),
        pending_extension_exists().label("pending_extension"),
    ]
    query = select(*columns).join(KeyTask, Assignment.key_task_id == KeyTask.id, isouter=True)
    if with_body:
        query = query.add_columns(Body.name_zh.label("body_name")).join(Body, Assignment.body_id == Body.id)
    query = query.where(*where).order_by(*SORTS[filters.sort]).offset((page - 1) * size).limit(size)
    return list(db.session.execute(query)), total


def paged(query: Select[tuple[T]], page: int, size: int) -> tuple[list[T], int]:
    """One page of an ordered query and the total it pages through."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.offset((page - 1) * size).limit(size)).all()
    return list(rows), total


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

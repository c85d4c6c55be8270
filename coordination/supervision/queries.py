"""The overview dashboard's figures, aggregated in SQL: a fixed number of queries, whatever
the number of tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, func, select

from coordination import datacache
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.assignments.queries import (
    closed_late,
    closed_on_time,
    light_sql,
    overdue_clause,
    traffic_rule_of,
)
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.framework.queries import areas_with_tasks
from coordination.meetings.models import Meeting
from coordination.organizations.models import Body, Mechanism
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.supervision.years import in_years, tasks_of_years
from coordination.timeutil import as_date, days_from, local_date_of, to_local
from coordination.visits.models import Visit
from workflows.assignment import OPEN_VALUES
from workflows.traffic import Light, TrafficRule, group_light

FIGURES = ("items", "assignments", "closed", "closed_on_time", "overdue", "at_risk")


def _share(part: int, whole: int) -> float | None:
    """A rate in per cent, or None when there is nothing to count (shown as "—", not 0 %)."""
    return 100.0 * part / whole if whole else None


@dataclass
class Figures:
    items: int = 0
    assignments: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    at_risk: int = 0

    @property
    def closed_percent(self) -> float | None:
        """Closed, of all the tasks."""
        return _share(self.closed, self.assignments)

    @property
    def on_time_percent(self) -> float | None:
        """Closed by the ORIGINAL deadline, of those closed (extensions do not excuse)."""
        return _share(self.closed_on_time, self.closed)

    @property
    def light(self) -> str:
        return group_light(self.assignments, self.overdue, self.at_risk).value

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class TaskRow:
    key_task: KeyTask
    figures: Figures


@dataclass
class AreaRow:
    """One of the 6 areas with its key tasks; area None is the row of the tasks that belong to
    no key task (meeting decisions and visit outcomes that name none)."""

    area: Area | None
    figures: Figures = field(default_factory=Figures)
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.area is None:
            return _("Meeting decisions / visit outcomes (no key task)")
        return f"（{self.area.numeral_zh}）{self.area.title_zh}"


def overview(
    mechanism_id: int,
    year: int,
    today: date,
    party_id: int | None = None,
    body_id: int | None = None,
    last_year: int | None = None,
    rule: TrafficRule | None = None,
) -> list[AreaRow]:
    """Per area and key task: items, tasks, closed, closed on time, overdue, at risk, for the
    tasks of the year (or of year..last_year), as supervision.years defines them. Overdue and at
    risk are the tasks' own traffic lights, in SQL. Items are the plan items of the year's plans
    (planned work, tasks or not) and the decisions and outcomes the year's tasks came from."""
    if rule is None:
        rule = traffic_rule_of(db.session.get(Mechanism, mechanism_id))
    light = light_sql(today, rule)
    conditions: list[ColumnElement[bool]] = []
    if party_id:
        conditions.append(Assignment.body_id.in_(select(Body.id).where(Body.party_id == party_id)))
    if body_id:
        conditions.append(Assignment.body_id == body_id)
    # What is counted travels in the subquery: one pass over the tasks, no join back to them.
    year_tasks = tasks_of_years(
        mechanism_id,
        year,
        last_year,
        columns=(
            Assignment.decision_id.label("decision_id"),
            Assignment.visit_outcome_id.label("visit_outcome_id"),
            case((Assignment.state == "closed", 1), else_=0).label("closed"),
            case((closed_on_time(), 1), else_=0).label("on_time"),
            case((light == Light.RED.value, 1), else_=0).label("red"),
            case((light == Light.YELLOW.value, 1), else_=0).label("yellow"),
        ),
        where=conditions,
    )

    def count_tasks() -> list[tuple[int | None, ...]]:
        counted = year_tasks.c
        # Sums group by hashing; the distinct decisions and outcomes (which would make PostgreSQL
        # sort every task) are counted over the tasks that came from them, a separate short pass.
        sources = dict(
            db.session.execute(
                select(
                    counted.key_task_id,
                    func.count(func.distinct(counted.decision_id))
                    + func.count(func.distinct(counted.visit_outcome_id)),
                )
                .where(counted.source != "plan_item")
                .group_by(counted.key_task_id)
            )
            .tuples()
            .all()
        )
        return [
            (key_task_id, sources.get(key_task_id, 0), *sums)
            for key_task_id, *sums in db.session.execute(
                select(
                    counted.key_task_id,
                    func.count(),
                    func.sum(counted.closed),
                    func.sum(counted.on_time),
                    func.sum(counted.red),
                    func.sum(counted.yellow),
                ).group_by(counted.key_task_id)
            )
        ]

    # The aggregate over every task of the year is the same for every reader: kept until a task
    # of the mechanism changes (or the day, the filters or the light's rule differ).
    rule_key = ",".join(f"{k}={v}" for k, v in sorted(rule.as_dict().items()))
    task_rows = datacache.remember(
        f"overview:{mechanism_id}:{year}:{last_year}:{party_id}:{body_id}:{today}:{rule_key}",
        [datacache.tasks_version_name(mechanism_id)],
        count_tasks,
    )
    item_rows = dict(
        db.session.execute(
            select(PlanItem.key_task_id, func.count(PlanItem.id))
            .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
            .where(AnnualPlan.mechanism_id == mechanism_id, AnnualPlan.year.between(year, last_year or year))
            .group_by(PlanItem.key_task_id)
        )
        .tuples()
        .all()
    )
    by_task = {row[0]: Figures(*(int(v or 0) for v in row[1:])) for row in task_rows}
    result = []
    for area in areas_with_tasks(mechanism_id):
        row = AreaRow(area)
        for task in area.key_tasks:
            figures = by_task.get(task.id, Figures())
            figures.items += item_rows.get(task.id, 0)
            row.tasks.append(TaskRow(task, figures))
            row.figures.add(figures)
        result.append(row)
    other = by_task.get(None)
    if other is not None and other.assignments:
        result.append(AreaRow(None, other))
    return result


def totals(rows: list[AreaRow]) -> Figures:
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return total


def years(mechanism_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(AnnualPlan.year)
            .where(AnnualPlan.mechanism_id == mechanism_id)
            .order_by(AnnualPlan.year.desc())
        )
    )


@dataclass
class UnitRow:
    body: Body
    assignments: int
    closed: int
    closed_on_time: int
    overdue: int
    late_days: int  # summed over tasks closed after their original deadline
    closed_late: int
    extensions_asked: int
    extensions_granted: int
    in_work: int = 0  # assigned, acknowledged, in progress or returned
    submitted: int = 0  # waiting for verification

    @property
    def on_time_percent(self) -> float | None:
        """Closed by the original deadline, of the unit's closed tasks."""
        return _share(self.closed_on_time, self.closed)

    @property
    def average_late_days(self) -> float | None:
        """Days late, averaged over the tasks closed late."""
        return self.late_days / self.closed_late if self.closed_late else None


def units(
    mechanism_id: int, year: int, today: date, party_id: int | None = None, last_year: int | None = None
) -> list[UnitRow]:
    """Per member unit: its tasks of the year, how many closed and closed on time against the
    original deadline, days late, overdue now, extensions asked and granted."""
    is_open = Assignment.state.in_(OPEN_VALUES)
    late = closed_late()
    in_year = in_years(mechanism_id, year, last_year)
    rows = db.session.execute(
        select(
            Assignment.body_id,
            func.count(Assignment.id),
            func.sum(case((Assignment.state == "closed", 1), else_=0)),
            func.sum(case((closed_on_time(), 1), else_=0)),
            func.sum(case((overdue_clause(today), 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
            func.sum(
                case(
                    (late, days_from(Assignment.original_deadline, local_date_of(Assignment.closed_at))),
                    else_=0,
                )
            ),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((Assignment.state == "submitted", 1), else_=0)),
        )
        .where(in_year)
        .group_by(Assignment.body_id)
    ).all()
    extensions = {
        body_id: (asked, granted)
        for body_id, asked, granted in db.session.execute(
            select(
                Assignment.body_id,
                func.count(ExtensionRequest.id),
                func.sum(case((ExtensionRequest.state == "approved", 1), else_=0)),
            )
            .join(Assignment, ExtensionRequest.assignment_id == Assignment.id)
            .where(in_year)
            .group_by(Assignment.body_id)
        )
    }
    bodies = {b.id: b for b in db.session.scalars(select(Body).where(Body.id.in_([r[0] for r in rows])))}
    result = []
    for body_id, total, closed, on_time, overdue, closed_late_count, late_days, in_work, submitted in rows:
        body = bodies[body_id]
        if party_id and body.party_id != party_id:
            continue
        asked, granted = extensions.get(body_id, (0, 0))
        result.append(
            UnitRow(
                body,
                total,
                int(closed or 0),
                int(on_time or 0),
                int(overdue or 0),
                int(late_days or 0),
                int(closed_late_count or 0),
                int(asked or 0),
                int(granted or 0),
                int(in_work or 0),
                int(submitted or 0),
            )
        )
    return sorted(result, key=lambda r: (r.body.party_id, -r.overdue, r.body.sort_order))


@dataclass
class PeriodFigures:
    """A span of years for the mid-term and final evaluation: each year's figures and which of
    the key tasks had work in which year."""

    years: list[tuple[int, Figures]]
    coverage: dict[int, dict[int, int]]  # key task id → year → plan items
    areas: list[Area]

    def covered(self, year: int) -> int:
        return sum(1 for by_year in self.coverage.values() if by_year.get(year))

    def never_covered(self) -> list[KeyTask]:
        return [t for a in self.areas for t in a.key_tasks if not self.coverage.get(t.id)]


def period_figures(mechanism_id: int, first_year: int, last_year: int, today: date) -> PeriodFigures:
    """Two grouped queries, whatever the number of years or tasks (and two for the framework)."""
    year_tasks = tasks_of_years(mechanism_id, first_year, last_year)
    figures = {
        year: Figures(0, int(n), int(closed or 0), int(on_time or 0), int(overdue or 0))
        for year, n, closed, on_time, overdue in db.session.execute(
            select(
                year_tasks.c.year,
                func.count(Assignment.id),
                func.sum(case((Assignment.state == "closed", 1), else_=0)),
                func.sum(case((closed_on_time(), 1), else_=0)),
                func.sum(case((overdue_clause(today), 1), else_=0)),
            )
            .select_from(Assignment)
            .join(year_tasks, year_tasks.c.assignment_id == Assignment.id)
            .group_by(year_tasks.c.year)
        )
    }
    in_span = and_(
        AnnualPlan.mechanism_id == mechanism_id, AnnualPlan.year >= first_year, AnnualPlan.year <= last_year
    )
    coverage: dict[int, dict[int, int]] = {}
    for year, key_task_id, items in db.session.execute(
        select(AnnualPlan.year, PlanItem.key_task_id, func.count(PlanItem.id))
        .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
        .where(in_span)
        .group_by(AnnualPlan.year, PlanItem.key_task_id)
    ):
        coverage.setdefault(key_task_id, {})[year] = items
        figures.setdefault(year, Figures()).items += items
    return PeriodFigures(sorted(figures.items()), coverage, areas_with_tasks(mechanism_id))


@dataclass
class Burndown:
    start: date
    end: date
    open: list[tuple[date, int]]  # tasks open at the end of each week, up to today
    planned: list[tuple[date, int]]  # tasks not yet due by their original deadline, whole year


def burndown(plan: AnnualPlan, today: date) -> Burndown:
    """Open tasks of the plan week by week. Three grouped queries (by day), summed in Python:
    the work does not grow with the number of tasks. Cancelled tasks are left out throughout."""
    start = plan.issued_on or date(plan.year, 1, 1)
    end = max(date(plan.year, 12, 31), start)
    in_plan = and_(
        Assignment.plan_item_id.in_(select(PlanItem.id).where(PlanItem.plan_id == plan.id)),
        Assignment.state != "cancelled",
    )

    def by_day(column, day) -> dict[date, int]:  # noqa: ANN001
        # Creation and closing are moments: their day is Beijing's.
        return {
            as_date(d): n
            for d, n in db.session.execute(
                select(day, func.count(Assignment.id)).where(in_plan, column.is_not(None)).group_by(day)
            )
        }

    created = by_day(Assignment.created_at, local_date_of(Assignment.created_at))
    closed = by_day(Assignment.closed_at, local_date_of(Assignment.closed_at))
    due = by_day(Assignment.original_deadline, func.date(Assignment.original_deadline))
    total = sum(created.values())
    weeks = [start + timedelta(days=7 * i) for i in range((end - start).days // 7 + 1)]
    if weeks[-1] != end:
        weeks.append(end)

    def upto(counts: dict[date, int], day: date) -> int:
        return sum(n for d, n in counts.items() if d <= day)

    return Burndown(
        start,
        end,
        [(w, upto(created, w) - upto(closed, w)) for w in weeks if w <= today],
        [(w, total - upto(due, w - timedelta(days=1))) for w in weeks],
    )


def upcoming(plan: AnnualPlan, today: date, days: int = 30, limit: int = 20) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
            .where(
                PlanItem.plan_id == plan.id,
                Assignment.state.in_(OPEN_VALUES),
                Assignment.current_deadline <= today + timedelta(days=days),
            )
            .order_by(Assignment.current_deadline, Assignment.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Event:
    on: date
    kind: str  # meeting / visit
    title: str
    state: str
    id: int


def timeline(mechanism_id: int, first: date, last: date) -> list[Event]:
    """Meetings and visits between two dates, in date order (cancelled ones shown as such)."""
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.mechanism_id == mechanism_id,
            Meeting.starts_at >= datetime.combine(first - timedelta(days=1), datetime.min.time()),
            Meeting.starts_at < datetime.combine(last + timedelta(days=2), datetime.min.time()),
        )
    )
    events = [
        Event(to_local(m.starts_at).date(), "meeting", m.title, m.state, m.id)
        for m in meetings
        if first <= to_local(m.starts_at).date() <= last
    ]
    events += [
        Event(v.starts_on, "visit", v.title, v.state, v.id)
        for v in db.session.scalars(
            select(Visit).where(Visit.mechanism_id == mechanism_id, Visit.starts_on.between(first, last))
        )
    ]
    return sorted(events, key=lambda e: (e.on, e.kind, e.id))

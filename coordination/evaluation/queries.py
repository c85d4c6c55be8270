"""Each member unit's record over an evaluated span of years, scored by the mechanism's rubric.

What counts: every task of the span's years as coordination.supervision.years defines them (plan
items by the plan's year, meeting decisions and visit outcomes by the meeting's or visit's year),
cancelled tasks left out: the same tasks the overview and the unit table count. Timeliness is judged against
that original deadline; an approved extension does not excuse lateness, it is counted separately.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Date, and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from coordination.assignments.models import Assignment, ExtensionRequest, ProgressReport
from coordination.assignments.queries import closed_on_time
from coordination.auth.models import User
from coordination.evaluation.models import EvaluationAdjustment
from coordination.extensions import db
from coordination.organizations.models import Body, Mechanism
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.supervision.years import in_years
from coordination.timeutil import as_date, local_date_of
from workflows import evaluation
from workflows.reminders import period_ends

CREDITED_PER_UNIT = 3


@dataclass(frozen=True)
class Scope:
    key: str  # "2026", "midterm", "final"
    first_year: int
    last_year: int

    @property
    def is_year(self) -> bool:
        return self.key.isdigit()

    @property
    def label(self) -> str:
        if self.is_year:
            return _("Year %(year)d", year=self.first_year)
        kind = _("Mid-term evaluation") if self.key == "midterm" else _("Final evaluation")
        return f"{kind} {self.first_year}–{self.last_year}"


def scopes(mechanism: Mechanism) -> list[Scope]:
    """Each year of the period, then the mid-term (first half) and final (whole period) spans."""
    middle = (mechanism.period_start + mechanism.period_end) // 2
    return [
        *(Scope(str(y), y, y) for y in range(mechanism.period_end, mechanism.period_start - 1, -1)),
        Scope("midterm", mechanism.period_start, middle),
        Scope("final", mechanism.period_start, mechanism.period_end),
    ]


def scope_of(mechanism: Mechanism, key: str | None) -> Scope | None:
    return next((s for s in scopes(mechanism) if s.key == key), None)


def rubric_of(mechanism: Mechanism) -> evaluation.Rubric:
    return evaluation.Rubric.from_dict(mechanism.evaluation_rubric)


@dataclass
class Result:
    body: Body
    record: evaluation.UnitRecord
    components: dict[str, float]
    computed: float
    adjustment: EvaluationAdjustment | None
    final: float
    rank: int = 0
    commended: bool = False
    credited: list[tuple[User, int]] = field(default_factory=list)  # people, tasks they closed

    @property
    def rates(self) -> dict[str, float | None]:
        """Each component in per cent, None where there is nothing to measure yet."""
        shown = evaluation.measured(self.record)
        return {name: 100 * share if shown[name] else None for name, share in self.components.items()}


def _in_scope(mechanism_id: int, scope: Scope) -> ColumnElement[bool]:
    return in_years(mechanism_id, scope.first_year, scope.last_year)


def records(mechanism_id: int, scope: Scope, today: date) -> dict[int, evaluation.UnitRecord]:
    """Per unit id, its record as of today: three aggregate queries and one per-task pass for
    reporting discipline (which follows each plan's cadence, as the reminders do)."""
    where = _in_scope(mechanism_id, scope)
    closed = Assignment.state == "closed"
    on_time = closed_on_time()
    due = closed | (Assignment.original_deadline < today)
    totals = db.session.execute(
        select(
            Assignment.body_id,
            func.count(Assignment.id),
            func.sum(case((closed, 1), else_=0)),
            func.sum(case((due, 1), else_=0)),
            func.sum(case((on_time, 1), else_=0)),
            func.sum(case((and_(closed, Assignment.quality.is_not(None)), Assignment.quality), else_=0)),
            func.sum(case((and_(closed, Assignment.quality.is_not(None)), 1), else_=0)),
        )
        .where(where)
        .group_by(Assignment.body_id)
    ).all()
    extended = dict(
        db.session.execute(
            select(Assignment.body_id, func.count(func.distinct(Assignment.id)))
            .join(ExtensionRequest, ExtensionRequest.assignment_id == Assignment.id)
            .where(where, ExtensionRequest.state == "approved")
            .group_by(Assignment.body_id)
        )
        .tuples()
        .all()
    )
    report_counts = (
        select(ProgressReport.assignment_id, func.count().label("n"))  # count(*): read from the index alone
        .group_by(ProgressReport.assignment_id)
        .subquery()
    )
    # Reports fell due at each period end while the task was open, up to its deadline: the
    # count depends only on (cadence, issue date, end date), so tasks are grouped by those and
    # by their number of reports, and each group is worked out once.
    closed_day = local_date_of(Assignment.closed_at)
    end = case(
        (and_(Assignment.closed_at.is_not(None), closed_day < Assignment.current_deadline), closed_day),
        (and_(Assignment.closed_at.is_(None), Assignment.current_deadline > today), literal(today, Date)),
        else_=Assignment.current_deadline,
    )
    filed: Counter[int] = Counter()
    expected: Counter[int] = Counter()
    owed_by_span: dict[tuple[str, date, date], int] = {}
    reports = func.coalesce(report_counts.c.n, 0)
    for body_id, issued_on, cadence, last_day, count, tasks in db.session.execute(
        select(
            Assignment.body_id, AnnualPlan.issued_on, AnnualPlan.report_cadence, end, reports, func.count()
        )
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
        .outerjoin(report_counts, report_counts.c.assignment_id == Assignment.id)
        .where(where, AnnualPlan.issued_on.is_not(None))
        .group_by(Assignment.body_id, AnnualPlan.issued_on, AnnualPlan.report_cadence, end, reports)
    ):
        last_day = as_date(last_day)
        if (cadence, issued_on, last_day) not in owed_by_span:  # a few hundred spans, many groups
            owed_by_span[cadence, issued_on, last_day] = (
                len(period_ends(cadence, issued_on, last_day)) if last_day >= issued_on else 0
            )
        owed = owed_by_span[cadence, issued_on, last_day]
        expected[body_id] += owed * tasks
        filed[body_id] += min(count, owed) * tasks
    return {
        body_id: evaluation.UnitRecord(
            tasks=tasks,
            closed=int(n_closed or 0),
            due=int(n_due or 0),
            closed_on_time=int(n_on_time or 0),
            extended=extended.get(body_id, 0),
            quality_sum=int(q_sum or 0),
            quality_count=int(q_count or 0),
            reports_filed=filed[body_id],
            reports_expected=expected[body_id],
        )
        for body_id, tasks, n_closed, n_due, n_on_time, q_sum, q_count in totals
    }


def _credited(mechanism_id: int, scope: Scope, body_ids: set[int]) -> dict[int, list[tuple[User, int]]]:
    """Who did the work on a unit's closed tasks: those who acknowledged them or reported on them,
    with the number of closed tasks each took part in."""
    if not body_ids:
        return {}
    where = and_(
        _in_scope(mechanism_id, scope), Assignment.state == "closed", Assignment.body_id.in_(body_ids)
    )
    reporters = select(Assignment.body_id, Assignment.id, ProgressReport.author_id).join(
        ProgressReport, ProgressReport.assignment_id == Assignment.id
    )
    acknowledgers = select(Assignment.body_id, Assignment.id, Assignment.acknowledged_by_id).where(
        Assignment.acknowledged_by_id.is_not(None)
    )
    both = reporters.where(where).union(acknowledgers.where(where))
    pairs = {tuple(row) for row in db.session.execute(both)}
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for body_id, _assignment_id, user_id in pairs:
        counts[body_id][user_id] += 1
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({p[2] for p in pairs})))}
    return {
        body_id: [(users[user_id], n) for user_id, n in counter.most_common(CREDITED_PER_UNIT)]
        for body_id, counter in counts.items()
    }


def results(mechanism: Mechanism, scope: Scope, today: date) -> list[Result]:
    """Every evaluated unit with its score, ranked within its party; commendation proposed by
    the rubric, individuals credited for the proposed units."""
    rubric = rubric_of(mechanism)
    by_body = records(mechanism.id, scope, today)
    bodies = {b.id: b for b in db.session.scalars(select(Body).where(Body.id.in_(by_body)))}
    adjustments = {
        a.body_id: a
        for a in db.session.scalars(
            select(EvaluationAdjustment).where(
                EvaluationAdjustment.mechanism_id == mechanism.id, EvaluationAdjustment.scope == scope.key
            )
        )
    }
    rows = []
    for body_id, record in by_body.items():
        computed = evaluation.score(record, rubric)
        adjustment = adjustments.get(body_id)
        rows.append(
            Result(
                body=bodies[body_id],
                record=record,
                components=evaluation.components(record),
                computed=computed,
                adjustment=adjustment,
                final=evaluation.final(computed, adjustment.points if adjustment else 0.0),
            )
        )
    by_party: dict[int, list[Result]] = defaultdict(list)
    for row in rows:
        by_party[row.body.party_id].append(row)
    for party_rows in by_party.values():
        pairs = [(row.body.id, row.final) for row in party_rows]
        ranking = evaluation.ranks(pairs)
        chosen = evaluation.commended(pairs, rubric)
        for row in party_rows:
            row.rank = ranking[row.body.id]
            row.commended = row.body.id in chosen
    credited = _credited(mechanism.id, scope, {row.body.id for row in rows if row.commended})
    for row in rows:
        row.credited = credited.get(row.body.id, [])
    return sorted(rows, key=lambda r: (r.body.party_id, r.rank, r.body.sort_order))

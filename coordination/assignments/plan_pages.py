"""The plan list and the plan page: plans with their tasks. They read the tasks, so they are drawn
here, a layer above the plans, and registered on the plans blueprint, whose URLs they keep."""

from __future__ import annotations

from collections import defaultdict

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from coordination import permissions
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.organizations.models import Mechanism
from coordination.organizations.queries import current_mechanism
from coordination.plans import operations as plan_operations
from coordination.plans import queries as plan_queries
from coordination.plans.forms import CadenceForm, CommentForm
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.plans.views import bp, plan_or_404
from coordination.submissions import new_key
from coordination.timeutil import local_today
from workflows import plan as plan_flow
from workflows.base import allowed_actions


def plans_of(mechanism: Mechanism) -> list[tuple[AnnualPlan, int, int]]:
    """Plans newest first, with their item and assignment counts."""
    items = select(PlanItem.plan_id, func.count().label("n")).group_by(PlanItem.plan_id).subquery()
    assignments = (
        select(PlanItem.plan_id, func.count(Assignment.id).label("n"))
        .join(Assignment, Assignment.plan_item_id == PlanItem.id)
        .group_by(PlanItem.plan_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AnnualPlan, func.coalesce(items.c.n, 0), func.coalesce(assignments.c.n, 0))
        .outerjoin(items, items.c.plan_id == AnnualPlan.id)
        .outerjoin(assignments, assignments.c.plan_id == AnnualPlan.id)
        .where(AnnualPlan.mechanism_id == mechanism.id)
        .order_by(AnnualPlan.year.desc())
    ).all()
    return [tuple(r) for r in rows]


def assignments_by_item(plan: AnnualPlan) -> dict[int, list[Assignment]]:
    rows = db.session.scalars(
        select(Assignment)
        .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
        .where(PlanItem.plan_id == plan.id)
        .order_by(Assignment.role, Assignment.id)
    ).all()
    grouped: dict[int, list[Assignment]] = defaultdict(list)
    for a in rows:
        if a.plan_item_id is not None:  # always, by the join
            grouped[a.plan_item_id].append(a)
    return grouped


@bp.route("/")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    rows = [r for r in plans_of(mechanism) if permissions.can_view_plan(current_user, r[0])]
    return render_template("plans/index.html", rows=rows, manage=permissions.can_manage_plans(current_user))


@bp.route("/<int:plan_id>")
@permissions.require(permissions.can_read_mechanism)
def show(plan_id: int) -> ResponseReturnValue:
    plan = plan_or_404(plan_id)
    state = plan_flow.PlanState(plan.state)
    # The guards' facts, so only steps that can succeed are offered; the meeting to submit to is
    # chosen on the submit page, adoption needs the one the plan is on.
    context = {
        "item_count": len(plan.items),
        "meeting_id": plan.meeting_id if state == plan_flow.PlanState.SUBMITTED else "chosen on submit",
        "meeting_state": plan.meeting.state if plan.meeting else None,
        "items_without_units": sum(1 for i in plan.items if not i.lead_units),
    }
    actions = allowed_actions(plan_flow.TRANSITIONS, state, plan_operations.plan_roles(current_user), context)
    return render_template(
        "plans/show.html",
        plan=plan,
        groups=plan_queries.items_by_area(plan),
        assignments=assignments_by_item(plan) if plan.issued_at else {},
        comments=plan_queries.comments_by_item(plan),
        editable=permissions.can_manage_plans(current_user)
        and (state in plan_flow.EDITABLE_STATES or state == plan_flow.PlanState.ISSUED),
        draft=permissions.can_manage_plans(current_user) and state == plan_flow.PlanState.DRAFT,
        amending=state == plan_flow.PlanState.ISSUED,
        actions=actions,
        can_comment=permissions.can_comment_on_plan(current_user, plan),
        comment_form=CommentForm(),
        one_time_key=new_key,  # each item's comment form its own
        cadence_form=CadenceForm(formdata=None, report_cadence=plan.report_cadence),
        today=local_today(),
    )

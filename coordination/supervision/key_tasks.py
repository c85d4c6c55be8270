"""The key-task page (/framework/key-tasks/N): the chain read downwards, key task → plan items by
year → the units' tasks. It reads plans and tasks, so it is drawn here, above them, and
registered on the framework blueprint, whose URL it keeps."""

from __future__ import annotations

from collections import defaultdict

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from coordination import permissions
from coordination.assignments.models import Assignment
from coordination.auth.models import User
from coordination.extensions import db
from coordination.framework import bp
from coordination.framework.models import KeyTask
from coordination.organizations.queries import current_mechanism
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.supervision.years import tasks_of_years


def other_tasks_of_key_task(task: KeyTask) -> list[Assignment]:
    """Tasks under a key task that came from meeting decisions or visit outcomes, newest first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.key_task_id == task.id, Assignment.plan_item_id.is_(None))
            .order_by(Assignment.created_at.desc(), Assignment.id)
        )
    )


def key_task_years(task: KeyTask) -> list[tuple[int, int, int]]:
    """(year, tasks, closed) for every year with tasks under the key task, counted as every other
    figure counts them (coordination.supervision.years)."""
    year_tasks = tasks_of_years(task.mechanism_id, 1, 9999)
    return [
        (int(year), int(n), int(closed or 0))
        for year, n, closed in db.session.execute(
            select(
                year_tasks.c.year,
                func.count(Assignment.id),
                func.sum(case((Assignment.state == "closed", 1), else_=0)),
            )
            .join(year_tasks, year_tasks.c.assignment_id == Assignment.id)
            .where(year_tasks.c.key_task_id == task.id)
            .group_by(year_tasks.c.year)
            .order_by(year_tasks.c.year.desc())
        )
    ]


def items_of_key_task(task: KeyTask, user: User) -> tuple[list[PlanItem], dict[int, list[Assignment]]]:
    """Plan items under a key task that the user may see, newest year first, with their tasks."""
    items = db.session.scalars(
        select(PlanItem)
        .join(AnnualPlan)
        .where(PlanItem.key_task_id == task.id)
        # The units say whether a liaison may open a co-operating unit's task (leads_item_of).
        .options(selectinload(PlanItem.plan), selectinload(PlanItem.units))
        .order_by(AnnualPlan.year.desc(), PlanItem.position)
    ).all()
    items = [i for i in items if permissions.can_view_plan(user, i.plan)]
    by_item: dict[int, list[Assignment]] = defaultdict(list)
    if items:
        for a in db.session.scalars(
            select(Assignment)
            .where(Assignment.plan_item_id.in_([i.id for i in items]))
            .order_by(Assignment.role)
        ):
            if a.plan_item_id is not None:  # always: the query asks for these items' tasks
                by_item[a.plan_item_id].append(a)
    return list(items), by_item


@bp.route("/framework/key-tasks/<int:number>")
@permissions.require(permissions.can_read_mechanism)
def key_task(number: int) -> ResponseReturnValue:
    """The chain read downwards: key task → plan items by year → the units' tasks."""
    mechanism = current_mechanism()
    task = db.first_or_404(
        select(KeyTask).where(KeyTask.mechanism_id == mechanism.id, KeyTask.number == number)
    )
    items, by_item = items_of_key_task(task, current_user)
    return render_template(
        "framework/key_task.html",
        task=task,
        items=items,
        by_item=by_item,
        years=key_task_years(task),
        others=[(a, permissions.can_view_assignment(current_user, a)) for a in other_tasks_of_key_task(task)],
    )

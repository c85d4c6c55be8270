from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from coordination import permissions
from coordination.extensions import db
from coordination.framework import queries
from coordination.organizations.queries import current_mechanism

bp = Blueprint("framework", __name__)


@bp.route("/framework")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    return render_template(
        "framework/index.html", mechanism=mechanism, areas=queries.areas_with_tasks(mechanism)
    )


@bp.route("/framework/key-tasks/<int:number>")
@permissions.require(permissions.can_read_mechanism)
def key_task(number: int) -> ResponseReturnValue:
    """The chain read downwards: key task → plan items by year → the units' tasks."""
    from coordination.framework.models import KeyTask

    mechanism = current_mechanism()
    task = db.first_or_404(
        select(KeyTask).where(KeyTask.mechanism_id == mechanism.id, KeyTask.number == number)
    )
    items, by_item = queries.items_of_key_task(task, current_user)
    return render_template(
        "framework/key_task.html",
        task=task,
        items=items,
        by_item=by_item,
        years=queries.key_task_years(task),
        others=[
            (a, permissions.can_view_assignment(current_user, a))
            for a in queries.other_tasks_of_key_task(task)
        ],
    )

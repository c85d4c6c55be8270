from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import joinedload

from coordination import datacache, permissions
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.assignments.queries import open_states, overdue_clause
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.jobs import redis_available
from coordination.organizations.models import Body
from coordination.organizations.queries import current_mechanism
from coordination.timeutil import local_today
from coordination.urls import reaches_only_this_machine
from workflows.assignment import OPEN_VALUES
from workflows.workdays import add_workdays

bp = Blueprint("main", __name__)


@bp.route("/")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    tier_counts = dict(
        db.session.execute(
            select(Body.tier, func.count())
            .where(Body.mechanism_id == mechanism.id, Body.active.is_(True))
            .group_by(Body.tier)
        )
        .tuples()
        .all()
    )
    counts = {
        "areas": db.session.scalar(select(func.count()).where(Area.mechanism_id == mechanism.id)),
        "key_tasks": db.session.scalar(select(func.count()).where(KeyTask.mechanism_id == mechanism.id)),
    }
    return render_template(
        "main/index.html",
        mechanism=mechanism,
        tier_counts=tier_counts,
        counts=counts,
        work=_my_work(mechanism.id),
    )


def _my_work(mechanism_id: int) -> dict[str, object]:
    """What needs the user's attention: their units' tasks, or the whole mechanism's."""
    today = local_today()
    soon = add_workdays(today, 5)
    scope: list[ColumnElement[bool]] = [Assignment.mechanism_id == mechanism_id]
    everything = permissions.reads_everything(current_user)
    if not everything:
        scope.append(Assignment.body_id.in_(permissions.liaison_body_ids(current_user) or {-1}))

    def count() -> tuple[int, ...]:
        # One pass over the scope's own rows (a filter on the table, not IN a subquery of it).
        row = db.session.execute(
            select(
                func.count().filter(Assignment.state.in_(OPEN_VALUES)),
                func.count().filter(overdue_clause(today)),
                func.count().filter(
                    Assignment.state.in_(OPEN_VALUES), Assignment.current_deadline.between(today, soon)
                ),
                func.count().filter(Assignment.state == "assigned"),
                func.count().filter(Assignment.state == "returned"),
                func.count().filter(Assignment.state == "submitted"),
            ).where(*scope)
        ).one()
        pending = db.session.scalar(
            select(func.count())
            .select_from(ExtensionRequest)
            .join(Assignment, ExtensionRequest.assignment_id == Assignment.id)
            .where(ExtensionRequest.state == "pending", *scope)
        )
        return (*(int(v) for v in row), int(pending or 0))

    # The whole mechanism's counts are the same for every reader: kept until a task changes.
    figures = (
        datacache.remember(
            f"home-counts:{mechanism_id}:{today}:{soon}", [datacache.tasks_version_name(mechanism_id)], count
        )
        if everything
        else count()
    )
    upcoming = db.session.scalars(
        select(Assignment)
        .where(*scope, open_states())
        .options(joinedload(Assignment.body))
        .order_by(Assignment.current_deadline, Assignment.id)
        .limit(8)
    ).all()
    keys = ("open", "overdue", "due_soon", "to_acknowledge", "returned", "to_verify", "pending_extensions")
    return {
        **dict(zip(keys, figures, strict=True)),
        "upcoming": upcoming,
        "today": today,
        "soon": soon,
        "verifier": permissions.can_verify(current_user),
    }


@bp.route("/admin")
@permissions.require(permissions.can_administer)
def admin() -> ResponseReturnValue:
    """Where mail goes and which address its links carry, with the administration pages."""
    config = current_app.config
    base_url = config["SERVER_BASE_URL"]
    return render_template(
        "main/admin.html",
        base_url=base_url,
        mail_server=config["MAIL_SERVER"],
        mail_port=config["MAIL_PORT"],
        sender=config["MAIL_DEFAULT_SENDER"],
        # Links only this machine opens, in mail that leaves it: recipients would get nowhere.
        unreachable_links=bool(config["MAIL_SERVER"]) and reaches_only_this_machine(base_url),
        redis_ok=redis_available(),
    )


@bp.route("/healthz")
def health() -> ResponseReturnValue:
    """For load balancers and the fault tests: is the database reachable?"""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(database="down"), 503
    return jsonify(database="ok")

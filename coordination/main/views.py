from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from sqlalchemy import func, select, text

from coordination import permissions
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.organizations.models import Body
from coordination.organizations.queries import current_mechanism

bp = Blueprint("main", __name__)


@bp.route("/")
@permissions.require(permissions.can_read_mechanism)
def index() -> Any:
    mechanism = current_mechanism()
    tier_counts = dict(
        db.session.execute(
            select(Body.tier, func.count())
            .where(Body.mechanism_id == mechanism.id, Body.active.is_(True))
            .group_by(Body.tier)
        ).all()
    )
    counts = {
        "areas": db.session.scalar(select(func.count()).where(Area.mechanism_id == mechanism.id)),
        "key_tasks": db.session.scalar(select(func.count()).where(KeyTask.mechanism_id == mechanism.id)),
    }
    return render_template("main/index.html", mechanism=mechanism, tier_counts=tier_counts, counts=counts)


@bp.route("/healthz")
def health() -> Any:
    """For load balancers and the fault tests: is the database reachable?"""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify(database="down"), 503
    return jsonify(database="ok")

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from coordination import permissions
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.labels import AUDIT_ACTION_LABELS, field_label, readable_value
from coordination.timeutil import to_utc
from coordination.views_util import date_arg, int_arg, page_arg, page_count, search_arg

bp = Blueprint("audit", __name__)


def _day_arg(name: str) -> datetime | None:
    """A local (Asia/Shanghai) day from the filter, as the naive UTC instant it starts at."""
    day = date_arg(request.args, name)
    if day is None:
        return None
    return to_utc(datetime.combine(day, time()))


@bp.route("/admin/audit")
@permissions.require(permissions.can_view_audit)
def index() -> ResponseReturnValue:
    query = select(AuditEvent)
    filters = {
        "action": search_arg(request.args, "action"),
        "object_type": search_arg(request.args, "object_type"),
        "object_id": int_arg(request.args, "object_id"),
        "actor": search_arg(request.args, "actor"),
        "since": request.args.get("since") or "",
        "until": request.args.get("until") or "",
    }
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    if filters["actor"]:
        query = query.where(AuditEvent.actor.has(username=filters["actor"]))
    if since := _day_arg("since"):
        query = query.where(AuditEvent.at >= since)
    if until := _day_arg("until"):
        query = query.where(AuditEvent.at < until + timedelta(days=1))
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((page - 1) * size).limit(size)
    ).all()
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    object_types = db.session.scalars(
        select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    ).all()
    return render_template(
        "audit/index.html",
        events=events,
        filters=filters,
        filter_args={k: v for k, v in filters.items() if v},
        page=page,
        pages=page_count(total, size),
        total=total,
        actions=actions,
        object_types=object_types,
        action_labels={code: str(label) for code, label in AUDIT_ACTION_LABELS.items()},
        field_label=field_label,
        changes=changes,
    )


def changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """Before and after side by side, field by field, in words (a field kept by both shows
    once even when it did not change: snapshots name what the action touched)."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        (
            name,
            readable_value(name, before.get(name), event.object_type),
            readable_value(name, after.get(name), event.object_type),
        )
        for name in names
    ]

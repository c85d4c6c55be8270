"""The 通知 page (every notification a person was given: events and reminders alike), marking
them read, the person's e-mail setting, and who is told of what (administrators)."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from coordination import permissions
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.labels import NOTIFICATION_KIND_LABELS
from coordination.notifications import operations
from coordination.notifications.notice import link_of
from coordination.organizations.models import Body
from coordination.organizations.queries import current_mechanism
from coordination.urls import safe_next
from coordination.views_util import attempt, page_arg, page_count
from workflows.notifications import CHOOSABLE, FIXED_KINDS, KINDS, audiences_of

bp = Blueprint("notifications", __name__)
ONE_ID = re.compile(r"[0-9]{1,15}")  # ASCII digits that fit a database integer


@bp.route("/notifications")
@permissions.require(permissions.can_read_mechanism)
def inbox() -> ResponseReturnValue:
    kind = request.args.get("kind") or ""
    kind = kind if kind in NOTIFICATION_KIND_LABELS else ""
    unread_only = request.args.get("unread") == "1"
    query = select(Notification).where(Notification.user_id == current_user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    units = {
        body.id: body.short_name or body.name_zh
        for body in db.session.scalars(
            select(Body).where(Body.id.in_({r.unit_id for r in rows if r.unit_id}))
        )
    }
    filter_args = {k: v for k, v in {"kind": kind, "unread": "1" if unread_only else ""}.items() if v}
    return render_template(
        "notifications/inbox.html",
        rows=[(row, units.get(row.unit_id or 0, ""), link_of(row.object_key)) for row in rows],
        kinds=list(NOTIFICATION_KIND_LABELS),
        kind=kind,
        unread_only=unread_only,
        filter_args=filter_args,
        page=page,
        pages=page_count(total, size),
        total=total,
    )


@bp.route("/notifications/<int:notification_id>/open")
@permissions.require(permissions.can_read_mechanism)
def open_one(notification_id: int) -> ResponseReturnValue:
    """Follow a notification to its object, marking it read on the way."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        return redirect(url_for("notifications.inbox"))
    if row.read_at is None:
        attempt(lambda: operations.mark_read(current_user, [row.id]))
    return redirect(link_of(row.object_key))


@bp.route("/notifications/read", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def read() -> ResponseReturnValue:
    """Mark one (notification_id in the form) or all read."""
    raw = request.form.get("notification_id")
    back = redirect(safe_next(request.form.get("next"), url_for("notifications.inbox")))
    if raw is not None and not ONE_ID.fullmatch(raw):
        return back  # not one of the user's notifications: nothing to mark (never "all")
    ids = [int(raw)] if raw is not None else None
    done = attempt(lambda: operations.mark_read(current_user, ids))
    if done and ids is None and done.value:
        flash(_("%(count)d notifications marked as read.", count=done.value), "success")
    return back


@bp.route("/account/notifications", methods=["GET", "POST"])
@permissions.require(permissions.can_read_mechanism)
def settings() -> ResponseReturnValue:
    if request.method == "POST":
        mode = request.form.get("email_mode") or ""
        done = attempt(lambda: operations.set_email_mode(current_user, mode))
        if done and done.value:
            flash(_("Saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html")


@bp.route("/admin/notification-audiences", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def audiences() -> ResponseReturnValue:
    mechanism = current_mechanism()
    if request.method == "POST":
        chosen = {kind: request.form.getlist(kind) for kind in KINDS if kind not in FIXED_KINDS}
        done = attempt(lambda: operations.set_audiences(mechanism, current_user, chosen))
        if done:
            flash(_("Saved.") if done.value else _("Nothing was changed."), "success")
            return redirect(url_for("notifications.audiences"))
    overrides = mechanism.notification_audiences or {}
    return render_template(
        "notifications/audiences.html",
        kinds=[k for k in KINDS if k not in FIXED_KINDS],
        choosable=[a.value for a in CHOOSABLE],
        current={k: {a.value for a in audiences_of(k, overrides)} for k in KINDS},
        default={k: {a.value for a in audiences_of(k)} for k in KINDS},
        mechanism=mechanism,
    )

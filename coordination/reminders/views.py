from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update

from coordination import permissions
from coordination.audit.operations import record
from coordination.extensions import db
from coordination.jobs import redis_available
from coordination.reminders import delivery
from coordination.reminders.models import Reminder
from coordination.timeutil import utcnow
from coordination.views_util import page_arg

bp = Blueprint("reminders", __name__)


def unread_count(user: Any) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.user_id == user.id, Reminder.status == "sent", Reminder.read_at.is_(None))
        )
        or 0
    )


@bp.route("/notifications")
@permissions.require(permissions.can_read_mechanism)
def notifications() -> Any:
    rows = db.session.scalars(
        select(Reminder)
        .where(Reminder.user_id == current_user.id, Reminder.status == "sent")
        .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "reminders/notifications.html",
        rows=[(row, delivery.describe(row), delivery.link_of(row)) for row in rows],
    )


@bp.route("/notifications/read", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def mark_read() -> Any:
    db.session.execute(
        update(Reminder)
        .where(Reminder.user_id == current_user.id, Reminder.status == "sent", Reminder.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("reminders.notifications"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@permissions.require(permissions.can_read_mechanism)
def settings() -> Any:
    if request.method == "POST":
        mode = request.form.get("email_mode")
        if mode not in ("digest", "immediate"):
            flash(_("Not a valid choice."), "error")
        elif mode != current_user.email_mode:
            before = {"email_mode": current_user.email_mode}
            current_user.email_mode = mode
            record(
                "user.email_mode",
                current_user,
                before=before,
                after={"email_mode": mode},
                actor_id=current_user.id,
            )
            db.session.commit()
            flash(_("Saved."), "success")
        return redirect(url_for("reminders.settings"))
    return render_template("reminders/settings.html")


@bp.route("/admin/reminders")
@permissions.require(permissions.can_administer)
def admin() -> Any:
    status = request.args.get("status") or "failed"
    if status not in ("pending", "sending", "sent", "failed", "cancelled"):
        status = "failed"
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    rows = db.session.scalars(
        select(Reminder)
        .where(Reminder.status == status)
        .order_by(Reminder.due_at.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    counts = dict(db.session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all())
    return render_template(
        "reminders/admin.html", rows=rows, status=status, counts=counts, redis_ok=redis_available(), page=page
    )


@bp.route("/admin/reminders/<int:reminder_id>/retry", methods=["POST"])
@permissions.require(permissions.can_administer)
def retry(reminder_id: int) -> Any:
    row = db.get_or_404(Reminder, reminder_id)
    if row.status != "failed":
        flash(_("Only failed messages are retried by hand."), "error")
    else:
        delivery.retry(row)
        record("reminder.retry", row, summary=row.subject, actor_id=current_user.id)
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("reminders.admin", status="failed"))

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
from coordination.timeutil import local_today, utcnow
from coordination.views_util import page_arg
from workflows.workdays import note_year

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
        "reminders/admin.html",
        rows=rows,
        status=status,
        counts=counts,
        redis_ok=redis_available(),
        page=page,
        describe=delivery.describe,
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


@bp.route("/admin/reminder-policy", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def policy() -> Any:
    from coordination.organizations.queries import current_mechanism
    from coordination.reminders import operations
    from coordination.reminders.forms import PolicyForm
    from coordination.reminders.schedule import policy_of
    from workflows.reminders import Policy

    mechanism = current_mechanism()
    current = policy_of(mechanism)
    form = PolicyForm(data=operations.policy_form_data(current)) if request.method == "GET" else PolicyForm()
    if form.validate_on_submit():
        new = Policy(
            before=form.before_days,
            on_the_day=form.on_the_day.data,
            urge_every=form.urge_every.data,
            urge_horizon=current.urge_horizon,
            escalate_unit_head=form.escalate_unit_head.data,
            escalate_lead_department=form.escalate_lead_department.data,
            escalate_leading_group=form.escalate_leading_group.data,
            report_before=form.report_before.data,
            report_urge_after=form.report_urge_after.data,
            meeting_days_before=form.meeting_days,
            organiser_chase_days_before=form.organiser_chase_days_before.data,
        )
        operations.set_policy(mechanism, current_user, new)
        db.session.commit()
        flash(_("Saved. Scheduled reminders are being brought in line with the new rules."), "success")
        return redirect(url_for("reminders.policy"))
    today = local_today()
    for year in (today.year, today.year + 1):  # the rules place reminders on working mornings
        note_year(year)
    return render_template("reminders/policy.html", form=form, mechanism=mechanism)

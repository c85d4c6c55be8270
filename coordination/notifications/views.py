"""Public RSVP pages (no login: external guests answer too), the personal calendar feed, and
the administrators' view of outgoing mail."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from coordination import permissions
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.calendar import feed
from coordination.events import operations as event_ops
from coordination.events import rsvp
from coordination.extensions import db, limiter
from coordination.jobs import redis_available
from coordination.notifications import mail
from coordination.notifications.models import OutgoingMail
from coordination.timeutil import to_local
from coordination.views_util import attempt, page_arg, search_arg

bp = Blueprint("rsvp", __name__)


@bp.route("/rsvp/<token>/<any(accepted, declined, tentative):answer>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def answer(token: str, answer: str) -> Any:
    """GET shows what will be recorded; POST records it (mail scanners that follow links must not answer)."""
    attendee = rsvp.attendee_from(token)
    if attendee is None:
        return render_template(
            "rsvp/answer.html",
            attendee=None,
            message=_("This answer link is not valid. Use the link in your latest invitation."),
        ), 404
    event = attendee.meeting or attendee.visit
    if request.method == "POST":
        if attempt(lambda: event_ops.answer(attendee, answer)):
            return render_template(
                "rsvp/answer.html", attendee=attendee, event=event, answer=answer, done=True
            )
    return render_template(
        "rsvp/answer.html",
        attendee=attendee,
        event=event,
        answer=answer,
        done=False,
        starts=to_local(event.starts_at) if hasattr(event, "starts_at") else None,
    )


@bp.route("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def calendar_feed(token: str) -> Any:
    user = db.session.scalar(select(User).where(User.ics_token == token)) if len(token) >= 32 else None
    if user is None or not user.active:
        abort(404)
    return Response(feed.for_user(user), mimetype="text/calendar")


@bp.route("/account/calendar", methods=["GET", "POST"])
@permissions.require(permissions.can_read_mechanism)
def my_calendar() -> Any:
    if request.method == "POST":
        renew = current_user.ics_token is not None
        current_user.ics_token = secrets.token_urlsafe(32)
        record(
            "user.calendar_token",
            current_user,
            summary="renewed" if renew else "created",
            actor_id=current_user.id,
        )
        db.session.commit()
        flash(
            _("A new feed address was made; the old one no longer works.")
            if renew
            else _("Your feed address is ready."),
            "success",
        )
        return redirect(url_for("rsvp.my_calendar"))
    url = (
        url_for("rsvp.calendar_feed", token=current_user.ics_token, _external=True)
        if current_user.ics_token
        else None
    )
    return render_template("rsvp/my_calendar.html", url=url)


@bp.route("/admin/outbox")
@permissions.require(permissions.can_administer)
def outbox() -> Any:
    status = request.args.get("status") or ""
    query = select(OutgoingMail)
    if status in {"pending", "sending", "sent", "failed"}:
        query = query.where(OutgoingMail.status == status)
    q = search_arg(request.args)
    if q:
        query = query.where(or_(OutgoingMail.recipient.ilike(f"%{q}%"), OutgoingMail.subject.ilike(f"%{q}%")))
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    rows = db.session.scalars(
        query.order_by(OutgoingMail.id.desc()).offset((page - 1) * size).limit(size)
    ).all()
    counts = dict(
        db.session.execute(select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status)).all()
    )
    return render_template(
        "rsvp/outbox.html",
        rows=rows,
        counts=counts,
        status=status,
        q=q,
        page=page,
        smtp=bool(current_app.config["MAIL_SERVER"]),
        redis_ok=redis_available(),
    )


@bp.route("/admin/outbox/<int:mail_id>")
@permissions.require(permissions.can_administer)
def outbox_message(mail_id: int) -> Any:
    row = db.get_or_404(OutgoingMail, mail_id)
    from email import message_from_string, policy

    message = message_from_string(row.message, policy=policy.default)
    parts = [
        (part.get_content_type(), part.get_content()) for part in message.walk() if not part.is_multipart()
    ]
    part_labels = {
        "text/plain": _("Plain text"),
        "text/html": _("Formatted text (HTML source)"),
        "text/calendar": _("Calendar invitation (iCalendar source)"),
    }
    return render_template("rsvp/outbox_message.html", row=row, parts=parts, part_labels=part_labels)


@bp.route("/admin/outbox/<int:mail_id>/retry", methods=["POST"])
@permissions.require(permissions.can_administer)
def outbox_retry(mail_id: int) -> Any:
    row = db.get_or_404(OutgoingMail, mail_id)
    if row.status != "failed":
        flash(_("Only failed messages are retried by hand."), "error")
    else:
        mail.retry(row)
        record("mail.retry", row, summary=row.subject, actor_id=current_user.id)
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("rsvp.outbox", status="failed"))

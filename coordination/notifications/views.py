"""Public RSVP pages (no login: external guests answer too), the personal calendar feed, and
the administrators' outbox: every kind of outgoing row (mail, reminders, reports) on one page."""

from __future__ import annotations

from email import message_from_string, policy
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select, union_all

from coordination import outbox, permissions
from coordination.auth.models import User
from coordination.calendar import feed
from coordination.events import operations as event_ops
from coordination.events import rsvp
from coordination.extensions import db, limiter
from coordination.jobs import redis_available
from coordination.meetings.models import Meeting
from coordination.notifications import operations
from coordination.outbox.models import OutgoingMail
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
    event = attendee.event
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
        starts=to_local(event.starts_at) if isinstance(event, Meeting) else None,
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
        renewed: list[bool] = []
        if attempt(lambda: renewed.append(operations.renew_calendar_token(current_user))):
            flash(
                _("A new feed address was made; the old one no longer works.")
                if renewed[0]
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


@bp.route("/admin/outbox", endpoint="outbox")
@permissions.require(permissions.can_administer)
def outbox_page() -> Any:
    """Every kind of outbox row, newest first: mail, reminders, reports."""
    kinds = outbox.kinds()
    source = request.args.get("source") or ""
    shown = [kind for kind in kinds if kind.name == source] or kinds
    source = source if len(shown) == 1 else ""
    rows = union_all(*(kind.listing() for kind in shown)).subquery()
    status = request.args.get("status") or ""
    query = select(rows)
    if status in outbox.STATUSES:
        query = query.where(rows.c.status == status)
    q = search_arg(request.args)
    if q:
        query = query.where(or_(rows.c.recipient.ilike(f"%{q}%"), rows.c.subject.ilike(f"%{q}%")))
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    listed = db.session.execute(
        query.order_by(rows.c.created.desc(), rows.c.id.desc()).offset((page - 1) * size).limit(size)
    ).all()
    counts: dict[str, int] = dict(
        db.session.execute(select(rows.c.status, func.count()).group_by(rows.c.status)).tuples().all()
    )
    describe = {kind.name: kind.describe for kind in kinds}
    return render_template(
        "rsvp/outbox.html",
        rows=[(row, (describe[row.source] or (lambda _row: ""))(row)) for row in listed],
        sources=[kind.name for kind in kinds],
        source=source,
        statuses=outbox.STATUSES,
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


@bp.route("/admin/outbox/<source>/<int:row_id>/retry", methods=["POST"])
@permissions.require(permissions.can_administer)
def outbox_retry(source: str, row_id: int) -> Any:
    kind = outbox.kind_named(source)
    if kind is None:
        abort(404)
    row = db.get_or_404(kind.model, row_id)
    attempt(lambda: operations.retry(kind, row, current_user), success=_("The message is queued again."))
    return redirect(url_for("rsvp.outbox", source=source, status="failed"))

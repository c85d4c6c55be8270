"""Delivering due reminders exactly once.

A delivery run claims a user's due rows with one conditional UPDATE (… WHERE status='pending'),
so concurrent workers never take the same row; sends one e-mail (a digest when several are due,
or one each for users who chose 'immediate'); then marks the rows sent and writes the in-app
notifications in one commit. A worker killed before the server accepts the message leaves its
rows 'sending'; the sweep releases them after a grace period and they are sent then. The one
remaining window is a crash after the SMTP server accepted the message and before that commit:
a few milliseconds per message, during which a kill causes one duplicate, never a loss.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections import defaultdict
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from redis.exceptions import RedisError
from sqlalchemy import select, update

from coordination.assignments.models import Assignment
from coordination.auth.models import User
from coordination.extensions import db
from coordination.jobs import enqueue_many
from coordination.notifications.mail import BACKOFF, MAX_ATTEMPTS, Transport
from coordination.reminders.models import Notification, Reminder
from coordination.timeutil import to_local, utcnow
from coordination.urls import external_url
from workflows.reminders import next_sending_moment

log = logging.getLogger(__name__)
USERS_PER_JOB = 50


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config.get("REMINDER_STALE_SECONDS", 600))


def sweep(now: Any = None) -> int:
    """Hand every due, unsent reminder back to RQ, in jobs of USERS_PER_JOB users each. Returns
    the number of reminders due. Safe to run as often as wanted: delivery claims rows."""
    now = now or utcnow()
    db.session.execute(
        update(Reminder)
        .where(Reminder.status == "sending", Reminder.claimed_at < now - stale_after())
        .values(status="pending", claim=None)
    )
    db.session.commit()
    rows = db.session.execute(
        select(Reminder.user_id).where(Reminder.status == "pending", Reminder.due_at <= now)
    ).all()
    users = sorted({r.user_id for r in rows})
    if users:
        try:
            enqueue_many(deliver, [users[i : i + USERS_PER_JOB] for i in range(0, len(users), USERS_PER_JOB)])
        except RedisError as error:
            # The rows stay pending in the database; the next sweep hands them over.
            log.warning("Redis unavailable: %d due reminder(s) wait for it: %s", len(rows), error)
    return len(rows)


def run_due() -> int:
    """The scheduled job of a working morning: deliver what is due now, in this job."""
    users = sorted(
        set(
            db.session.scalars(
                select(Reminder.user_id).where(Reminder.status == "pending", Reminder.due_at <= utcnow())
            )
        )
    )
    return deliver(users)


def _claim(user_id: int, now: Any) -> list[Reminder]:
    token = uuid.uuid4().hex
    db.session.execute(
        update(Reminder)
        .where(Reminder.user_id == user_id, Reminder.status == "pending", Reminder.due_at <= now)
        .values(status="sending", claim=token, claimed_at=now, attempts=Reminder.attempts + 1)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(Reminder).where(Reminder.claim == token).order_by(Reminder.due_at, Reminder.id)
        )
    )


def deliver(user_ids: list[int]) -> int:
    """Job: deliver the due reminders of these users; returns the number of e-mails sent."""
    moment = to_local(utcnow()).replace(tzinfo=None)
    if next_sending_moment(moment) != moment and not current_app.config.get("REMINDERS_IGNORE_QUIET_HOURS"):
        return 0  # quiet hours: the morning run sends it
    transport = Transport()
    sent = 0
    try:
        for user_id in user_ids:
            rows = _claim(user_id, utcnow())
            if not rows:
                continue
            user = db.session.get(User, user_id)
            live = [r for r in rows if _still_relevant(r)]
            for row in rows:
                if row not in live:
                    row.status = "cancelled"
            if not live or not user.email:
                _mark_sent(live, user)
                continue
            batches = [[r] for r in live] if user.email_mode == "immediate" else [live]
            for batch in batches:
                try:
                    transport.send_raw(user.email, _compose(user, batch))
                except (smtplib.SMTPException, OSError) as error:
                    transport.close()
                    _failed(batch, error)
                    continue
                except Exception as error:
                    log.exception("reminders %s could not be composed", [r.id for r in batch])
                    _failed(batch, error)
                    continue
                _mark_sent(batch, user)
                sent += 1
            db.session.commit()
    finally:
        transport.close()
    return sent


def _still_relevant(row: Reminder) -> bool:
    """A last check at sending time; changes cancel rows, this catches anything in between."""
    if row.assignment_id:
        assignment = db.session.get(Assignment, row.assignment_id)
        return assignment is not None and assignment.state in (
            "assigned",
            "acknowledged",
            "in_progress",
            "returned",
        )
    if row.kind == "event_chase":
        return bool(_missing_answers(row))
    return True


def _missing_answers(row: Reminder) -> list[Any]:
    from coordination.meetings.models import Meeting
    from coordination.visits.models import Visit

    event = db.session.get(Meeting, row.meeting_id) if row.meeting_id else db.session.get(Visit, row.visit_id)
    people = event.attendees if row.meeting_id else event.members
    return [a for a in people if a.partstat == "NEEDS-ACTION"]


def _link(row: Reminder) -> str:
    if row.assignment_id:
        return external_url("assignments.show", assignment_id=row.assignment_id)
    if row.meeting_id:
        return external_url("meetings.show", meeting_id=row.meeting_id)
    if row.visit_id:
        return external_url("visits.show", visit_id=row.visit_id)
    return external_url("reminders.notifications")


KIND_TEXT = {
    "before": "距完成时限还有 {n} 个工作日",
    "on_the_day": "今天是完成时限",
    "urge": "已逾期，请抓紧办理（第 {n} 次催办）",
    "escalation": "逾期督办单（第 {n} 级）",
    "report_before": "进展报送即将到期（{period}）",
    "report_urge": "进展报送已逾期（{period}）",
    "event_before": "{n} 天后举行",
    "event_chase": "尚有人员未回复邀请",
}


def describe(row: Reminder) -> str:
    kind, _, number = row.kind.rpartition("_") if row.kind[-1].isdigit() else (row.kind, "", "")
    period = row.dedupe_key.split(":")[2] if row.kind.startswith("report") else ""
    return KIND_TEXT.get(kind, row.kind).format(n=number, period=period)


def _compose(user: User, rows: list[Reminder]) -> str:
    items = [{"row": r, "text": describe(r), "link": _link(r)} for r in rows]
    digest = len(rows) > 1
    subject = (
        f"【督办提醒】您有 {len(rows)} 项事项需要关注"
        if digest
        else f"【督办提醒】{describe(rows[0])}：{rows[0].subject}"
    )
    message = EmailMessage()
    message["Subject"] = subject[:300]
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = formataddr((user.name, user.email))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="hulian-coordination")
    message["X-Reminder-Keys"] = " ".join(r.dedupe_key for r in rows)
    with force_locale("zh_Hans_CN"):
        context = {"user": user, "items": items, "digest": digest}
        message.set_content(render_template("emails/reminder.txt", **context))
        message.add_alternative(render_template("emails/reminder.html", **context), subtype="html")
    return message.as_string(policy=SMTP)


def _mark_sent(rows: list[Reminder], user: User) -> None:
    now = utcnow()
    for row in rows:
        row.status, row.sent_at, row.last_error = "sent", now, ""
        db.session.add(
            Notification(
                user_id=user.id, kind=row.kind, text=f"{describe(row)}：{row.subject}"[:500], link=_link(row)
            )
        )
    db.session.commit()


def _failed(rows: list[Reminder], error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"[:2000]
    for row in rows:
        row.last_error = message
        row.claim = None
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"  # shown to administrators with a retry button
        else:
            row.status = "pending"
            row.due_at = utcnow() + BACKOFF[min(row.attempts - 1, len(BACKOFF) - 1)]
    db.session.commit()
    log.warning("reminders %s failed: %s", [r.id for r in rows], message)


def retry(row: Reminder) -> None:
    row.status, row.attempts, row.due_at, row.claim = "pending", 0, utcnow(), None


def by_user(rows: list[Reminder]) -> dict[int, list[Reminder]]:
    grouped: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return grouped

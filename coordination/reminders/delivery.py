"""Delivering due reminders exactly once.

Reminders are outbox rows (coordination/outbox.py): a delivery run claims its users' due rows
with the outbox's one conditional UPDATE, so concurrent workers never take the same row; sends
one e-mail (a digest when several are due,
or one each for users who chose 'immediate'); then marks the rows sent and writes the in-app
notifications in one commit. A worker killed before the server accepts the message leaves its
rows 'sending'; the sweep releases them after CLAIM_TIMEOUT_SECONDS and they are sent then. The one
remaining window is a crash after the SMTP server accepted the message and before that commit:
a few milliseconds per message, during which a kill causes one duplicate, never a loss.
"""

from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import Message
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from coordination import inbox, outbox
from coordination.assignments.models import Assignment, ProgressReport
from coordination.auth.models import User
from coordination.events.models import Attendee, EventMixin
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.outbox.mail import SEND_ERRORS, Transport, compose, wire
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.reminders import urging
from coordination.reminders.models import Reminder
from coordination.text import single_line
from coordination.timeutil import to_local, utcnow
from coordination.urls import external_url
from coordination.visits.models import Visit
from workflows.assignment import OPEN_VALUES
from workflows.reminders import next_sending_moment

log = logging.getLogger(__name__)
USERS_PER_JOB = 50


def sweep(now: Any = None) -> int:
    """Hand every due, unsent reminder back to RQ, in jobs of USERS_PER_JOB users each (the
    outbox's one sweep). Returns the number of reminders due."""
    return outbox.sweep(Reminder, now)


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


@dataclass(frozen=True)
class Claimed:
    """A claimed row as plain data: the loop commits per message and must not reload rows."""

    id: int
    user_id: int
    kind: str
    dedupe_key: str
    subject: str
    attempts: int
    assignment_id: int | None
    meeting_id: int | None
    visit_id: int | None


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str
    email_mode: str


def _claim(user_ids: list[int], now: Any) -> tuple[str, list[Claimed]]:
    """The outbox claim of every due row of these users that is still pending: (token, rows)."""
    fields = [name for name in Claimed.__dataclass_fields__ if name not in ("id", "attempts")]
    claimed = outbox.claim(Reminder, Reminder.user_id.in_(user_ids), columns=(*fields, "due_at"), now=now)
    rows = sorted(claimed.rows, key=lambda row: (row.due_at, row.id))
    return claimed.token, [
        Claimed(*(getattr(row, name) for name in Claimed.__dataclass_fields__)) for row in rows
    ]


def deliver(user_ids: list[int]) -> int:
    """Job: deliver the due reminders of these users; returns the number of e-mails sent."""
    moment = to_local(utcnow()).replace(tzinfo=None)
    if next_sending_moment(moment) != moment and not current_app.config.get("REMINDERS_IGNORE_QUIET_HOURS"):
        return 0  # quiet hours: the morning run sends it
    token, rows = _claim(user_ids, utcnow())
    if not rows:
        return 0
    users = {
        u.id: u
        for u in (
            Recipient(*row)
            for row in db.session.execute(
                select(User.id, User.name, User.email, User.email_mode).where(
                    User.id.in_({r.user_id for r in rows})
                )
            )
        )
    }
    task_ids = {r.assignment_id for r in rows if r.assignment_id}
    open_tasks = set(
        db.session.scalars(
            select(Assignment.id).where(
                Assignment.id.in_(task_ids),
                Assignment.state.in_(OPEN_VALUES),
            )
        )
    )
    reported = _reported_periods(rows, task_ids)
    work: list[tuple[Recipient, list[Claimed]]] = []
    for user_id, mine in by_user(rows).items():
        user = users[user_id]
        live = [r for r in mine if _still_relevant(r, open_tasks) and r.id not in reported]
        outbox.finish(Reminder, [r.id for r in mine if r not in live], token, status=outbox.CANCELLED)
        if live and (not user.email or user.email_mode == "off"):
            _mark_sent(live, token)  # in-app only
        elif live:
            work += [(user, [r]) for r in live] if user.email_mode == "immediate" else [(user, live)]
    # Sending is waiting (on the SMTP server and the database): a few threads, each with its own
    # SMTP connection and database connection, keep one worker busy. Each message is still
    # marked sent on its own right after the server accepted it.
    threads = max(1, min(current_app.config.get("DELIVERY_THREADS", 4), len(work)))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    chunks = [work[n::threads] for n in range(threads)]
    if threads == 1:
        return _send(app, token, chunks[0])
    with ThreadPoolExecutor(threads) as pool:
        # Each thread runs in a copy of this context (the demo's and tests' frozen clock included).
        futures = [pool.submit(contextvars.copy_context().run, _send, app, token, chunk) for chunk in chunks]
        return sum(f.result() for f in futures)


def _send(app: Any, token: str, work: list[tuple[Recipient, list[Claimed]]]) -> int:
    sent = 0
    with app.app_context(), force_locale("zh_Hans_CN"):
        transport = Transport()
        connection = db.engine.connect()
        try:
            for user, batch in work:
                try:
                    transport.send_raw(user.email, wire(_compose(user, batch)))
                except SEND_ERRORS as error:
                    transport.close()
                    outbox.fail(Reminder, [(r.id, r.attempts) for r in batch], token, error)
                    continue
                except Exception as error:
                    log.exception("reminders %s could not be composed", [r.id for r in batch])
                    outbox.fail(Reminder, [(r.id, r.attempts) for r in batch], token, error)
                    continue
                # The window: a crash between the server's acceptance above and this commit
                # resends this one message. Nothing else is at risk.
                _mark_sent(batch, token, connection)
                sent += 1
        finally:
            transport.close()
            connection.close()
            db.session.remove()
    return sent


PERIOD_DAYS = {"monthly": 31, "quarterly": 92}


def _reported_periods(rows: list[Claimed], task_ids: set[int]) -> set[int]:
    """Progress-report reminders whose unit has already reported in that period: not sent."""
    report_rows = [r for r in rows if r.kind.startswith("report") and r.assignment_id]
    if not report_rows:
        return set()
    latest: dict[int, datetime] = dict(
        db.session.execute(
            select(ProgressReport.assignment_id, func.max(ProgressReport.created_at))
            .where(ProgressReport.assignment_id.in_(task_ids))
            .group_by(ProgressReport.assignment_id)
        )
        .tuples()
        .all()
    )
    cadence: dict[int, str] = dict(
        db.session.execute(
            select(Assignment.id, AnnualPlan.report_cadence)
            .join(PlanItem, Assignment.plan_item_id == PlanItem.id)
            .join(AnnualPlan, PlanItem.plan_id == AnnualPlan.id)
            .where(Assignment.id.in_(task_ids))
        )
        .tuples()
        .all()
    )
    done = set()
    for row in report_rows:
        if row.assignment_id is None:  # report_rows only holds task reminders
            continue
        period_end = date.fromisoformat(row.dedupe_key.split(":")[2])
        start = period_end - timedelta(days=PERIOD_DAYS.get(cadence.get(row.assignment_id, ""), 31))
        last = latest.get(row.assignment_id)
        if last is not None and to_local(last).date() > start:
            done.add(row.id)
    return done


def _still_relevant(row: Claimed, open_tasks: set[int]) -> bool:
    """A last check at sending time; changes cancel rows, this catches anything in between."""
    if row.assignment_id:
        return row.assignment_id in open_tasks
    if row.kind == "event_chase":
        return bool(_missing_answers(row))
    return True


def _missing_answers(row: Claimed) -> list[Attendee]:
    event: EventMixin | None = (
        db.session.get(Meeting, row.meeting_id) if row.meeting_id else db.session.get(Visit, row.visit_id)
    )
    if event is None:  # deleted since: nobody left to chase
        return []
    return [a for a in event.invited if a.partstat == "NEEDS-ACTION"]


def link_of(row: Any) -> str:
    if row.assignment_id:
        return external_url("assignments.show", assignment_id=row.assignment_id)
    if row.meeting_id:
        return external_url("meetings.show", meeting_id=row.meeting_id)
    if row.visit_id:
        return external_url("visits.show", visit_id=row.visit_id)
    return external_url("notifications.inbox")


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


def describe(row: Any) -> str:
    return describe_kind(row.kind, row.dedupe_key)


def describe_kind(kind: str, dedupe_key: str) -> str:
    """What a reminder of this kind says (the bell, the e-mail, the outbox page)."""
    base, _, number = kind.rpartition("_") if kind[-1].isdigit() else (kind, "", "")
    period = dedupe_key.split(":")[2] if kind.startswith("report") else ""
    return KIND_TEXT.get(base, kind).format(n=number, period=period)


def _compose(user: Recipient, rows: list[Claimed]) -> Message:
    items = [{"row": r, "text": describe(r), "link": link_of(r)} for r in rows]
    digest = len(rows) > 1
    subject = (
        f"【督办提醒】您有 {len(rows)} 项事项需要关注"
        if digest
        else f"【督办提醒】{items[0]['text']}：{single_line(rows[0].subject)}"
    )
    return compose(
        to_name=user.name,
        to_email=user.email,
        subject=subject,
        template="reminder",
        context={"user": user, "items": items, "digest": digest},
        headers={"X-Reminder-Keys": " ".join(r.dedupe_key for r in rows)},
    )


def _mark_sent(rows: list[Claimed], token: str, connection: Connection | None = None) -> None:
    """Sent, in one statement, if this claim still holds the rows, and in the same transaction
    their in-app notifications and an urging's successor (urging.py): a crash can resend this
    message (the window above) but never loses the next urging. The delivery loop passes its own
    connection: going through the pool per message costs a ping and a reset."""
    outbox.finish(
        Reminder,
        [r.id for r in rows],
        token,
        connection=connection,
        then=lambda done: _follow_up(rows, done),
    )


def _follow_up(rows: list[Claimed], connection: Connection) -> None:
    urging.write_next_within(rows, connection)
    inbox.write([_in_app(r) for r in rows], connection=connection)


def _in_app(row: Claimed) -> dict[str, object]:
    """A sent reminder as the user's notification: escalations (督办单) are urgent."""
    escalation = row.kind.startswith("escalation")
    if row.assignment_id:
        object_key = f"assignment:{row.assignment_id}"
    elif row.meeting_id:
        object_key = f"meeting:{row.meeting_id}"
    else:
        object_key = f"visit:{row.visit_id}" if row.visit_id else ""
    return {
        "user_id": row.user_id,
        "kind": "escalation" if escalation else "reminder",
        "urgency": "urgent" if escalation else "normal",
        "title": f"{describe(row)}：{single_line(row.subject)}"[:300],
        "object_key": object_key,
    }


outbox.handle(
    outbox.Kind(
        name="reminder",
        model=Reminder,
        job=deliver,
        key=Reminder.user_id,
        per_job=USERS_PER_JOB,
        what="due reminder(s)",
        listing=lambda: outbox.listed(
            Reminder,
            "reminder",
            created=Reminder.created_at,
            recipient=User.name,
            subject=Reminder.subject,
            kind=Reminder.kind,
            key=Reminder.dedupe_key,
        ).join(User, User.id == Reminder.user_id),
        describe=lambda row: describe_kind(row.kind, row.key),
    )
)


def by_user(rows: list[Claimed]) -> dict[int, list[Claimed]]:
    grouped: dict[int, list[Claimed]] = defaultdict(list)
    for row in rows:
        grouped[row.user_id].append(row)
    return grouped

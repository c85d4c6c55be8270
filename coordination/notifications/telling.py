"""Telling people, in the event's transaction: every person's in-app notification, the e-mail of
those who want one (now or in the digest, workflows.notifications.email_due) and the robots'
messages. The jobs that send the e-mail and the robot messages are handed to RQ after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert, select

from coordination.auth.models import User
from coordination.bulk import insert_rows, table_of
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.jobs import enqueue_after_commit
from coordination.notifications import mail, robots
from coordination.notifications.models import NotificationMail
from coordination.notifications.notice import Notice
from coordination.timeutil import to_local, to_utc, utcnow
from workflows.notifications import RULES, EmailMode, Urgency, email_due


def tell(notices: Sequence[Notice], actor_id: int | None = None) -> None:
    """Every notice to its people, in this transaction. The actor is not told of their own act."""
    # The actor is taken out first, so that their robot is not told (nor their mobile @-ed) either.
    notices = [replace(n, user_ids=tuple(u for u in n.user_ids if u != actor_id)) for n in notices]
    notices = [n for n in notices if n.user_ids or n.body_ids]
    if not notices:
        return
    people = {uid for n in notices for uid in n.user_ids}
    modes: dict[int, str] = dict(
        db.session.execute(
            select(User.id, User.email_mode).where(
                User.id.in_(people), User.active.is_(True), User.email != ""
            )
        )
        .tuples()
        .all()
    )
    now = utcnow()
    local_now = to_local(now).replace(tzinfo=None)
    rows = [
        {
            "user_id": user_id,
            "mechanism_id": n.mechanism_id,
            "kind": n.kind,
            "urgency": n.urgency.value,
            "title": n.title[:300],
            "body": "\n".join(n.lines),
            "url": "",
            "unit_id": n.unit_id,
            "object_key": n.object_key[:80],
            "created_at": now,
        }
        for n in notices
        for user_id in dict.fromkeys(n.user_ids)
        if user_id != actor_id
    ]
    ids = (
        db.session.scalars(
            insert(Notification).returning(Notification.id, sort_by_parameter_order=True), rows
        ).all()
        if rows
        else []
    )
    mail: list[dict[str, object]] = []
    wake: dict[datetime, set[int]] = {}
    for notification_id, row in zip(ids, rows, strict=True):
        user_id = int(str(row["user_id"]))
        mode = modes.get(user_id)
        rule = RULES[str(row["kind"])]
        urgency = Urgency(str(row["urgency"]))
        due = email_due(mode, urgency, local_now, by_email=rule.by_email) if mode else None
        if due is None:
            continue
        due_utc = to_utc(due)
        mail.append(
            {
                "notification_id": notification_id,
                "user_id": user_id,
                "digest": mode == EmailMode.DIGEST and urgency is not Urgency.URGENT,
                "due_at": max(due_utc, now),
                "created_at": now,
            }
        )
        wake.setdefault(max(due_utc, now), set()).add(user_id)
    insert_rows(table_of(NotificationMail), mail)
    for moment, user_ids in wake.items():
        _wake(moment, sorted(user_ids), now)
    robots.queue(notices)


def _wake(moment: datetime, user_ids: list[int], now: datetime) -> None:
    """The mail job for these users: now, or one scheduled run per digest moment (its job id
    dedupes it; the outbox sweep picks up anything Redis lost)."""
    if moment <= now:
        enqueue_after_commit(db.session(), mail.deliver, user_ids)
    else:
        enqueue_after_commit(
            db.session(),
            mail.deliver_due,
            job_id=f"notification-mail-{moment:%Y%m%d%H%M}",
            at=moment.replace(tzinfo=UTC),
        )

"""E-mail of notifications: a user's rows due together go out as one message.

A job claims the due rows of its users (the outbox's one conditional UPDATE), composes one e-mail
a user — one notification as itself, several as a digest grouped by unit and object — sends it
and marks the rows sent. Never an empty message: a user with no row claimed gets nothing. Quiet
hours are in the rows' due_at (workflows.notifications.email_due). The one window, as for
reminders: a crash after the SMTP server accepted a message and before its rows are marked.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from email.message import Message

from flask_babel import force_locale
from sqlalchemy import select

from coordination import outbox
from coordination.auth.models import User
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.notifications.models import NotificationMail
from coordination.notifications.notice import link_of
from coordination.organizations.models import Body
from coordination.outbox.mail import SEND_ERRORS, Transport, compose, wire
from coordination.text import single_line
from coordination.timeutil import utcnow

log = logging.getLogger(__name__)
USERS_PER_JOB = 50


@dataclass(frozen=True)
class Item:
    """One notification in a message."""

    id: int
    title: str
    lines: list[str]
    link: str
    urgent: bool
    unit: str


@dataclass(frozen=True)
class Group:
    """The digest's grouping: one unit (or none), its objects in the order they came."""

    unit: str
    items: list[Item]


def deliver_due() -> int:
    """The scheduled run of a digest moment: every user with mail due now."""
    users = sorted(
        set(
            db.session.scalars(
                select(NotificationMail.user_id).where(
                    NotificationMail.status == outbox.PENDING, NotificationMail.due_at <= utcnow()
                )
            )
        )
    )
    return sum(deliver(users[i : i + USERS_PER_JOB]) for i in range(0, len(users), USERS_PER_JOB))


def deliver(user_ids: list[int]) -> int:
    """Job: the due notification e-mail of these users; returns the number of messages sent."""
    claimed = outbox.claim(NotificationMail, NotificationMail.user_id.in_(user_ids), columns=("user_id",))
    if not claimed:
        return 0
    attempts = {row.id: row.attempts for row in claimed.rows}
    rows = db.session.execute(
        select(NotificationMail.id, NotificationMail.user_id, Notification, Body.name_zh)
        .join(Notification, Notification.id == NotificationMail.notification_id)
        .outerjoin(Body, Body.id == Notification.unit_id)
        .where(NotificationMail.id.in_(claimed.ids))
        .order_by(Notification.created_at, Notification.id)
    ).all()
    mine: dict[int, list[tuple[int, Item]]] = defaultdict(list)
    for mail_id, user_id, notification, unit in rows:
        mine[user_id].append((mail_id, _item(notification, unit or "")))
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(mine))))}
    token, sent = claimed.token, 0
    transport = Transport()
    try:
        with force_locale("zh_Hans_CN"):
            for user_id, entries in mine.items():
                user = users[user_id]
                ids = [mail_id for mail_id, _ in entries]
                if not user.email or not user.active or user.email_mode == "off":
                    outbox.finish(NotificationMail, ids, token, status=outbox.CANCELLED)
                    continue
                try:
                    transport.send_raw(user.email, wire(compose_for(user, [item for _, item in entries])))
                except SEND_ERRORS as error:
                    transport.close()
                    outbox.fail(NotificationMail, [(i, attempts[i]) for i in ids], token, error)
                    continue
                outbox.finish(NotificationMail, ids, token)
                sent += 1
    finally:
        transport.close()
    return sent


def _item(notification: Notification, unit: str) -> Item:
    return Item(
        id=notification.id,
        title=notification.title,
        lines=notification.lines,
        link=link_of(notification.object_key, external=True),
        urgent=notification.urgency == "urgent",
        unit=unit,
    )


def groups(items: list[Item]) -> list[Group]:
    """By unit (in the order units first appear), then by object within it: an object's several
    notifications stand together."""
    by_unit: dict[str, list[Item]] = {}
    for item in items:
        by_unit.setdefault(item.unit, []).append(item)
    ordered: list[Group] = []
    for unit, unit_items in by_unit.items():
        by_link: dict[str, list[Item]] = {}
        for item in unit_items:
            by_link.setdefault(item.link, []).append(item)
        ordered.append(Group(unit, [i for same in by_link.values() for i in same]))
    return ordered


def compose_for(user: User, items: list[Item]) -> Message:
    digest = len(items) > 1
    urgent = any(item.urgent for item in items)
    prefix = "【紧急】" if urgent else "【通知】"
    subject = f"{prefix}您有 {len(items)} 条新通知" if digest else f"{prefix}{single_line(items[0].title)}"
    return compose(
        to_name=user.name,
        to_email=user.email,
        subject=subject,
        template="notification",
        context={"user": user, "items": items, "groups": groups(items), "digest": digest},
        headers={"X-Notification-Ids": " ".join(str(item.id) for item in items)},
    )


outbox.handle(
    outbox.Kind(
        name="notification",
        model=NotificationMail,
        job=deliver,
        key=NotificationMail.user_id,
        per_job=USERS_PER_JOB,
        what="notification e-mail(s)",
        listing=lambda: (
            outbox.listed(
                NotificationMail,
                "notification",
                created=NotificationMail.created_at,
                recipient=User.name,
                subject=Notification.title,
                kind=Notification.kind,
            )
            .join(User, User.id == NotificationMail.user_id)
            .join(Notification, Notification.id == NotificationMail.notification_id)
        ),
    )
)

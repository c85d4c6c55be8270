"""Group robots (企业微信 group robot, 钉钉 custom robot): which robot is told which notice.

`queue` writes one RobotMessage per notice and robot in the event's transaction: the robots of the
bodies the notice names (a unit's group, a lead department's) and the personal robots of the people
it tells. Sending them is coordination/notifications/robot_delivery.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from coordination.auth.models import User
from coordination.bulk import insert_rows, table_of
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.notifications import robot_delivery
from coordination.notifications.models import RobotMessage, Webhook
from coordination.notifications.notice import Notice
from coordination.timeutil import to_local, utcnow
from workflows.reminders import in_quiet_hours

MAX_MENTIONS = 20


def queue(notices: Sequence[Notice]) -> list[int]:
    """Write the robot messages of these notices; returns the robots told (their job is queued
    after commit)."""
    bodies = {b for n in notices for b in n.body_ids}
    people = {u for n in notices for u in n.user_ids}
    if not bodies and not people:
        return []
    # A person's robot is told only while its owner's account is active.
    owner = aliased(User)
    robots = db.session.execute(
        select(Webhook.id, Webhook.body_id, Webhook.user_id)
        .outerjoin(owner, owner.id == Webhook.user_id)
        .where(
            Webhook.active.is_(True),
            or_(Webhook.body_id.in_(bodies), Webhook.user_id.in_(people) & owner.active.is_(True)),
        )
    ).all()
    if not robots:
        return []
    by_body: dict[int, list[int]] = {}
    by_user: dict[int, list[int]] = {}
    for robot_id, body_id, user_id in robots:
        if body_id is not None:
            by_body.setdefault(body_id, []).append(robot_id)
        if user_id is not None:
            by_user.setdefault(user_id, []).append(robot_id)
    phones: dict[int, str] = dict(
        db.session.execute(select(User.id, User.phone).where(User.id.in_(people), User.phone != ""))
        .tuples()
        .all()
    )
    now = utcnow()
    # Group messages go at any hour (they wait in the chat), but nobody's phone is @-ed at night.
    at_night = in_quiet_hours(to_local(now).replace(tzinfo=None))
    rows: list[dict[str, object]] = []
    for notice in notices:
        told = dict.fromkeys(
            [r for b in notice.body_ids for r in by_body.get(b, [])]
            + [r for u in notice.user_ids for r in by_user.get(u, [])]
        )
        mentions = ",".join(
            dict.fromkeys(_mobile(phones[u]) for u in notice.user_ids if u in phones and _mobile(phones[u]))
        )
        if at_night:
            mentions = ""
        url = notice.url
        for robot_id in told:
            rows.append(
                {
                    "webhook_id": robot_id,
                    "dedupe_key": f"{notice.key}:robot:{robot_id}"[:200],
                    "kind": notice.kind,
                    "urgency": notice.urgency.value,
                    "title": notice.title[:300],
                    "text": "\n".join(notice.lines),
                    "url": url[:500],
                    "mentions": ",".join(mentions.split(",")[:MAX_MENTIONS])[:500],
                    "answer": "",
                    "created_at": now,
                    "due_at": now,
                }
            )
    insert_rows(table_of(RobotMessage), rows)
    told_robots = sorted({int(str(r["webhook_id"])) for r in rows})
    if told_robots:
        enqueue_after_commit(db.session(), robot_delivery.deliver, told_robots)
    return told_robots


def _mobile(phone: str) -> str:
    """A mainland mobile number as the robots' @ lists want it (11 digits), or '' for any other."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""

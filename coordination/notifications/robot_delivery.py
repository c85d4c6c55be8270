"""Sending robot messages (企业微信 group robots, 钉钉 custom robots) through the outbox.

`deliver(webhook_ids)` takes one robot at a time, so a robot that fails or hangs holds up no
other one for longer than one request's timeout (ROBOT_TIMEOUT_SECONDS, 10 s), and stops at the
first request that gets no answer:

1. **the rate**: both providers take at most 20 messages a minute per robot. The requests this
   robot was sent in the last 60 s are counted (rows sent together share their `batch`; the
   index ix_robot_messages_webhook serves the count). With the minute full, the robot's due rows
   are moved to when it frees, and a job is scheduled then: no attempt is spent on waiting.
2. **claim** the robot's due rows (the outbox's one conditional UPDATE and its token);
3. **batch** them in order into as few markdown messages as fit the provider's size limit
   (channels.render); messages beyond what the minute allows go back, unspent, for later;
4. **send** each message and keep the provider's answer on the rows and on the robot
   (`last_answer`); the rows are finished with the claim's token, so a worker whose claim was
   handed on (it was presumed dead) marks nothing.

Failures: no answer (refused, timeout, dropped connection) or a transient answer (HTTP 5xx,
errcode -1) backs off as every outbox row does; a rate-limit answer (WeCom 45009, DingTalk
130101, HTTP 429) is tried again after a minute; a permanent answer (a wrong key or token, a
DingTalk sign mismatch, the robot removed) fails the rows at once with the provider's errcode
and errmsg, shown on /admin/outbox with a retry button. After the outbox's max_attempts a row is
'failed' too.

Exactly once, with one window, as for e-mail: the provider accepted a message and the worker
died before the 'sent' commit (a few milliseconds); the sweep then sends those rows again. A
robot's answer lost on the way back is the same window seen from the network: the webhook APIs
take no idempotency key, so it is sent again rather than lost.

Secrets: the robot's address (its key or access_token) and the DingTalk secret are never
logged; logs and errors name the robot by id and masked address (channels.mask_url).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import func, select, update

from coordination import outbox
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.notifications import channels
from coordination.notifications.models import RobotMessage, Webhook
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

log = logging.getLogger(__name__)

RATE_PER_MINUTE = 20  # WeCom and DingTalk alike (channels.py cites both)
WINDOW = timedelta(seconds=60)
RATE_LIMIT_WAIT = timedelta(seconds=60)  # after a rate-limit answer
ROBOTS_PER_JOB = 20


class RobotError(Exception):
    """A send that failed: the provider's answer (HTTP status, errcode, errmsg) or why none came."""


def deliver(webhook_ids: list[int]) -> int:
    """Job: the due messages of these robots; returns the number of requests made."""
    requests = 0
    for webhook_id in dict.fromkeys(webhook_ids):
        requests += deliver_robot(webhook_id)
    return requests


def window(webhook_id: int, now: datetime) -> tuple[int, datetime]:
    """(requests this robot may still be sent this minute, when the next one frees)."""
    sent = db.session.scalars(
        select(func.min(RobotMessage.sent_at))
        .where(
            RobotMessage.webhook_id == webhook_id,
            RobotMessage.status == outbox.SENT,
            RobotMessage.sent_at > now - WINDOW,
        )
        .group_by(RobotMessage.batch)
    )
    times = sorted(t for t in sent if t is not None)
    used = len(times)
    if used < RATE_PER_MINUTE:
        return RATE_PER_MINUTE - used, now
    oldest = times[used - RATE_PER_MINUTE]
    return 0, oldest + WINDOW + timedelta(milliseconds=10)


def deliver_robot(webhook_id: int) -> int:
    """One robot's due rows: returns the number of requests made."""
    now = utcnow()
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        return 0
    if not webhook.active:  # removed: what was waiting for it is not sent
        claimed = outbox.claim(RobotMessage, RobotMessage.webhook_id == webhook_id, now=now)
        outbox.finish(RobotMessage, claimed.ids, claimed.token, status=outbox.CANCELLED)
        return 0
    budget, free_at = window(webhook_id, now)
    if budget <= 0:
        _postpone(webhook_id, free_at)
        return 0
    claimed = outbox.claim(RobotMessage, RobotMessage.webhook_id == webhook_id, now=now)
    if not claimed:
        return 0
    token = claimed.token
    attempts = {row.id: row.attempts for row in claimed.rows}
    rows = db.session.scalars(
        select(RobotMessage)
        .where(RobotMessage.id.in_(claimed.ids))
        .order_by(RobotMessage.created_at, RobotMessage.id)
    ).all()
    config = current_app.config
    channel = channels.channel_for(
        webhook.provider,
        timeout=float(config["ROBOT_TIMEOUT_SECONDS"]),
        allow_loopback=bool(config["ROBOT_ALLOW_LOOPBACK"]),
    )
    destination = channels.Destination(webhook.url, webhook.secret)
    masked = channels.mask_url(webhook.url)
    batches = channels.render([_item(row) for row in rows], webhook.provider, channel.max_bytes)
    made = 0
    for index, batch in enumerate(batches):
        rest = [i for b in batches[index:] for i in b.ids]
        if made >= budget:  # the minute is full: the rest waits, its attempt not spent
            _, free_at = window(webhook_id, utcnow())
            _give_back(webhook_id, rest, token, free_at)
            break
        try:
            answer = channel.send(destination, batch.message)
        except channels.DestinationRefused as error:
            log.warning("robot %s (%s) refused at send time: %s", webhook_id, masked, error)
            _failed(_pairs(rest, attempts), token, str(error), permanent=True)
            break
        except channels.ChannelError as error:
            log.warning("robot %s (%s) did not answer: %s", webhook_id, masked, error)
            _note_answer(webhook_id, f"{error}")
            retry_at = _failed(_pairs(batch.ids, attempts), token, str(error))
            again = retry_at or utcnow() + outbox.BACKOFF[0]
            _give_back(webhook_id, rest[len(batch.ids) :], token, again)
            _schedule_and_commit(webhook_id, retry_at)
            break
        made += 1
        _note_answer(webhook_id, answer.summary())
        if answer.ok:
            outbox.finish(RobotMessage, batch.ids, token, answer=answer.raw[:2000], batch=f"{token}:{index}")
            continue
        log.warning("robot %s (%s) answered %s", webhook_id, masked, answer.summary())
        later = [i for b in batches[index + 1 :] for i in b.ids]
        if answer.permanent:  # the same key or secret fails every message of this robot
            _failed(_pairs(rest, attempts), token, answer.summary(), permanent=True, answer=answer.raw)
            break
        # Rate-limited or transient: this message's rows spend their attempt; the ones not tried
        # wait as long, their attempt unspent.
        wait = utcnow() + RATE_LIMIT_WAIT if answer.rate_limited else None
        retry_at = _failed(
            _pairs(batch.ids, attempts), token, answer.summary(), due_at=wait, answer=answer.raw
        )
        _give_back(webhook_id, later, token, retry_at or wait or utcnow() + outbox.BACKOFF[0])
        _schedule_and_commit(webhook_id, retry_at)
        break
    return made


def _item(row: RobotMessage) -> channels.Item:
    return channels.Item(
        id=row.id,
        title=row.title,
        text=row.text,
        url=row.url,
        urgent=row.urgency == "urgent",
        mentions=tuple(m for m in row.mentions.split(",") if m),
    )


def _pairs(ids: Sequence[int], attempts: dict[int, int]) -> list[tuple[int, int]]:
    return [(i, attempts[i]) for i in ids]


def _held(ids: Sequence[int], token: str) -> ColumnElement[bool]:
    return RobotMessage.id.in_(list(ids)) & (RobotMessage.claim_token == token)


def _note_answer(webhook_id: int, summary: str) -> None:
    """The robot's last answer, for its settings page (committed with the rows' outcome)."""
    db.session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id)
        .values(last_answer=summary[:2000], last_used_at=utcnow())
    )


def _schedule(webhook_id: int, at: datetime) -> None:
    at = at.replace(tzinfo=UTC)  # stored times are naive UTC; the scheduler wants an aware one
    enqueue_after_commit(
        db.session(), deliver, [webhook_id], job_id=f"robot-{webhook_id}-{int(at.timestamp())}", at=at
    )


def _schedule_and_commit(webhook_id: int, at: datetime | None) -> None:
    """A failed message's own retry, at its back-off or after the rate-limit wait (the rows not
    tried have theirs from _give_back); the sweep would find it too, later."""
    if at is not None:
        _schedule(webhook_id, at)
        db.session.commit()


def _postpone(webhook_id: int, free_at: datetime) -> None:
    """The minute is full before anything was claimed: the robot's due rows wait for it."""
    db.session.execute(
        update(RobotMessage)
        .where(
            RobotMessage.webhook_id == webhook_id,
            RobotMessage.status == outbox.PENDING,
            RobotMessage.due_at < free_at,
        )
        .values(due_at=free_at)
    )
    _schedule(webhook_id, free_at)
    db.session.commit()


def _give_back(webhook_id: int, ids: Sequence[int], token: str, due_at: datetime) -> None:
    """Claimed rows not tried: pending again at due_at, their attempt not counted."""
    if not ids:
        return
    _schedule(webhook_id, due_at)
    outbox.finish(
        RobotMessage, ids, token, status=outbox.PENDING, due_at=due_at, attempts=RobotMessage.attempts - 1
    )


def _failed(
    rows: Sequence[tuple[int, int]],
    token: str,
    error: str,
    *,
    permanent: bool = False,
    due_at: datetime | None = None,
    answer: str = "",
) -> datetime | None:
    """An attempt at these claimed rows (id, attempts) failed: the outbox's back-off (or due_at,
    after a rate-limit answer), or 'failed' at once when sending again cannot help. Returns when
    they are tried again (the latest), None when none will be."""
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row_id, tries in rows:
        by_attempts[tries].append(row_id)
    again: list[datetime] = []
    for tries, ids in by_attempts.items():
        values = outbox.after_failure(tries, RobotMessage.max_attempts, RobotError(error))
        if permanent:
            values["status"] = outbox.FAILED
            values.pop("due_at", None)
        elif due_at is not None and values["status"] == outbox.PENDING:
            values["due_at"] = due_at
        if isinstance(values.get("due_at"), datetime):
            again.append(values["due_at"])  # type: ignore[arg-type]  # narrowed just above
        db.session.execute(
            update(RobotMessage).where(_held(ids, token)).values(**values, answer=answer[:2000])
        )
    db.session.commit()
    return max(again, default=None)


outbox.handle(
    outbox.Kind(
        name="robot",
        model=RobotMessage,
        job=deliver,
        key=RobotMessage.webhook_id,
        per_job=ROBOTS_PER_JOB,
        what="robot message(s)",
        listing=lambda: outbox.listed(
            RobotMessage,
            "robot",
            created=RobotMessage.created_at,
            recipient=Webhook.name,
            subject=RobotMessage.title,
            kind=RobotMessage.kind,
        ).join(Webhook, Webhook.id == RobotMessage.webhook_id),
    )
)

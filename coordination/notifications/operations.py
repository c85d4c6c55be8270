"""Changes administrators and users make to what tells people: a failed outbox row retried, a
personal calendar feed address, the e-mail setting, notifications read, who is told of what,
group robots (企业微信 / 钉钉) registered, tested and removed. Audited; the view commits
(views_util.attempt)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coordination import inbox, outbox
from coordination.audit.models import AuditEvent
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.notifications import channels
from coordination.notifications import mail as notification_mail
from coordination.notifications.models import NotificationMail, RobotMessage, Webhook
from coordination.operations import OperationError
from coordination.organizations.models import Body, Mechanism
from coordination.timeutil import to_local, to_utc, utcnow
from workflows.notifications import EmailMode, UnknownAudience, checked_overrides
from workflows.reminders import next_sending_moment

ONLY_FAILED = _l("Only failed messages are retried by hand.")
ALREADY_WAITING = _l("A newer one of the same kind is already waiting; this one is not needed.")


def retry(kind: outbox.Kind, row: outbox.OutboxMixin, actor: User) -> None:
    """A failed row of any kind is tried afresh, and handed to its job after commit."""
    if row.status != outbox.FAILED:
        raise OperationError(str(ONLY_FAILED))
    try:
        with db.session.begin_nested():  # one waiting per key (a report per user and scope)
            outbox.retry(row)
            db.session.flush()
    except IntegrityError as error:
        raise OperationError(str(ALREADY_WAITING)) from error
    record(f"{kind.name}.retry", row, summary=_title(row), actor_id=actor.id)


def _title(row: outbox.OutboxMixin) -> str:
    return str(getattr(row, "subject", None) or getattr(row, "scope", ""))


def renew_calendar_token(user: User) -> bool:
    """A new personal feed address (the old one stops working). True when one existed."""
    renewed = user.ics_token is not None
    user.ics_token = secrets.token_urlsafe(32)
    record("user.calendar_token", user, summary="renewed" if renewed else "created", actor_id=user.id)
    return renewed


EMAIL_MODES = tuple(mode.value for mode in EmailMode)


def set_email_mode(user: User, mode: str) -> bool:
    """E-mail at once, in one daily digest, or not at all (the app and robots still tell). True
    when it changed."""
    if mode not in EMAIL_MODES:
        raise OperationError(str(_l("Not a valid choice.")), field="email_mode")
    if mode == user.email_mode:
        return False
    before = {"email_mode": user.email_mode}
    user.email_mode = mode
    record("user.email_mode", user, before=before, after={"email_mode": mode}, actor_id=user.id)
    waiting = (NotificationMail.user_id == user.id) & (NotificationMail.status == outbox.PENDING)
    if mode == EmailMode.OFF:  # what waits for the digest is not sent any more
        db.session.execute(update(NotificationMail).where(waiting).values(status=outbox.CANCELLED))
    elif mode == EmailMode.IMMEDIATE:  # what waits for the digest goes at the next moment allowed
        moment = next_sending_moment(to_local(utcnow()).replace(tzinfo=None))
        due = max(to_utc(moment), utcnow())
        db.session.execute(
            update(NotificationMail).where(waiting, NotificationMail.due_at > due).values(due_at=due)
        )
        enqueue_after_commit(db.session(), notification_mail.deliver, [user.id])
    return True


def mark_read(user: User, notification_ids: Sequence[int] | None = None) -> int:
    """The user has seen these notifications (or all); returns how many were unread."""
    count = inbox.mark_read(user.id, notification_ids)
    if count:
        record("notifications.read", user, summary=str(count), actor_id=user.id)
    return count


def set_audiences(mechanism: Mechanism, actor: User, chosen: Mapping[str, Sequence[str]]) -> bool:
    """Who is told of each kind in this mechanism (only differences from the defaults are kept).
    True when it changed."""
    try:
        overrides = checked_overrides(chosen)
    except UnknownAudience as error:
        raise OperationError(str(_l("Not a valid choice.")) + f" ({error})") from error
    before = dict(mechanism.notification_audiences or {})
    if before == overrides:
        return False
    mechanism.notification_audiences = overrides or None
    record(
        "notifications.audiences",
        mechanism,
        summary=mechanism.name_zh,
        before={"audiences": before},
        after={"audiences": overrides},
        actor_id=actor.id,
    )
    return True


# --- group robots ------------------------------------------------------------------------------
NAME_NEEDED = _l("Give the robot a name, e.g. the group chat's name.")
NAME_TOO_LONG = _l("Keep the name under 100 characters.")
UNKNOWN_PROVIDER = _l("Choose WeCom or DingTalk.")
SECRET_NEEDED = _l(
    "Enter the DingTalk robot's signing secret (加签, shown under the robot's security settings; "
    "it starts with SEC)."
)
SECRET_TOO_LONG = _l("The signing secret is too long to be a DingTalk secret.")
ALREADY_REGISTERED = _l("This robot is registered here already.")
REFUSED = _l("The robot did not accept the test message (%(answer)s). Nothing was saved.")
UNREACHABLE = _l("The robot could not be reached (%(error)s). Nothing was saved.")
ALREADY_REMOVED = _l("This robot was removed already.")


def _channel(provider: str) -> channels.Channel:
    config = current_app.config
    return channels.channel_for(
        provider,
        timeout=float(config["ROBOT_TIMEOUT_SECONDS"]),
        allow_loopback=bool(config["ROBOT_ALLOW_LOOPBACK"]),
    )


def _owner_name(body: Body | None, user: User | None) -> str:
    if body is not None:
        return body.name_zh
    return user.name if user is not None else ""


def _probe(provider: str, url: str, secret: str, owner: str) -> channels.Answer:
    """Send the test message; raises ChannelError or DestinationRefused when none is answered."""
    return _channel(provider).send(channels.Destination(url, secret), channels.probe_message(provider, owner))


def add_robot(
    actor: User,
    *,
    provider: str,
    name: str,
    url: str,
    secret: str = "",
    body: Body | None = None,
    user: User | None = None,
) -> Webhook:
    """Register a unit's robot (body) or a person's own (user). The address is checked (its shape,
    https, where it leads) and a test message is sent; the robot is saved only if the provider
    answers ok, so a wrong key or DingTalk secret is refused before saving, with its answer."""
    name, url, secret = name.strip(), url.strip(), secret.strip()
    if provider not in channels.CHANNELS:
        raise OperationError(str(UNKNOWN_PROVIDER), "provider")
    if not name:
        raise OperationError(str(NAME_NEEDED), "name")
    if len(name) > 100:
        raise OperationError(str(NAME_TOO_LONG), "name")
    allow_loopback = bool(current_app.config["ROBOT_ALLOW_LOOPBACK"])
    if (problem := channels.refusal(provider, url, allow_loopback=allow_loopback)) is not None:
        raise OperationError(problem, "url")
    if provider == channels.DINGTALK and not secret:
        raise OperationError(str(SECRET_NEEDED), "secret")
    if len(secret) > 200:
        raise OperationError(str(SECRET_TOO_LONG), "secret")
    if provider == channels.WECOM:
        secret = ""  # nosec B105 - WeCom robots sign nothing: no secret to keep
    owner = Webhook.body_id == body.id if body is not None else Webhook.user_id == (user.id if user else None)
    duplicate = db.session.scalar(
        select(Webhook.id).where(owner, Webhook.active.is_(True), Webhook.url == url)
    )
    if duplicate is not None:
        raise OperationError(str(ALREADY_REGISTERED), "url")
    try:
        answer = _probe(provider, url, secret, _owner_name(body, user))
    except (channels.ChannelError, channels.DestinationRefused) as error:
        raise OperationError(str(UNREACHABLE) % {"error": error}, "url") from None
    if not answer.ok:
        field = "secret" if provider == channels.DINGTALK and answer.errcode == 310000 else "url"
        raise OperationError(str(REFUSED) % {"answer": answer.summary()}, field)
    webhook = Webhook(
        provider=provider,
        name=name,
        url=url,
        secret=secret,
        body_id=body.id if body is not None else None,
        user_id=user.id if user is not None and body is None else None,
        active=True,
        created_by_id=actor.id,
        last_answer=answer.summary(),
        last_used_at=utcnow(),
    )
    db.session.add(webhook)
    db.session.flush()
    record("robot.add", webhook, summary=_described(webhook), actor_id=actor.id)
    return webhook


def _described(webhook: Webhook) -> str:
    """What the audit log says of a robot: never its address or secret in full."""
    label = str(channels.PROVIDER_LABELS.get(webhook.provider, webhook.provider))
    return f"{webhook.name} · {label} · {channels.mask_url(webhook.url)}"


TESTS_PER_MINUTE = 3
TOO_MANY_TESTS = _l("This robot was sent several test messages just now; try again in a minute.")


def send_test_message(webhook: Webhook, actor: User) -> channels.Answer:
    """Send one test message now and keep the provider's answer (shown to the user)."""
    if not webhook.active:
        raise OperationError(str(ALREADY_REMOVED))
    # A test goes to a real group chat and spends the provider's 20 a minute that notifications
    # need: a few a minute per robot at most, counted from the audit log of the tests sent.
    recent = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "robot.test",
            AuditEvent.object_id == webhook.id,
            AuditEvent.at > utcnow() - timedelta(minutes=1),
        )
    )
    if (recent or 0) >= TESTS_PER_MINUTE:
        raise OperationError(str(TOO_MANY_TESTS))
    try:
        answer = _probe(
            webhook.provider, webhook.url, webhook.secret, _owner_name(webhook.body, webhook.user)
        )
    except (channels.ChannelError, channels.DestinationRefused) as error:
        answer = channels.Answer(False, None, str(error), status=0)
    webhook.last_answer, webhook.last_used_at = answer.summary(), utcnow()
    record("robot.test", webhook, summary=f"{_described(webhook)} → {answer.summary()}", actor_id=actor.id)
    return answer


def remove_robot(webhook: Webhook, actor: User) -> int:
    """The robot is told nothing more; what waited for it is cancelled. Returns how many."""
    if not webhook.active:
        raise OperationError(str(ALREADY_REMOVED))
    webhook.active = False
    cancelled = db.session.execute(
        update(RobotMessage)
        .where(RobotMessage.webhook_id == webhook.id, RobotMessage.status == outbox.PENDING)
        .values(status=outbox.CANCELLED)
    ).rowcount  # type: ignore[attr-defined]
    record("robot.remove", webhook, summary=_described(webhook), actor_id=actor.id)
    return int(cancelled or 0)

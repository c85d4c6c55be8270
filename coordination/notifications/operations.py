"""Changes administrators and users make to what tells people: a failed outbox row retried, a
personal calendar feed address, the e-mail setting, notifications read, who is told of what.
Audited; the view commits (views_util.attempt)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from coordination import inbox, outbox
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.notifications.models import NotificationMail
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from workflows.notifications import EmailMode, UnknownAudience, checked_overrides

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
    if mode == EmailMode.OFF:  # what waits for the digest is not sent any more
        db.session.execute(
            update(NotificationMail)
            .where(NotificationMail.user_id == user.id, NotificationMail.status == outbox.PENDING)
            .values(status=outbox.CANCELLED)
        )
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

"""Changes administrators and users make to outgoing things: a failed outbox row retried, a
personal calendar feed address made or renewed. Audited; the view commits (views_util.attempt)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from coordination import outbox
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.operations import OperationError

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

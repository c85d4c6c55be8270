"""One-time form keys. Every form that creates something carries a key made when the form is
rendered; the first submission records the key with what it created, in the same transaction as
the creation. The same form sent again (the browser's back button, a double click, a second tab)
finds its key used and is shown the first result instead of creating a second record."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from coordination.extensions import Model, db
from coordination.timeutil import utcnow

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class FormSubmission(Model):
    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    location: Mapped[str] = mapped_column(String(500), default="")  # where the result is shown
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlreadySubmitted(Exception):
    """The same key was claimed by a request running at the same moment."""


def new_key() -> str:
    return secrets.token_urlsafe(24)


def is_key(value: object) -> bool:
    return isinstance(value, str) and bool(KEY_PATTERN.match(value))


def find(key: str) -> FormSubmission | None:
    return db.session.scalar(select(FormSubmission).where(FormSubmission.key == key)) if is_key(key) else None


def claim_key(key: str, user_id: int | None) -> FormSubmission:
    """The first write of a creating request: of two requests with the same key, the second
    waits on the unique key until the first commits, then is told it came second."""
    entry = FormSubmission(key=key, user_id=user_id)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise AlreadySubmitted(key) from error
    return entry


def remember(entry: FormSubmission, created: object, location: str) -> None:
    entry.object_type = getattr(created, "__tablename__", "")[:40]
    entry.object_id = getattr(created, "id", None)
    entry.location = location[:500]

"""The in-app notifications (通知): one row per person and thing they were told, read or unread.

Everything that tells a person something writes here: the notifications of the domain events
(coordination/notifications) and the reminders when they are sent (coordination/reminders). It
sits below both so that neither imports the other. The bell's count is one query on a partial
index of the unread rows, capped: a page never counts more than BELL_CAP rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, bindparam, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from coordination.bulk import insert_rows, table_of
from coordination.extensions import Model, db
from coordination.timeutil import utcnow

BELL_CAP = 100  # the bell says "99+" beyond
EMPTY = {"urgency": "normal", "body": "", "url": "", "object_key": "", "mechanism_id": None, "unit_id": None}


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mechanism_id: Mapped[int | None] = mapped_column(ForeignKey("mechanisms.id"))
    kind: Mapped[str] = mapped_column(String(40))  # workflows.notifications.RULES
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")  # lines, one per line (the tasks of an issue …)
    url: Mapped[str] = mapped_column(String(300), default="")  # the object, a path in this app
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"))  # digests group by it
    object_key: Mapped[str] = mapped_column(String(80), default="")  # "assignment:12", "plan:3" …
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def lines(self) -> list[str]:
        return [line for line in self.body.split("\n") if line]


def write(rows: Sequence[Mapping[str, object]], connection: Connection | None = None) -> None:
    """Many notifications at once, in the caller's transaction (or on the given connection,
    which the caller commits)."""
    if not rows:
        return
    if connection is None:
        insert_rows(table_of(Notification), rows)
        return
    now = utcnow()
    connection.execute(
        table_of(Notification).insert(),
        [
            {"urgency": "normal", "body": "", "url": "", "object_key": "", "created_at": now, **row}
            for row in rows
        ],
    )


# The bell's query, built once: building it on every page cost twice as long as running it
# (0.7 ms against 0.25 ms a call at a million rows, bench/notifications.py).
UNREAD = select(func.count()).select_from(
    select(Notification.id)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .limit(BELL_CAP)
    .subquery()
)


def unread_count(user_id: int) -> int:
    """Unread notifications of the user, up to BELL_CAP (one index range, never a full count)."""
    return db.session.scalar(UNREAD, {"user_id": user_id}) or 0


def mark_read(user_id: int, ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (these, or all unread); the number marked."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    result = db.session.execute(
        statement.values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

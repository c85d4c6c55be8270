"""The audit helper every operation calls in the same transaction as its change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, cast

from flask import has_request_context, request
from flask_login import current_user

from coordination.audit.models import AuditEvent
from coordination.bulk import insert_rows
from coordination.extensions import db
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import Table


class Recorded(Protocol):
    """A model instance an audit event is about: its table names the kind, its id the row."""

    __tablename__: str

    @property
    def id(self) -> int | None: ...


class Switchable(Recorded, Protocol):
    """A record that is deactivated instead of deleted."""

    active: bool


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        members: list[Any] = [_plain(v) for v in value]  # one set holds values of one comparable kind
        return sorted(members)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: object, *fields: str) -> dict[str, object]:
    """The named attributes of obj as JSON-safe values, for before/after."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def _current_actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(
    action: str,
    obj: Recorded | None = None,
    *,
    summary: str = "",
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes change and record atomic."""
    if obj is not None:
        if getattr(obj, "id", None) is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(
        at=utcnow(),  # now, not at some later flush
        action=action,
        object_type=object_type or "system",
        object_id=object_id,
        summary=summary[:300],
        before=None if before is None else dict(before),
        after=None if after is None else dict(after),
        actor_id=actor_id if actor_id is not None else _current_actor_id(),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def record_many(
    action: str, entries: Iterable[tuple[Recorded, str, dict[str, Any] | None]], *, actor_id: int | None
) -> None:
    """One INSERT for many events of one action, each (object, summary, after): the tasks of a
    plan being issued. What is pending in the session is written first, so the log keeps the
    order things happened in."""
    db.session.flush()
    at = utcnow()
    ip = request.remote_addr if has_request_context() else None
    actor_id = actor_id if actor_id is not None else _current_actor_id()
    rows = [
        {
            "at": at,
            "action": action,
            "object_type": obj.__tablename__,
            "object_id": obj.id,
            "summary": summary[:300],
            "before": None,
            "after": after,
            "actor_id": actor_id,
            "ip": ip,
        }
        for obj, summary, after in entries
    ]
    if rows:
        # A declarative model's __table__ is its Table; the declarative base types it as FromClause.
        insert_rows(cast("Table", AuditEvent.__table__), rows)


def set_active(obj: Switchable, active: bool, kind: str, summary: str) -> None:
    """Deactivate or reactivate instead of deleting: the record keeps its history."""
    if obj.active == active:
        return
    obj.active = active
    record(
        f"{kind}.activate" if active else f"{kind}.deactivate",
        obj,
        summary=summary,
        before={"active": not active},
        after={"active": active},
    )

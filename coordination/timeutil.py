"""Times are stored in UTC and shown in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Set only by the demo loader and tests, to replay a year of work "as of" past dates.
_frozen_utc: ContextVar[datetime | None] = ContextVar("frozen_utc", default=None)


def utcnow() -> datetime:
    """Naive UTC, as stored: SQLite has no time zones, so every column holds naive UTC."""
    return _frozen_utc.get() or datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_today() -> date:
    return to_local(utcnow()).date()


@contextmanager
def frozen_at(local: datetime) -> Iterator[None]:
    """Run the block as if it were `local` (Beijing time)."""
    token = _frozen_utc.set(local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None))
    try:
        yield
    finally:
        _frozen_utc.reset(token)


def as_date(value: date | str) -> date:
    """A date read back from SQL: SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)

"""Times are stored in UTC and shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC, as stored: SQLite has no time zones, so every column holds naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()

"""Times are stored in UTC and shown in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations
from sqlalchemy.sql.functions import FunctionElement

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

# Set only by the demo loader and tests, to replay a year of work "as of" past dates.
_frozen_utc: ContextVar[datetime | None] = ContextVar("frozen_utc", default=None)


def utcnow() -> datetime:
    """Naive UTC, as stored: SQLite has no time zones, so every column holds naive UTC."""
    return _frozen_utc.get() or datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def to_utc(local: datetime) -> datetime:
    """A wall-clock time in Beijing, as the naive UTC we store (to_local's inverse)."""
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def local_today() -> date:
    return to_local(utcnow()).date()


@contextmanager
def frozen_at(local: datetime) -> Iterator[None]:
    """Run the block as if it were `local` (Beijing time)."""
    token = _frozen_utc.set(to_utc(local))
    try:
        yield
    finally:
        _frozen_utc.reset(token)


def as_date(value: date | str) -> date:
    """A date read back from SQL: SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


# --- comparing a moment with a date --------------------------------------------------------
# Every "was it done by day D?" is asked of the moment's date in Beijing, never of its UTC date:
# 07:00 in Beijing on the 11th is 23:00 UTC on the 10th. Python and SQL both go through here.


def local_date(moment: datetime) -> date:
    """The Beijing calendar date of a stored (naive UTC) moment."""
    return to_local(moment).date()


def by_day(moment: datetime | None, day: date) -> bool:
    """Whether the moment fell on or before the day, in Beijing."""
    return moment is not None and local_date(moment) <= day


class local_date_of(FunctionElement):
    """SQL: the Beijing date of a naive-UTC timestamp column. SQLite keeps the moment as text
    and has no zones: shift by the fixed +8 hours (Asia/Shanghai has kept no summer time since
    1991). PostgreSQL keeps a naive timestamp: declare it UTC and convert to Asia/Shanghai."""

    type = Date()
    inherit_cache = True


@compiles(local_date_of, "sqlite")
def _local_date_sqlite(element: local_date_of, compiler: SQLCompiler, **kw: object) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_date_of)
def _local_date_default(element: local_date_of, compiler: SQLCompiler, **kw: object) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(timezone('{LOCAL_TZ.key}', timezone('UTC', {inner})) AS DATE)"


def closed_by(
    moment: SQLCoreOperations[datetime | None], day: SQLCoreOperations[date] | date
) -> ColumnElement[bool]:
    """SQL twin of by_day(): the moment (naive UTC) fell on or before the day, in Beijing."""
    return and_(moment.is_not(None), local_date_of(moment) <= day)


class year_of(FunctionElement):
    """SQL: the calendar year of a date, as an integer (SQLite keeps dates as ISO text)."""

    type = Integer()
    inherit_cache = True


@compiles(year_of, "sqlite")
def _year_sqlite(element: year_of, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(strftime('%Y', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(year_of)
def _year_default(element: year_of, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(EXTRACT(YEAR FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


class days_from(FunctionElement):
    """SQL: whole days from the first date to the second (negative when the second is earlier).
    PostgreSQL subtracts dates; SQLite keeps them as text, so through julianday()."""

    type = Integer()
    inherit_cache = True


@compiles(days_from, "sqlite")
def _days_sqlite(element: days_from, compiler: SQLCompiler, **kw: object) -> str:
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_from)
def _days_default(element: days_from, compiler: SQLCompiler, **kw: object) -> str:
    earlier, later = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"

"""Rendered pages kept in each web process until the data they show changes.

The busiest pages (the task lists, the overview) are read far more often than anything is
written. Every transaction that writes also bumps a counter in `data_version`, inside the same
transaction, so no reader can see the new count with the old data. A page is kept under the
counters and everything else it depends on: the signed-in user, their session's CSRF token and
language, the URL and the day. Any write anywhere retires every kept page: blunt, but no
dependency can be forgotten. The count is spread over a few rows, one picked at random per
transaction, so concurrent writers (the delivery threads) do not queue on one row lock.

Writes are counted on connections an ORM session opened. Code that writes through a
connection of its own must call `track(connection)` inside its transaction (reminder delivery
does); migrations and test set-up are deliberately not counted.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec

from flask import Flask, Response, current_app, g, make_response, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy import BigInteger, String, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from coordination.extensions import Model, db
from coordination.timeutil import local_today

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPICursor
    from sqlalchemy.orm import SessionTransaction

P = ParamSpec("P")

# COPY: coordination.bulk.insert_rows writes with COPY … FROM STDIN on PostgreSQL.
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|COPY)\b", re.IGNORECASE)
# One statement on both databases (PostgreSQL 9.5+, SQLite 3.24+). A row deleted (tests empty
# every table) comes back with a new epoch, so numbers from before can never match again.
BUMP = (
    "INSERT INTO data_version (id, epoch, number) VALUES ({p}, {p}, 1) "
    "ON CONFLICT (id) DO UPDATE SET number = data_version.number + 1"
)
PLACEHOLDERS = {"qmark": "?", "pyformat": "%s", "format": "%s"}
BUMP_BY_PARAMSTYLE = {style: BUMP.format(p=mark) for style, mark in PLACEHOLDERS.items()}
STRIPES = 16


class DataVersion(Model):
    """Writing transactions committed since `epoch` began, counted on up to STRIPES rows."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(BigInteger)


def track(connection: Connection) -> None:
    """Count this connection's writes (sessions' connections are counted already)."""
    connection.info["page_cache_tracked"] = True


@event.listens_for(Session, "after_begin")
def _session_began(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    track(connection)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn: Connection, cursor: DBAPICursor, statement: str, *args: object) -> None:
    if WRITE.match(statement):
        conn.info["page_cache_wrote"] = True


@event.listens_for(Engine, "commit")
def _bump_before_commit(conn: Connection) -> None:
    # Runs just before the database commits, on the raw cursor: same transaction, no events.
    info = conn.info
    wrote = info.pop("page_cache_wrote", False)
    if info.pop("page_cache_tracked", False) and wrote:
        cursor = conn.connection.cursor()
        try:
            stripe = 1 + secrets.randbelow(STRIPES)
            cursor.execute(BUMP_BY_PARAMSTYLE[conn.dialect.paramstyle], (stripe, secrets.token_hex(8)))
        finally:
            cursor.close()


@event.listens_for(Engine, "rollback")
def _forget(conn: Connection) -> None:
    conn.info.pop("page_cache_wrote", None)
    conn.info.pop("page_cache_tracked", None)


VERSION = select(DataVersion.id, DataVersion.epoch, DataVersion.number).order_by(DataVersion.id)


def current_version() -> tuple | None:
    """Every counter, read in one statement (one snapshot); None before the first write."""
    # Its own short connection, not the session: a kept page then needs nothing more.
    with db.engine.connect() as connection:
        rows = connection.execute(VERSION).all()
    return tuple(tuple(row) for row in rows) or None


class PageCache:
    """A bounded LRU of finished pages, per process (no network hop on a hit)."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict[tuple, tuple[float, bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[0] > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1], entry[2]

    def put(self, key: tuple, body: bytes, mimetype: str) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), body, mimetype)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def cached_page(view: Callable[P, ResponseReturnValue]) -> Callable[P, Response]:
    """Keep this GET page's answer until anything is written. Only for pages that show nothing
    but data, the user's own view of it and the day (no clock time, no random content)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = make_response(view(*args, **kwargs))
        key = g.pop("page_cache_key", None)
        # A page that used or set anything of the session's (a flash, a new CSRF token) is
        # not the same page next time.
        if key is not None and response.status_code == 200 and not session.modified:
            current_app.extensions["page_cache"].put(key, response.get_data(), response.mimetype)
        return response

    # A mark _key() looks for on the view function; functions take attributes, mypy's types of them don't.
    wrapped.page_cached = True  # type: ignore[attr-defined]
    return wrapped


def _key() -> tuple | None:
    if request.method != "GET":
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    user_id = session.get("_user_id")
    if not getattr(view, "page_cached", False) or not user_id or "_flashes" in session:
        return None
    version = current_version()
    if version is None:
        return None
    # The version is read before the page's data: data newer than its key is harmless.
    who = (user_id, session.get("csrf_token"), session.get("lang"))
    return (version, *who, request.full_path, local_today())


def init_app(app: Flask) -> None:
    size = app.config.get("PAGE_CACHE_SIZE", 0)
    if not size:
        return
    # A kept page carries its CSRF token: it must not outlive the token.
    token_lifetime = app.config.get("WTF_CSRF_TIME_LIMIT") or 3600
    seconds = min(app.config.get("PAGE_CACHE_SECONDS", 300), token_lifetime / 2)
    app.extensions["page_cache"] = PageCache(size, seconds)

    @app.before_request
    def answer_from_cache() -> Response | None:
        # Before Flask-Login loads the user: a hit costs one small query. Whatever would change
        # the user's rights or name is itself a write, so a kept page is still theirs to see.
        key = _key()
        if key is None:
            return None
        kept = app.extensions["page_cache"].get(key)
        if kept is None:
            g.page_cache_key = key
            return None
        response = app.response_class(kept[0], mimetype=kept[1])
        response.headers["X-Page-Cache"] = "hit"
        return response

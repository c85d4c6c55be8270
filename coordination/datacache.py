"""Data shared by every web process, worker and user, kept until what it was computed from changes.

Never pages, never anything per session: figures (the overview's rows, the home page's counts) and
reference lists (key tasks, units). Each entry is kept under the *versions* it depends on, named
after the data they cover (`tasks:<mechanism id>`, `reference:<mechanism id>`). Whoever changes
that data calls `touch(name)` inside its transaction — the receivers of the domain events do —
and the version is replaced in Redis only after the transaction commits: a reader that started
before the commit may store figures from the old snapshot, but under the old version, which no
one asks for again. A version is a random token, not a counter, so a version key lost to a Redis
restart can never come back equal to one an old entry was kept under.

Two places keep entries:
- `remember`: in Redis, for figures that cost a query over many rows (one round trip on a hit,
  versions and entry read together);
- `in_process`: in this process's memory, for small reference lists read on every page (the
  versions still come from Redis, once per request, so another process's change is seen at once).
When Redis cannot be reached, both simply compute (and say so in the log once a minute); an
entry also expires after `seconds`, which bounds what a write made outside the operations (a
manual SQL fix) can leave stale.
"""

from __future__ import annotations

import logging
import pickle  # nosec B403 - entries are read back only from our Redis, which RQ's pickled jobs trust too
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from flask import Flask, current_app, g, has_app_context, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from coordination import signals
from coordination.extensions import db

T = TypeVar("T")
log = logging.getLogger(__name__)

TOUCHED = "datacache_touched"  # Session.info key: versions to replace after this transaction commits
RETRY_AFTER_SECONDS = 10.0  # after a failure, compute without Redis for a while (no connect wait per page)


def tasks_version_name(mechanism_id: int) -> str:
    """Any task of the mechanism, its extension requests or progress reports changed."""
    return f"tasks:{mechanism_id}"


def reference_version_name(mechanism_id: int) -> str:
    """The mechanism's settings, parties, units or framework (areas, key tasks) changed."""
    return f"reference:{mechanism_id}"


@signals.reference_changed.connect
def _reference_changed(mechanism_id: int, **_: object) -> None:
    touch(reference_version_name(mechanism_id))


def touch(*names: str, session: Session | None = None) -> None:
    """Retire what is kept under these versions once the current transaction (of `session`, by
    default the request's) commits."""
    (session or db.session()).info.setdefault(TOUCHED, set()).update(names)


@event.listens_for(Session, "after_commit")
def _replace_versions(session: Session) -> None:
    names = session.info.pop(TOUCHED, None)
    if names and has_app_context():
        _store().replace(sorted(names))


@event.listens_for(Session, "after_rollback")
def _forget_touches(session: Session) -> None:
    session.info.pop(TOUCHED, None)


def remember(key: str, depends: Sequence[str], load: Callable[[], T], seconds: int = 600) -> T:
    """load()'s result kept in Redis under `key` and the current versions of `depends`."""
    return _store().remember(key, list(depends), load, seconds)


def in_process(key: str, depends: Sequence[str], load: Callable[[], T], seconds: int = 600) -> T:
    """load()'s result kept in this process until a version of `depends` changes (any process)."""
    return _store().in_process(key, list(depends), load, seconds)


def clear() -> None:
    """Forget everything kept for this app's namespace (after reloading a database)."""
    _store().clear()


class Store:
    def __init__(self, connection: Redis, namespace: str) -> None:
        self.connection, self.namespace = connection, namespace
        self._local: dict[str, tuple[float, tuple[str, ...], object]] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._last_warning = 0.0

    def _version_key(self, name: str) -> str:
        return f"{self.namespace}:version:{name}"

    def _entry_key(self, key: str) -> str:
        return f"{self.namespace}:entry:{key}"

    def _failed(self, error: RedisError) -> None:
        now = time.monotonic()
        self._down_until = now + RETRY_AFTER_SECONDS
        if now - self._last_warning > 60:
            self._last_warning = now
            log.warning("data cache: Redis unavailable (%s); figures are computed on every page", error)

    def _usable(self) -> bool:
        return time.monotonic() >= self._down_until

    def replace(self, names: list[str]) -> None:
        if not self._usable():
            return
        try:
            pipe = self.connection.pipeline(transaction=False)
            for name in names:
                pipe.set(self._version_key(name), secrets.token_hex(8))
            pipe.execute()
        except RedisError as error:
            self._failed(error)
        memo = _request_memo()
        for name in names:
            memo.pop(name, None)

    def versions(
        self, names: list[str], extra: list[str] | None = None
    ) -> tuple[tuple[str, ...], list[bytes | None]]:
        """The versions of `names` (memoised for the request), and the values of `extra` keys read in
        the same round trip. A version never set is set now, so it exists from here on."""
        memo = _request_memo()
        wanted = [name for name in names if name not in memo]
        keys = [self._version_key(name) for name in wanted] + list(extra or [])
        values = cast("list[bytes | None]", self.connection.mget(keys)) if keys else []
        for name, value in zip(wanted, values, strict=False):
            if value is None:
                fresh = secrets.token_hex(8)
                # Another process may set it first: then its token is the one that counts.
                self.connection.set(self._version_key(name), fresh, nx=True)
                value = cast("bytes | None", self.connection.get(self._version_key(name))) or fresh.encode()
            memo[name] = value.decode()
        return tuple(memo[name] for name in names), values[len(wanted) :]

    def remember(self, key: str, depends: list[str], load: Callable[[], T], seconds: int) -> T:
        if not self._usable():
            return load()
        entry_key = self._entry_key(key)
        try:
            versions, (raw,) = self.versions(depends, [entry_key])
        except RedisError as error:
            self._failed(error)
            return load()
        if raw is not None:
            kept_versions, value = pickle.loads(raw)  # noqa: S301  # nosec B301 - see the import
            if kept_versions == versions:
                return cast(T, value)
        value = load()
        try:
            self.connection.set(entry_key, pickle.dumps((versions, value)), ex=seconds)
        except RedisError as error:
            self._failed(error)
        return value

    def in_process(self, key: str, depends: list[str], load: Callable[[], T], seconds: int) -> T:
        if not self._usable():
            return load()
        try:
            versions, _ = self.versions(depends)
        except RedisError as error:
            self._failed(error)
            return load()
        now = time.monotonic()
        kept = self._local.get(key)
        if kept is not None and kept[1] == versions and now - kept[0] < seconds:
            return cast(T, kept[2])
        value = load()
        with self._lock:
            self._local[key] = (now, versions, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._local.clear()
        try:
            keys = list(self.connection.scan_iter(match=f"{self.namespace}:*", count=1000))
            if keys:
                self.connection.delete(*keys)
        except RedisError as error:
            self._failed(error)


def _request_memo() -> dict[str, str]:
    """Versions read during this request: a page asks Redis once, however many entries it uses."""
    if not has_request_context():
        return {}
    memo: dict[str, str] | None = g.get("datacache_versions")
    if memo is None:
        memo = g.datacache_versions = {}
    return memo


def _store() -> Store:
    store: Store = current_app.extensions["datacache"]
    return store


def init_app(app: Flask) -> None:
    # Short timeouts: a page waits at most half a second for Redis before computing without it.
    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=1)
    app.extensions["datacache"] = Store(connection, app.config["DATACACHE_NAMESPACE"])

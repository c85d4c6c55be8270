"""The sign-in throttle: slows down password guessing without letting anyone lock others out.

Failures are counted per (account, address) and per address. The pair gets a few free
failures, then a delay that doubles with every further failure: someone guessing one account's
password from one address slows to a few tries an hour, while the owner, from an address that
has not failed, is never refused. The address alone is throttled only at a far higher count, so
one person's typos do not lock a whole office (behind one address) out of every account.

The counts live in Redis, so every web process sees the same ones. When Redis cannot be reached
each process counts on its own (said once in the log) until it comes back.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PAIR_MEMORY_SECONDS = 3600  # a pair's failures are forgotten an hour after the last one
REDIS_RETRY_SECONDS = 30  # after a Redis failure, count in memory this long before trying again


T = TypeVar("T")


class Counts(Protocol):
    def incr(self, key: str, ttl: int, *, keep_expiry: bool) -> int: ...
    def set(self, key: str, ttl: float) -> None: ...
    def remaining(self, key: str) -> tuple[int, float]: ...
    def delete(self, *keys: str) -> None: ...


class MemoryCounts:
    """Counters that expire, in this process: the fallback when Redis is away."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> tuple[int, float] | None:
        entry = self._values.get(key)
        if entry is not None and entry[1] <= now:
            del self._values[key]
            return None
        return entry

    def incr(self, key: str, ttl: int, *, keep_expiry: bool) -> int:
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            count = (entry[0] if entry else 0) + 1
            expires = entry[1] if (entry and keep_expiry) else now + ttl
            self._values[key] = (count, expires)
            return count

    def set(self, key: str, ttl: float) -> None:
        with self._lock:
            self._values[key] = (1, time.monotonic() + ttl)

    def remaining(self, key: str) -> tuple[int, float]:
        """The count under key and the seconds it has left (0, 0 when absent)."""
        now = time.monotonic()
        with self._lock:
            entry = self._live(key, now)
            return (entry[0], entry[1] - now) if entry else (0, 0.0)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._values.pop(key, None)


class RedisCounts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def incr(self, key: str, ttl: int, *, keep_expiry: bool) -> int:
        pipe = self.redis.pipeline()
        if keep_expiry:  # a fixed window: the expiry is set when the key is created
            pipe.set(key, 0, ex=ttl, nx=True)
            pipe.incr(key)
        else:
            pipe.incr(key)
            pipe.expire(key, ttl)
        results = pipe.execute()
        return int(results[1] if keep_expiry else results[0])

    def set(self, key: str, ttl: float) -> None:
        self.redis.set(key, 1, px=max(int(ttl * 1000), 1))

    def remaining(self, key: str) -> tuple[int, float]:
        pipe = self.redis.pipeline()
        pipe.get(key)
        pipe.pttl(key)
        value, pttl = pipe.execute()
        if value is None or pttl is None or pttl < 0:
            return 0, 0.0
        return int(value), pttl / 1000

    def delete(self, *keys: str) -> None:
        self.redis.delete(*keys)


@dataclass(frozen=True)
class Refusal:
    seconds: int  # until the next attempt is allowed


class LoginThrottle:
    def __init__(self, app: Flask) -> None:
        config = app.config
        self.free = config["LOGIN_FREE_FAILURES"]
        self.delay = config["LOGIN_DELAY_SECONDS"]
        self.max_delay = config["LOGIN_MAX_DELAY_SECONDS"]
        self.address_limit = config["LOGIN_ADDRESS_FAILURES"]
        self.address_window = config["LOGIN_ADDRESS_WINDOW_SECONDS"]
        # One Redis may serve several deployments (and every test): each counts under its queue name.
        self.prefix = f"{config['RQ_QUEUE']}:login:"
        url = config.get("REDIS_URL") or ""
        self.redis = (
            RedisCounts(Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=1)) if url else None
        )
        self.memory = MemoryCounts()
        self._redis_down_until = 0.0
        self._lock = threading.Lock()

    def _store(self) -> Counts:
        if self.redis is None or time.monotonic() < self._redis_down_until:
            return self.memory
        return self.redis

    def _run(self, operation: Callable[[Counts], T]) -> T:
        try:
            return operation(self._store())
        except RedisError as error:
            with self._lock:
                if time.monotonic() >= self._redis_down_until:
                    log.warning(
                        "Sign-in throttle: Redis unreachable (%s); counting in this process only for now.",
                        error,
                    )
                self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return operation(self.memory)

    def _keys(self, username: str, address: str) -> tuple[str, str, str]:
        # Hashed: what was typed as the user name may be a password typed into the wrong box.
        name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        pair = f"{self.prefix}pair:{name}:{address}"
        return pair, pair + ":wait", f"{self.prefix}address:{address}"

    def check(self, username: str, address: str) -> Refusal | None:
        """Refuse the attempt (before the password is looked at) while a wait is running."""
        _, wait_key, address_key = self._keys(username, address)
        _, longest = self._run(lambda store: store.remaining(wait_key))
        count, window_left = self._run(lambda store: store.remaining(address_key))
        if count >= self.address_limit:
            longest = max(longest, window_left)
        return Refusal(max(math.ceil(longest), 1)) if longest > 0 else None

    def failed(self, username: str, address: str) -> None:
        pair_key, wait_key, address_key = self._keys(username, address)
        failures = self._run(lambda store: store.incr(pair_key, PAIR_MEMORY_SECONDS, keep_expiry=False))
        self._run(lambda store: store.incr(address_key, self.address_window, keep_expiry=True))
        if failures >= self.free:
            wait = min(self.delay * 2 ** (failures - self.free), self.max_delay)
            self._run(lambda store: store.set(wait_key, wait))

    def succeeded(self, username: str, address: str) -> None:
        pair_key, wait_key, _ = self._keys(username, address)
        self._run(lambda store: store.delete(pair_key, wait_key))


def throttle() -> LoginThrottle:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if "login_throttle" not in app.extensions:
        app.extensions.setdefault("login_throttle", LoginThrottle(app))
    return app.extensions["login_throttle"]

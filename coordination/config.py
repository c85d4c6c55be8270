"""Configuration read from the environment, with embedded defaults that start anywhere."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def normalise_database_url(url: str) -> str:
    """Always name the driver: plain postgres URLs would pick psycopg2, which we do not ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key() -> str:
    # A key kept under instance/ keeps sessions valid across restarts when none is configured.
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'coordination.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "coordination")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@hulian.example.cn")
    OUTBOX_DIR = str(INSTANCE_DIR / "outbox")
    UPLOAD_DIR = str(INSTANCE_DIR / "uploads")
    REPORT_DIR = str(INSTANCE_DIR / "reports")  # generated supervision reports

    TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_Hans_CN", "en")
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    # "Keep me signed in" lasts this long from the sign-in with the password (its token rotates
    # on every use meanwhile); then the password is asked again.
    # A session not used for this long ends (a remembered browser then signs in with its token).
    SESSION_IDLE_HOURS = int(os.environ.get("SESSION_IDLE_HOURS", "12"))
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DURATION", "14")))
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SERVER_BASE_URL = os.environ.get("SERVER_BASE_URL", "http://127.0.0.1:5000")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in throttle (auth/throttle.py), counted in Redis (REDIS_URL) so every process shares it.
    # Per account and address: this many failures are free, then each one more waits
    # LOGIN_DELAY_SECONDS, doubled each time, up to LOGIN_MAX_DELAY_SECONDS.
    LOGIN_FREE_FAILURES = int(os.environ.get("LOGIN_FREE_FAILURES", "5"))
    LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "30"))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "900"))
    # Per address whatever the account (an office shares one): far more, in a fixed window.
    LOGIN_ADDRESS_FAILURES = int(os.environ.get("LOGIN_ADDRESS_FAILURES", "100"))
    LOGIN_ADDRESS_WINDOW_SECONDS = int(os.environ.get("LOGIN_ADDRESS_WINDOW_SECONDS", "900"))

    # A mail or reminder a worker claimed and neither sent nor failed (the worker was killed), or a
    # report it left half-made, is handed out again after this long: one setting for every kind.
    # Keep it above the jobs' time limit (RQ's 180 s), or a slow job would be run a second time.
    CLAIM_TIMEOUT_SECONDS = int(os.environ.get("CLAIM_TIMEOUT_SECONDS", "600"))
    # Only for load and fault tests that must run at any hour: quiet hours stay on in production.
    REMINDERS_IGNORE_QUIET_HOURS = _bool("REMINDERS_IGNORE_QUIET_HOURS")
    # Threads a delivery job sends with (each has its own SMTP and database connection).
    DELIVERY_THREADS = int(os.environ.get("DELIVERY_THREADS", "4"))

    # Group robots (企业微信 / 钉钉): how long one request may take, and whether a robot may sit on
    # this machine (http://127.0.0.1, the tests' stand-in). Off in production: a robot's address
    # must be https and must not resolve to a private, loopback, link-local or reserved address.
    ROBOT_TIMEOUT_SECONDS = float(os.environ.get("ROBOT_TIMEOUT_SECONDS", "10"))
    ROBOT_ALLOW_LOOPBACK = _bool("ROBOT_ALLOW_LOOPBACK")

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Werkzeug's own limits on a multipart form, named here so the 413 message can say them.
    MAX_FORM_MEMORY_SIZE = 500_000  # bytes of one text field
    MAX_FORM_PARTS = 1000
    PAGE_SIZE = 50
    # Prefix of the figures and reference lists kept in Redis (coordination/datacache.py): two
    # deployments sharing one Redis need different ones.
    DATACACHE_NAMESPACE = os.environ.get("DATACACHE_NAMESPACE", "coordination")


class TestingConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only  # nosec B105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, for tests  # nosec B105
    ROBOT_ALLOW_LOOPBACK = True  # the robots' stand-in listens on 127.0.0.1

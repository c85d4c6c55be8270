"""Test fixtures: every app test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL.

The schema is built by the migrations (so they are exercised on both), once per backend per
session; each test then starts from empty tables with the mechanism seeded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from coordination import create_app
from coordination.config import TestingConfig, normalise_database_url
from coordination.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo-pass-2026"

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def backend_url(backend: str, tmp_dir: Path) -> str:
    if backend == "postgresql":
        return normalise_database_url(os.environ["TEST_DATABASE_URL"])
    return f"sqlite:///{tmp_dir / 'test.db'}"


def make_app(url: str, **overrides: Any) -> Flask:
    return create_app(
        {
            **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": url,
            **overrides,
        }
    )


def reset_schema(app: Flask) -> None:
    """Drop everything and rebuild from the migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=str(ROOT / "migrations"))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = backend_url(request.param, tmp_path_factory.mktemp(request.param))
    reset_schema(make_app(url))
    return url


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


# Every test gets its own job queue, so no worker ever picks up another test's (or a developer's) jobs.
def _per_test_config(tmp_path: Path) -> dict[str, Any]:
    import uuid

    return {
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "REPORT_DIR": str(tmp_path / "reports"),
        "RQ_QUEUE": f"test-{uuid.uuid4().hex}",
        "DATACACHE_NAMESPACE": f"test-{uuid.uuid4().hex}",
        "SERVER_BASE_URL": "http://coordination.test",
    }


SHARED_KEYS = (
    "OUTBOX_DIR",
    "UPLOAD_DIR",
    "REPORT_DIR",
    "RQ_QUEUE",
    "DATACACHE_NAMESPACE",
    "SERVER_BASE_URL",
    "MAIL_SERVER",
    "MAIL_PORT",
    "REDIS_URL",
)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, **_per_test_config(tmp_path))
    with app.app_context():
        _empty_tables()
        from coordination import seed

        seed.load_mechanism()
        seed.load_demo_users()
        db.session.commit()
        yield app
        db.session.remove()


class Client(FlaskClient):
    """Requests run in their own app (so g, the locale and the user are per request, as in
    production); afterwards the test's session starts a fresh transaction to see their writes."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        db.session.rollback()
        return response


@pytest.fixture
def web_app(app: Flask) -> Flask:
    web = make_app(app.config["SQLALCHEMY_DATABASE_URI"], **{k: app.config[k] for k in SHARED_KEYS})
    web.test_client_class = Client
    return web


@pytest.fixture
def client(web_app: Flask) -> FlaskClient:
    return web_app.test_client()


@pytest.fixture
def login(client: FlaskClient):
    def do_login(username: str, password: str = DEMO_PASSWORD) -> Any:
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"login as {username} failed"
        return response

    return do_login


def pytest_sessionstart(session: pytest.Session) -> None:
    # The .mo files are build products (ignored by git); compile them from the .po sources.
    import subprocess
    import sys

    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


def messages_in(page: str) -> list[str]:
    """Field errors and flash messages of a page, for assertion messages."""
    return re.findall(r'<ul class="errors">(.*?)</ul>|class="flash flash-\w+">([^<]*)', page, re.S)


# --- real services: an SMTP server and an RQ worker --------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(command: list[str], database_url: str, instance: Path, **env: str) -> Iterator[int]:
    """The app served by a real server process on a free loopback port (command gets HOST and
    PORT in its environment, "{port}" in its arguments); yields the port once it answers."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    server = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in command],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "t",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


class Inbox:
    """What a real SMTP server (aiosmtpd) received, parsed."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp(app: Flask, web_app: Flask) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for flask_app in (app, web_app):
        flask_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    controller.stop()


@pytest.fixture
def run_jobs(app: Flask):
    """Run every queued job with a real RQ worker on the real Redis, in this test's app."""
    from rq import SimpleWorker

    from coordination.jobs import get_queue

    def run() -> None:
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)

    yield run
    from coordination.jobs import get_queue as queue_of

    queue_of().delete(delete_jobs=True)

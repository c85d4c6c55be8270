"""Exactly once under faults: 2,000 reminders due now, two real RQ worker processes, one killed
with SIGKILL mid-run, Redis stopped and restarted; after the sweep the SMTP server has received
every reminder exactly once, counted by dedupe key.

The worker is killed while it waits on the SMTP server before the message is accepted (the
server holds MAIL FROM), so the test never lands in the one window the design leaves open: a
crash after the server accepted a message and before the 'sent' commit, which would resend that
one message. Each message's window is a single commit, a few milliseconds."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from coordination.auth.models import User, UserRole
from coordination.config import normalise_database_url
from coordination.extensions import db
from coordination.reminders.models import Reminder
from coordination.timeutil import utcnow
from tests.conftest import ROOT, free_port, make_app

USERS, PER_USER = 400, 5  # 2,000 reminders


class GatedInbox:
    """Counts reminder keys; after `gate_after` messages it holds every MAIL FROM until released."""

    def __init__(self, gate_after: int) -> None:
        self.keys: Counter[str] = Counter()
        self.messages = 0
        self.gate_after = gate_after
        self.gate_hit = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.messages >= self.gate_after and not self.release.is_set():
            self.gate_hit.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes

        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.messages += 1
            self.keys.update(message["X-Reminder-Keys"].split())
        return "250 OK"


@pytest.fixture
def fault_database(tmp_path):
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'faults.db'}")
    app = make_app(url)
    from tests.conftest import reset_schema

    reset_schema(app)
    yield url
    reset_schema(app)


def _redis(port: int, directory: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
    )
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port, socket_connect_timeout=0.2).ping()
            return process
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError("redis did not start")


def _worker(env: dict) -> subprocess.Popen:
    # Its own session, so SIGKILL reaches the worker and the work horse it forked.
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(env["INSTANCE_PATH"] + "-worker.log", "a"),
    )


def test_every_reminder_exactly_once_despite_a_killed_worker_and_a_redis_outage(fault_database, tmp_path):
    from aiosmtpd.controller import Controller

    redis_port, smtp_port = free_port(), free_port()
    inbox = GatedInbox(gate_after=30)
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    redis_process = _redis(redis_port, tmp_path)
    settings = {
        "DATABASE_URL": fault_database,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "RQ_QUEUE": "faults",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "CLAIM_TIMEOUT_SECONDS": "2",
        "REMINDERS_IGNORE_QUIET_HOURS": "1",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "faults",
    }
    env = {**os.environ, **settings}
    app = make_app(
        fault_database,
        REDIS_URL=settings["REDIS_URL"],
        RQ_QUEUE="faults",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        CLAIM_TIMEOUT_SECONDS=2,
        REMINDERS_IGNORE_QUIET_HOURS=True,
    )
    workers = []
    try:
        with app.app_context():
            now = utcnow()
            db.session.execute(
                insert(User),
                [
                    {
                        "username": f"u{i}",
                        "name": f"联络员{i}",
                        "email": f"u{i}@example.cn",
                        "password_hash": "x",
                        "active": True,
                        "email_mode": "digest",
                    }
                    for i in range(USERS)
                ],
            )
            ids = list(db.session.scalars(select(User.id).order_by(User.id)))
            db.session.execute(insert(UserRole), [{"user_id": i, "role": "liaison"} for i in ids])
            db.session.execute(
                insert(Reminder),
                [
                    {
                        "dedupe_key": f"fault:{uid}:{n}",
                        "kind": f"before_{n}",
                        "audience": "unit",
                        "user_id": uid,
                        "subject": f"任务{n}",
                        "due_at": now,
                        "status": "pending",
                        "attempts": 0,
                        "last_error": "",
                    }
                    for uid in ids
                    for n in range(PER_USER)
                ],
            )
            db.session.commit()
            from coordination.reminders import delivery

            assert delivery.sweep() == USERS * PER_USER
            workers = [_worker(env), _worker(env)]
            assert inbox.gate_hit.wait(60), "workers never reached the SMTP server"
            os.killpg(workers[0].pid, signal.SIGKILL)  # mid-run: rows claimed, message not accepted
            workers[0].wait(10)
            inbox.release.set()
            time.sleep(0.5)
            redis_process.terminate()  # Redis goes away with whatever it held
            redis_process.wait(10)
            workers[1].wait(60)  # the surviving worker fails on Redis and stops
            assert delivery.sweep() > 0  # Redis down: nothing handed over, rows stay due, no error
            redis_process = _redis(redis_port, tmp_path)
            deadline = time.time() + 120
            while time.time() < deadline:
                time.sleep(2.2)  # longer than the stale grace
                if delivery.sweep() == 0:
                    break
                runner = _worker(env)
                runner.wait(120)
            db.session.expire_all()
            states = dict(
                db.session.execute(select(Reminder.status, func.count()).group_by(Reminder.status)).all()
            )
    finally:
        inbox.release.set()
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        redis_process.terminate()
        controller.stop()
    assert states == {"sent": USERS * PER_USER}
    expected = {f"fault:{uid}:{n}" for uid in ids for n in range(PER_USER)}
    assert set(inbox.keys) == expected  # none lost
    assert max(inbox.keys.values()) == 1  # none twice

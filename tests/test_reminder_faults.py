"""Exactly once under faults, for every kind of outbox row: 2,000 reminders, 200 invitations and
10 reports due now, two real RQ worker processes, one killed with SIGKILL mid-run, Redis stopped
and restarted empty; after the sweep the SMTP server has received every reminder and every
invitation exactly once (counted by dedupe key), and every report was made and recorded once.

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
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from coordination import outbox
from coordination.audit.models import AuditEvent
from coordination.auth.models import User, UserRole
from coordination.config import normalise_database_url
from coordination.extensions import db
from coordination.organizations.models import Mechanism
from coordination.outbox import mail
from coordination.outbox.models import OutgoingMail
from coordination.reminders.models import Reminder
from coordination.supervision.models import GeneratedReport
from coordination.timeutil import utcnow
from tests.conftest import ROOT, free_port, make_app

USERS, PER_USER = 400, 5  # 2,000 reminders
INVITATIONS, REPORTS = 200, 10


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
            # An invitation says its key in the subject, a reminder digest in its own header.
            self.keys.update(
                (message["X-Reminder-Keys"] or str(make_header(decode_header(message["Subject"])))).split()
            )
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


def _sweep() -> int:
    return sum(outbox.sweep_all().values())


INVITATION = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def _invitations(user_ids: list[int]) -> set[str]:
    """Invitations as the meetings queue them: composed with their calendar part, stored."""
    keys = set()
    for n, user_id in enumerate(user_ids[:INVITATIONS]):
        key = f"invitation:{user_id}"
        message = mail.compose(
            to_name=f"联络员{n}",
            to_email=f"u{n}@example.cn",
            subject=key,
            template="reminder",
            context={"user": {"name": f"联络员{n}"}, "items": [], "digest": False},
            ics=INVITATION,
            method="REQUEST",
        )
        mail.queue(message, kind="meeting.request", dedupe_key=key, recipient_user_id=user_id)
        keys.add(key)
    return keys


def test_every_outbox_row_exactly_once_despite_a_killed_worker_and_a_redis_outage(fault_database, tmp_path):
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
            from coordination import seed

            seed.load_mechanism()
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
            invitations = _invitations(ids)
            mechanism_id = db.session.scalar(select(Mechanism.id))
            db.session.execute(
                insert(GeneratedReport),
                [
                    {"mechanism_id": mechanism_id, "scope": "final", "requested_by_id": uid, "due_at": now}
                    for uid in ids[:REPORTS]
                ],
            )
            db.session.commit()
            swept = outbox.sweep_all()
            assert {table: due for table, due in swept.items() if due} == {
                "outgoing_mail": INVITATIONS,
                "reminders": USERS * PER_USER,
                "generated_reports": REPORTS,
            }
            workers = [_worker(env), _worker(env)]
            assert inbox.gate_hit.wait(60), "workers never reached the SMTP server"
            os.killpg(workers[0].pid, signal.SIGKILL)  # mid-run: rows claimed, message not accepted
            workers[0].wait(10)
            inbox.release.set()
            time.sleep(0.5)
            redis_process.terminate()  # Redis goes away with whatever it held
            redis_process.wait(10)
            workers[1].wait(60)  # the surviving worker fails on Redis and stops
            assert _sweep() > 0  # Redis down: nothing handed over, rows stay due, no error
            redis_process = _redis(redis_port, tmp_path)
            deadline = time.time() + 120
            while time.time() < deadline:
                time.sleep(2.2)  # longer than the stale grace
                if _sweep() == 0:
                    break
                runner = _worker(env)
                runner.wait(120)
            db.session.expire_all()
            states = {
                model.__tablename__: dict(
                    db.session.execute(select(model.status, func.count()).group_by(model.status)).all()
                )
                for model in (Reminder, OutgoingMail, GeneratedReport)
            }
            made = Counter(
                db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "report.done"))
            )
            reports = db.session.scalars(select(GeneratedReport)).all()
            files = [Path(settings["INSTANCE_PATH"], "reports", r.stored_name).is_file() for r in reports]
    finally:
        inbox.release.set()
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        redis_process.terminate()
        controller.stop()
    assert states == {
        "reminders": {"sent": USERS * PER_USER},
        "outgoing_mail": {"sent": INVITATIONS},
        "generated_reports": {"sent": REPORTS},
    }
    assert len(made) == REPORTS and max(made.values()) == 1 and all(files)  # each report made once
    expected = {f"fault:{uid}:{n}" for uid in ids for n in range(PER_USER)} | invitations
    assert set(inbox.keys) == expected  # none lost
    assert max(inbox.keys.values()) == 1  # none twice

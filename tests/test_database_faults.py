"""PostgreSQL goes away and comes back, with the app running: users get a clear notice in
Chinese instead of a 500, nothing half-written remains, the app recovers without a restart, and
mail queued before the outage is delivered after it. The test runs its own PostgreSQL (initdb in
a scratch directory) so it can stop it without touching the shared test database."""

import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from coordination.assignments.models import Assignment, ProgressReport
from coordination.extensions import db
from coordination.organizations.models import Body
from coordination.outbox.models import OutgoingMail
from tests.conftest import DEMO_PASSWORD, Inbox, free_port, make_app, reset_schema

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class OwnPostgres:
    def __init__(self) -> None:
        self.bin = Path(BINARIES[-1])
        self.root = Path(tempfile.mkdtemp(prefix="coordination-pg-"))
        shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    def _as_postgres(self, *command: object) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)], check=True, capture_output=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start"
        )

    def stop(self) -> None:
        # immediate: as a crash looks to the app (connections cut, no goodbye)
        self._as_postgres(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")


@pytest.fixture
def postgres() -> Iterator[OwnPostgres]:
    if not BINARIES or not shutil.which("runuser"):
        pytest.fail("PostgreSQL server binaries are needed (scripts/test installs them)")
    server = OwnPostgres()
    server.start()
    yield server
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            str(server.bin / "pg_ctl"),
            "-D",
            str(server.data),
            "-m",
            "immediate",
            "stop",
        ],
        capture_output=True,
    )
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def running(postgres, tmp_path):
    """The app on that server, seeded, with an issued plan and invitations waiting to be sent."""
    from aiosmtpd.controller import Controller

    from coordination import seed
    from coordination.meetings import operations as meetings
    from tests import factories as f

    reset_schema(make_app(postgres.url))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = {
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "REPORT_DIR": str(tmp_path / "reports"),
        "RQ_QUEUE": f"test-db-faults-{port}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
    }
    app = make_app(postgres.url, **config)
    with app.app_context():
        seed.load_mechanism()
        seed.load_demo_users()
        db.session.commit()
        f.issued_plan(items=1)
        meeting = f.meeting()
        meetings.add_attendee(meeting, f.user("secretary.dl"), name="李华", email="li.hua@example.org")
        meetings.schedule(meeting, f.user("secretary.dl"))
        db.session.commit()
        db.session.remove()
    web = make_app(postgres.url, **config)
    yield app, web, inbox
    controller.stop()
    from coordination.jobs import get_queue

    with app.app_context():
        get_queue().delete(delete_jobs=True)


def test_the_app_survives_a_database_restart(postgres, running):
    from rq import SimpleWorker

    from coordination.jobs import get_queue
    from coordination.outbox import mail

    app, web, inbox = running
    client = web.test_client()
    assert (
        client.post("/login", data={"username": "liaison.dl.port", "password": DEMO_PASSWORD}).status_code
        == 302
    )
    with app.app_context():
        port = db.session.scalar(select(Body.id).where(Body.name_zh == "大连港口与口岸局"))
        task = db.session.scalar(select(Assignment).where(Assignment.body_id == port))
        task_id, version = task.id, task.version
    assert client.get("/tasks").status_code == 200

    postgres.stop()
    page = client.get("/tasks")
    assert page.status_code == 503 and "无法连接数据库" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "30"
    assert client.get("/healthz").status_code == 503
    sent = client.post(f"/tasks/{task_id}/acknowledge", data={"version": version})
    assert sent.status_code == 503 and "没有保存" in sent.get_data(as_text=True)
    with app.app_context(), pytest.raises(OperationalError):  # the cron sweep fails too, and runs again
        mail.sweep()

    postgres.start()
    assert client.get("/healthz").get_json() == {"database": "ok"}  # no restart of the app
    assert client.get("/tasks").status_code == 200
    with app.app_context():
        assert db.session.get(Assignment, task_id).state == "assigned"  # nothing half-done
        assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0
    assert client.post(f"/tasks/{task_id}/acknowledge", data={"version": version}).status_code == 302
    with app.app_context():
        assert db.session.get(Assignment, task_id).state == "acknowledged"
        # Mail queued before the outage goes out after it, even with its jobs gone from Redis:
        # the sweep hands the rows to a worker again.
        queue = get_queue()
        queue.empty()
        assert mail.sweep() >= 1
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        pending = db.session.scalar(
            select(func.count()).select_from(OutgoingMail).where(OutgoingMail.status != "sent")
        )
    assert inbox.to("li.hua@example.org") and pending == 0

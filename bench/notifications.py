"""Notifications that reach people, at size (issue 15).

    python bench/notifications.py [--tasks 1000] [--units 40] [--rows 1000000] [--users 2000]

On PostgreSQL (BENCH_DATABASE_URL, default the local 'coord_bench_notify' database, recreated),
the local Redis (queue 'bench-notify', emptied afterwards) and a local SMTP server (aiosmtpd):

1. Issuing: an adopted plan of --tasks tasks over --units units (tests/factories.adopted_plan,
   as bench/issue.py), every unit's liaison and head with an e-mail address and e-mail mode
   'immediate', issued through the real request (POST /plans/N/issue, signed in as lead.sh):
   its time next to the target (< 3 s) and the notifications and e-mail rows it wrote.
2. Delivering: every unit has a group robot (half 企业微信, half 钉钉 with 加签) on a loopback
   stand-in of the providers (tests/robot_standin.py: it checks paths, bodies, signatures and the
   rate as the providers document them); the e-mail and robot messages the issue queued are sent
   by one RQ worker (SimpleWorker, burst) to the SMTP server and the stand-in: the time next to
   the target (units × e-mail + one robot each, < 10 s).
3. The bell: --rows notification rows over --users users (a few unread each), written with one
   INSERT … SELECT generate_series; inbox.unread_count() timed over 1,000 users (median), a real
   page (GET /tasks, signed in, page cache off) with and without the count (target: the count
   adds < 1 ms), and PostgreSQL's plan of the count (it must use ix_notifications_unread).

If the benchmark runs in quiet hours (night, rest days), it runs as of the next working morning
(timeutil.frozen_at): immediate e-mail waits for the morning otherwise, and nothing would be sent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # the plan builder the tests use

from common import free_port, recreate_database  # noqa: E402

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coord_bench_notify"
)
QUEUE = "bench-notify"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo users' (coordination.seed.data)  # nosec B105
ISSUE_TARGET = 3.0  # seconds
DELIVERY_TARGET = 10.0  # seconds, e-mail and robots together
BELL_TARGET_MS = 1.0


class Inbox:
    """What the SMTP server received: a count is all the benchmark needs."""

    def __init__(self) -> None:
        self.count = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--units", type=int, default=40)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=2000)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller
    from robot_standin import RobotStandIn

    recreate_database(BENCH_URL)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    robots = RobotStandIn().start()
    os.environ.update(DATABASE_URL=BENCH_URL, RQ_QUEUE=QUEUE)

    from flask_migrate import upgrade

    from coordination import create_app, seed
    from coordination.extensions import db
    from coordination.timeutil import frozen_at, to_local, utcnow
    from workflows.reminders import in_quiet_hours, next_sending_moment

    config = {
        "SQLALCHEMY_DATABASE_URI": BENCH_URL,
        "RQ_QUEUE": QUEUE,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "ROBOT_ALLOW_LOOPBACK": True,  # the providers' stand-in listens on 127.0.0.1
    }
    app = create_app(config)
    # The requests go to an app of their own: a request to the app whose context is open would
    # share that context's g (the signed-in user) and session with the benchmark and each other.
    web = create_app(config)
    now = to_local(utcnow()).replace(tzinfo=None)
    clock = frozen_at(next_sending_moment(now) + timedelta(hours=1)) if in_quiet_hours(now) else nullcontext()
    try:
        with app.app_context(), clock:
            upgrade(directory=str(ROOT / "migrations"))
            seed.load_mechanism()
            seed.load_demo_users()
            db.session.commit()
            print(f"on {db.engine.dialect.name}, local time {to_local(utcnow()):%Y-%m-%d %H:%M}")
            issue(web, args.tasks, args.units, robots)
            deliver(inbox, robots, args.units)
            bell(web, args.rows, args.users)
    finally:
        controller.stop()
        robots.stop()
        with app.app_context():
            from rq.exceptions import NoSuchJobError

            from coordination.jobs import get_queue

            queue = get_queue()
            for job_id in queue.scheduled_job_registry.get_job_ids():
                try:
                    queue.scheduled_job_registry.remove(job_id, delete_job=True)
                except NoSuchJobError:  # its job already expired: only the registry entry was left
                    queue.scheduled_job_registry.remove(job_id)
            queue.empty()


def _count(model: Any) -> int:
    from sqlalchemy import func, select

    from coordination.extensions import db

    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {username}")
    return client


def issue(web: Any, tasks: int, units: int, robots: Any) -> None:
    """1. The issue request (to `web`), with every unit's liaison and head wanting e-mail at once
    and every unit a group robot on the stand-in."""
    import factories
    from sqlalchemy import select, update

    from coordination.auth.models import Membership, User
    from coordination.extensions import db
    from coordination.inbox import Notification
    from coordination.notifications import subscribers
    from coordination.notifications.models import NotificationMail, RobotMessage
    from coordination.timeutil import local_today

    plan = factories.adopted_plan(tasks, units, year=local_today().year + 1)
    unit_people = select(Membership.user_id).where(
        Membership.body_id.in_(
            select(Membership.body_id)
            .join(User, User.id == Membership.user_id)
            .where(User.username.like("u%"))
        )
    )
    db.session.execute(
        update(User)
        .where(User.id.in_(unit_people), User.username.like("u%"))
        .values(email=User.username + "@units.example.cn", email_mode="immediate")
    )
    from coordination.notifications.channels import DINGTALK, WECOM
    from coordination.notifications.models import Webhook
    from coordination.plans.models import ItemUnit, PlanItem

    unit_ids = db.session.scalars(
        select(ItemUnit.body_id).join(PlanItem).where(PlanItem.plan_id == plan.id).distinct()
    ).all()
    for n, body_id in enumerate(sorted(unit_ids)):
        dingtalk = n % 2 == 1
        url = (
            robots.dingtalk_url(f"token{body_id}", f"SEC{body_id:040d}")
            if dingtalk
            else robots.wecom_url(f"key-{body_id}")
        )
        db.session.add(
            Webhook(
                provider=DINGTALK if dingtalk else WECOM,
                name=f"工作群{body_id}",
                url=url,
                secret=f"SEC{body_id:040d}" if dingtalk else "",
                body_id=body_id,
            )
        )
    db.session.commit()
    people = db.session.scalar(
        select(db.func.count()).select_from(User).where(User.email_mode == "immediate")
    )
    client = _signed_in(web, "lead.sh")
    telling: list[float] = []
    real_tell = subscribers.tell

    def timed_tell(*args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        real_tell(*args, **kwargs)
        telling.append(time.perf_counter() - started)

    subscribers.tell = timed_tell  # type: ignore[assignment]
    before = (_count(Notification), _count(NotificationMail), _count(RobotMessage))
    started = time.perf_counter()
    response = client.post(f"/plans/{plan.id}/issue", data={"document_number": f"沪合作办〔{plan.year}〕9号"})
    elapsed = time.perf_counter() - started
    subscribers.tell = real_tell  # type: ignore[assignment]
    if response.status_code != 302:
        raise SystemExit(f"the issue request answered {response.status_code}")
    db.session.rollback()
    notes, mails, robots = (
        after - was
        for after, was in zip(
            (_count(Notification), _count(NotificationMail), _count(RobotMessage)), before, strict=True
        )
    )
    print(
        f"1. issue request, {tasks:,} tasks to {units} units ({people} people on immediate e-mail): "
        f"{elapsed:.2f} s (target < {ISSUE_TARGET:.0f} s) — {notes:,} notifications, {mails:,} e-mail rows, "
        f"{robots:,} robot messages written; of which telling (notifications.telling.tell): "
        f"{sum(telling) * 1000:.0f} ms in {len(telling)} calls"
    )


def deliver(inbox: Inbox, robots: Any, units: int) -> None:
    """2. One worker sends what the issue queued: e-mail and robot messages."""
    from rq import SimpleWorker
    from sqlalchemy import func, select

    from coordination import outbox
    from coordination.extensions import db
    from coordination.jobs import get_queue
    from coordination.notifications.models import NotificationMail, RobotMessage

    queue = get_queue()
    queued = queue.count
    started = time.perf_counter()
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")
    elapsed = time.perf_counter() - started
    db.session.rollback()
    pending = dict(
        db.session.execute(
            select(NotificationMail.digest, func.count())
            .where(NotificationMail.status == outbox.PENDING)
            .group_by(NotificationMail.digest)
        )
        .tuples()
        .all()
    )
    robot_status = dict(
        db.session.execute(select(RobotMessage.status, func.count()).group_by(RobotMessage.status))
        .tuples()
        .all()
    )
    print(
        f"2. delivery, one worker ({queued} jobs queued by the issue): {elapsed:.2f} s "
        f"(target < {DELIVERY_TARGET:.0f} s) — {inbox.count} e-mails to {len(inbox.recipients)} people of "
        f"{units} units, {len(robots.accepted)} robot messages accepted by the stand-in "
        f"({robots.requests} requests; robot rows by status: {robot_status}); left pending: "
        f"{pending.get(False, 0)} immediate e-mail, {pending.get(True, 0)} for the 09:00 digest (demo users)"
    )


def bell(web: Any, rows: int, users: int) -> None:
    """3. The unread count at `rows` notifications (`web`: the app the requests go to)."""
    from sqlalchemy import select, text

    from coordination.auth.models import User
    from coordination.extensions import db
    from coordination.inbox import Notification

    mechanism_id = db.session.scalar(text("SELECT id FROM mechanisms ORDER BY id LIMIT 1"))
    started = time.perf_counter()
    db.session.execute(
        text(
            "INSERT INTO users (username, name, email, phone, password_hash, active, created_at, email_mode) "
            "SELECT 'bell' || g, '用户' || g, '', '', 'x', true, now(), 'off' FROM generate_series(1, :n) g"
        ),
        {"n": users},
    )
    reader = db.session.scalar(select(User.id).where(User.username == "liaison.dl.port"))
    ids = [*db.session.scalars(select(User.id).where(User.username.like("bell%")).order_by(User.id)), reader]
    low = min(ids[:-1])
    have = db.session.scalar(select(db.func.count()).select_from(Notification)) or 0
    # Each user's rows, oldest first (the n-th row of a user is g / users); one in a hundred of a
    # user's rows unread (the 2nd, 102nd …: a few a user), the rest read.
    db.session.execute(
        text(
            "INSERT INTO notifications (user_id, mechanism_id, kind, urgency, title, body, url, object_key, "
            "created_at, read_at) "
            "SELECT CASE WHEN g % :users = 0 THEN :reader ELSE :low + g % :users - 1 END, :mechanism, "
            "CASE WHEN g % 7 = 0 THEN 'task_assigned' ELSE 'reminder' END, 'normal', "
            "'提醒：任务还有 3 个工作日到期：合作事项' || (g % 500), '', '', "
            "'assignment:' || (1 + g % 1000), now() - make_interval(secs => :rows - g), "
            "CASE WHEN (g / :users) % 100 = 1 THEN NULL "
            "ELSE now() - make_interval(secs => (:rows - g) / 2) END "
            "FROM generate_series(1, :rows) g"
        ),
        {"users": users + 1, "reader": reader, "low": low, "mechanism": mechanism_id, "rows": rows},
    )
    db.session.commit()
    db.session.execute(text("ANALYZE notifications"))
    db.session.commit()
    total = have + rows
    unread = db.session.scalar(
        select(db.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    )
    print(
        f"3. the bell: {total:,} notification rows over {users + 1:,} users ({unread:,} unread), "
        f"written in {time.perf_counter() - started:.1f} s"
    )
    measure_bell(web, ids)


def measure_bell(web: Any, ids: list[int]) -> None:
    """The count's time alone, a page's with and without it, and its plan."""
    from sqlalchemy import text

    import coordination.app as factory
    from coordination import inbox
    from coordination.extensions import db

    sample = [ids[(i * 7919) % len(ids)] for i in range(1000)]
    for user_id in sample[:50]:  # warm the cache and the connection
        inbox.unread_count(user_id)
    timings = []
    counts = []
    for user_id in sample:
        started = time.perf_counter()
        counts.append(inbox.unread_count(user_id))
        timings.append(time.perf_counter() - started)
    db.session.rollback()
    timings.sort()
    print(
        f"   inbox.unread_count over 1,000 users: median {statistics.median(timings) * 1000:.3f} ms, "
        f"p95 {timings[949] * 1000:.3f} ms, max {timings[-1] * 1000:.3f} ms "
        f"(counts {min(counts)}–{max(counts)}, median {statistics.median(counts):.0f})"
    )

    client = _signed_in(web, "liaison.dl.port")
    real_unread = factory._unread

    def page(times: int) -> list[float]:
        spent = []
        for _ in range(times):
            started = time.perf_counter()
            response = client.get("/tasks")
            spent.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"GET /tasks answered {response.status_code}")
        return spent

    page(20)  # warm
    with_count, without = [], []
    for _ in range(12):  # interleaved, so drift in the machine's load falls on both
        factory._unread = real_unread  # type: ignore[assignment]
        with_count += page(40)
        factory._unread = lambda: 0  # type: ignore[assignment]
        without += page(40)
    factory._unread = real_unread  # type: ignore[assignment]
    shown = client.get("/tasks").get_data(as_text=True)
    bell_shown = "bell-count" in shown
    added = (statistics.median(with_count) - statistics.median(without)) * 1000
    print(
        f"   GET /tasks (signed in, {len(with_count)} requests each): with the count "
        f"{statistics.median(with_count) * 1000:.2f} ms, without {statistics.median(without) * 1000:.2f} ms "
        f"(medians): the count adds {added:.2f} ms (target < {BELL_TARGET_MS:.0f} ms); "
        f"bell shown: {bell_shown}"
    )

    statement = inbox.UNREAD.params(user_id=sample[0]).compile(
        db.engine, compile_kwargs={"literal_binds": True}
    )
    plan = [line for (line,) in db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {statement}"))]
    db.session.rollback()
    uses = [line.strip() for line in plan if "ix_notifications_unread" in line]
    print("   EXPLAIN of the count:", uses[0] if uses else "ix_notifications_unread NOT USED")
    for line in plan:
        if "Execution Time" in line:
            print("  ", line.strip())


if __name__ == "__main__":
    main()

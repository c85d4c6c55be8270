"""Benchmark of the reminder engine (issue: reminders through RQ).

    python bench/reminders.py [--assignments 100000] [--reminders 1000000] [--due 10000] [--mail 2000]

On PostgreSQL (BENCH_DATABASE_URL, default the local 'coord_bench' database, recreated) and the
local Redis: seeds the assignments and reminder rows with COPY, then prints
  * how long one sweep takes to find the due reminders and enqueue them (target < 2 s for 10,000);
  * how many reminder e-mails one worker delivers per second to a local SMTP server
    (target > 200/s), the SMTP connection being reused within each job.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import copy_rows, free_port, recreate_database  # noqa: E402

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coord_bench")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--reminders", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--mail", type=int, default=2_000, help="e-mails to deliver in the delivery run")
    parser.add_argument("--users", type=int, default=5_000)
    args = parser.parse_args()

    recreate_database(BENCH_URL)
    os.environ.update(DATABASE_URL=BENCH_URL, RQ_QUEUE="bench", REMINDERS_IGNORE_QUIET_HOURS="1")
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from coordination import create_app, seed
    from coordination.extensions import db
    from coordination.organizations.models import Body, Tier

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": BENCH_URL, "RQ_QUEUE": "bench", "REMINDERS_IGNORE_QUIET_HOURS": True}
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed.load_mechanism()
        db.session.commit()
        bodies = list(db.session.scalars(select(Body.id).where(Body.tier == Tier.EXECUTION)))
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        conn = raw.driver_connection
        now = datetime.utcnow().replace(microsecond=0)
        copy_rows(
            conn,
            "users",
            ["username", "name", "email", "phone", "password_hash", "active", "created_at", "email_mode"],
            (
                (f"bench{i}", f"联络员{i}", f"bench{i}@example.cn", "", "x", True, now, "digest")
                for i in range(args.users)
            ),
        )
        user_ids = [r[0] for r in conn.execute("SELECT id FROM users ORDER BY id").fetchall()]
        copy_rows(conn, "user_roles", ["user_id", "role"], ((u, "liaison") for u in user_ids))
        mechanism_id = conn.execute("SELECT id FROM mechanisms").fetchone()[0]
        deadline = date.today() + timedelta(days=30)
        copy_rows(
            conn,
            "assignments",
            [
                "mechanism_id",
                "source",
                "body_id",
                "role",
                "title",
                "state",
                "original_deadline",
                "current_deadline",
                "percent_complete",
                "results",
                "return_reason",
                "cancel_reason",
                "created_at",
                "updated_at",
                "version",
            ],
            (
                (
                    mechanism_id,
                    "plan_item",
                    bodies[i % len(bodies)],
                    "lead",
                    f"任务{i}",
                    "in_progress",
                    deadline,
                    deadline,
                    0,
                    "",
                    "",
                    "",
                    now,
                    now,
                    1,
                )
                for i in range(args.assignments)
            ),
        )
        first_assignment = conn.execute("SELECT min(id) FROM assignments").fetchone()[0]
        future = now + timedelta(days=20)
        past = now - timedelta(days=1)

        def reminder_rows():
            for i in range(args.reminders):
                user = user_ids[i % len(user_ids)]
                due = i < args.due
                status = "pending" if due or i % 2 else "sent"
                yield (
                    f"bench:{i}",
                    "before_7" if due else "before_3",
                    "unit",
                    user,
                    first_assignment + (i % args.assignments),
                    f"任务{i}",
                    past if due else future,
                    status,
                    0,
                    "",
                    now,
                )

        copy_rows(
            conn,
            "reminders",
            [
                "dedupe_key",
                "kind",
                "audience",
                "user_id",
                "assignment_id",
                "subject",
                "due_at",
                "status",
                "attempts",
                "last_error",
                "created_at",
            ],
            reminder_rows(),
        )
        conn.commit()
        conn.execute("ANALYZE")
        raw.close()
        print(
            f"seeded {args.assignments:,} assignments and {args.reminders:,} reminders in "
            f"{time.perf_counter() - started:.1f} s"
        )

        from coordination.jobs import get_queue
        from coordination.reminders import delivery

        queue = get_queue()
        queue.empty()
        started = time.perf_counter()
        found = delivery.sweep()
        sweep_seconds = time.perf_counter() - started
        jobs = queue.count
        print(
            f"sweep: {found:,} due reminders found and enqueued in {jobs} jobs in {sweep_seconds:.3f} s "
            f"(target < 2 s) {'OK' if sweep_seconds < 2 else 'TOO SLOW'}"
        )
        queue.empty()

        # Delivery: a local SMTP server in its own process, one worker (this process).
        port = free_port()
        smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
        )
        time.sleep(1.0)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        due_users = sorted(
            {
                r
                for r in db.session.scalars(
                    select(db.text("user_id"))
                    .select_from(db.text("reminders"))
                    .where(db.text("status = 'pending' AND due_at <= now()"))
                )
            }
        )[: args.mail]
        started = time.perf_counter()
        sent = 0
        profile = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        for i in range(0, len(due_users), delivery.USERS_PER_JOB):
            sent += delivery.deliver(due_users[i : i + delivery.USERS_PER_JOB])
        seconds = time.perf_counter() - started
        if profile:
            profile.disable()
            import pstats

            pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(
                25
            )
        smtp.terminate()
        rate = sent / seconds if seconds else 0
        verdict = "OK" if rate > 200 else "TOO SLOW"
        print(
            f"delivery: {sent:,} e-mails ({sent * (args.due // max(len(user_ids), 1) or 1):,}+ reminders) in "
            f"{seconds:.2f} s = {rate:.0f} e-mails/s per worker (target > 200/s) {verdict}"
        )
        remaining = db.session.scalar(
            select(func.count()).select_from(db.text("reminders")).where(db.text("status = 'sending'"))
        )
        print(f"rows left mid-send: {remaining}")


if __name__ == "__main__":
    main()

"""Issuing a plan: the write path of the whole system in one operation (issue 14).

    python bench/issue.py [--sizes 100 1000] [--units 40]

On PostgreSQL (BENCH_DATABASE_URL, default the local 'coord_bench_issue' database, recreated)
and the local Redis (queue 'bench-issue', emptied afterwards): seeds the mechanism and, for each
size, an adopted plan of that many tasks over --units member units (two units an item, each
unit with a liaison and a head) through the real operations, then issues it through
plans.operations.issue — tasks, audit events, reminders and the after-commit jobs, committed —
and prints the time next to the target (1,000 tasks under 3 s), the SQL statements per task and
the jobs handed to Redis against the distinct job ids.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # the plan builder the tests use

from common import recreate_database  # noqa: E402

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coord_bench_issue"
)
TARGET = {1000: 3.0}  # seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--units", type=int, default=40)
    args = parser.parse_args()

    recreate_database(BENCH_URL)
    os.environ.update(DATABASE_URL=BENCH_URL, RQ_QUEUE="bench-issue")
    import factories
    from flask_migrate import upgrade
    from rq import Queue
    from sqlalchemy import event, func, select

    from coordination import create_app, seed
    from coordination.extensions import db
    from coordination.jobs import get_queue
    from coordination.plans import operations as plans
    from coordination.reminders.models import Reminder
    from coordination.timeutil import local_today

    app = create_app({"SQLALCHEMY_DATABASE_URI": BENCH_URL, "RQ_QUEUE": "bench-issue"})
    jobs: list[str | None] = []
    for name in ("enqueue", "enqueue_at"):
        real = getattr(Queue, name)

        def counting(queue, *a, _real=real, job_id=None, **k):  # noqa: ANN001
            jobs.append(job_id)
            return _real(queue, *a, job_id=job_id, **k)

        setattr(Queue, name, counting)

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed.load_mechanism()
        seed.load_demo_users()
        db.session.commit()
        print(f"issuing plans to {args.units} units on {db.engine.dialect.name}")
        for offset, size in enumerate(args.sizes, start=1):
            plan = factories.adopted_plan(size, args.units, year=local_today().year + offset)
            lead = factories.user("lead.sh")
            before = db.session.scalar(select(func.count()).select_from(Reminder))
            statements: list[str] = []

            def count(_conn, _cursor, sql, *_a, _seen=statements) -> None:  # noqa: ANN001
                _seen.append(sql)

            jobs.clear()
            event.listen(db.engine, "before_cursor_execute", count)
            started = time.perf_counter()
            plans.issue(plan, lead, f"沪合作办〔{plan.year}〕1号")
            db.session.commit()
            elapsed = time.perf_counter() - started
            event.remove(db.engine, "before_cursor_execute", count)
            reminders = db.session.scalar(select(func.count()).select_from(Reminder)) - before
            target = f" (target < {TARGET[size]:.0f} s)" if size in TARGET else ""
            print(
                f"{size:>6,} tasks: {elapsed:6.2f} s{target}; {len(statements)} statements "
                f"({len(statements) / size:.2f} per task); {reminders:,} reminders; "
                f"{len(jobs)} jobs enqueued for {len({j for j in jobs})} distinct job ids"
            )
        queue = get_queue()
        queue.empty()
        for job_id in queue.scheduled_job_registry.get_job_ids():
            queue.scheduled_job_registry.remove(job_id, delete_job=True)


if __name__ == "__main__":
    main()

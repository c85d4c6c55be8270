"""Benchmark of the supervision overview (issue: dashboards).

    python bench/dashboard.py [--small 1000] [--large 100000] [--reports-per-task 10] [--runs 20]

On PostgreSQL (BENCH_DATABASE_URL, default the local 'coord_bench_dashboard' database, recreated):
seeds one year's plan with --small tasks and 10 progress reports each, measures the overview page,
then grows the same year to --large tasks (1,000,000 progress reports by default) and measures
again. For each size it prints the server time of drawing (kept pages off) the overview
(GET /supervision/), 我的任务 and one unit's overdue list (median and worst of --runs requests
through the app, after one warm-up) and the number of SQL queries each page issued, which must
not grow with the data.
Target: the overview under 150 ms at 100,000 tasks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import copy_rows, recreate_database  # noqa: E402

BENCH_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coord_bench_dashboard"
)
TARGET_MS = 150
STATES = ("assigned", "acknowledged", "in_progress", "submitted", "closed", "closed", "closed", "cancelled")
TASK_COLUMNS = [
    *("mechanism_id", "source", "plan_item_id", "key_task_id", "body_id", "role", "title", "state"),
    *("original_deadline", "current_deadline", "percent_complete", "results", "return_reason"),
    *("cancel_reason", "created_at", "updated_at", "closed_at", "quality", "version"),
]


def seed_tasks(conn, plan_id: int, first: int, count: int, context: dict) -> None:  # noqa: ANN001
    """count tasks (one plan item per 100), 10 reports each, an extension on every 20th."""
    year, now = context["year"], context["now"]
    key_tasks, bodies, user = context["key_tasks"], context["bodies"], context["user"]
    items = range(first // 100, (first + count + 99) // 100)
    copy_rows(
        conn,
        "plan_items",
        ["plan_id", "key_task_id", "position", "title", "content", "expected_results", "deadline"]
        + ["priority", "created_at", "updated_at", "version"],
        (
            (plan_id, key_tasks[i % len(key_tasks)], i, f"事项{i}", "", "", date(year, 12, 31))
            + ("normal", now, now, 1)
            for i in items
        ),
    )
    item_ids = [r[0] for r in conn.execute("SELECT id FROM plan_items ORDER BY id").fetchall()]

    def task(i: int) -> tuple:
        state = STATES[i % len(STATES)]
        deadline = date(year, 1, 1) + timedelta(days=(i * 37) % 365)
        closed = datetime.combine(deadline + timedelta(days=(i % 11) - 5), datetime.min.time())
        item = item_ids[min(i // 100, len(item_ids) - 1)]
        return (
            *(context["mechanism"], "plan_item", item, key_tasks[(i // 100) % len(key_tasks)]),
            *(bodies[i % len(bodies)], "lead", f"任务{i}", state, deadline, deadline, (i * 7) % 100),
            *("", "", "", now, now, closed if state == "closed" else None),
            *(3 + i % 3 if state == "closed" else None, 1),
        )

    copy_rows(conn, "assignments", TASK_COLUMNS, (task(i) for i in range(first, first + count)))
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM assignments ORDER BY id OFFSET %s LIMIT %s", (first, count)
        ).fetchall()
    ]
    copy_rows(
        conn,
        "progress_reports",
        ["assignment_id", "author_id", "period", "text", "percent", "created_at"],
        (
            (a, user, f"{n + 1}月", "按计划推进", 10 * n, now - timedelta(days=30 * n))
            for a in ids
            for n in range(context["reports"])
        ),
    )
    copy_rows(
        conn,
        "extension_requests",
        ["assignment_id", "requested_by_id", "reason", "requested_date", "deadline_at_request"]
        + ["progress", "state", "decision_note", "created_at", "version"],
        (
            (a, user, "审批周期", date(year, 12, 31), date(year, 6, 30), "", ("pending", "approved")[a % 2])
            + ("", now, 1)
            for a in ids[::20]
        ),
    )
    conn.commit()
    # VACUUM as autovacuum would after a bulk load: counts over an index read only the index once
    # the visibility map says the pages are all-visible; ANALYZE alone leaves every heap page read.
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = False


# label, user, page: the overview is the target; the task lists show the same holds for them
PAGES = [
    ("overview", "leader.sh", "/supervision/?year={year}"),
    ("我的任务", "liaison.dl.port", "/tasks"),
    ("overdue list", "liaison.dl.port", "/tasks?overdue=1"),
]


def measure(app, user: str, url: str, runs: int) -> tuple[float, float, int]:  # noqa: ANN001
    from sqlalchemy import event

    from coordination.extensions import db

    client = app.test_client()
    response = client.post("/login", data={"username": user, "password": "demo-pass-2026"})
    assert response.status_code == 302, "login failed"
    assert client.get(url).status_code == 200  # warm-up: templates compiled, caches filled
    with app.app_context():
        engine = db.engine
    queries = {"n": 0}

    def count(*_args) -> None:
        queries["n"] += 1

    timings = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            queries["n"] = 0
            started = time.perf_counter()
            response = client.get(url)
            timings.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statistics.median(timings), max(timings), queries["n"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--reports-per-task", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    recreate_database(BENCH_URL)
    os.environ["DATABASE_URL"] = BENCH_URL
    from flask_migrate import upgrade
    from sqlalchemy import select

    from coordination import create_app, seed
    from coordination.extensions import db
    from coordination.framework.models import KeyTask
    from coordination.organizations.models import Body, Tier

    # Pages drawn every time: this measures what drawing costs (kept pages: bench/throughput.py).
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": BENCH_URL,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    year = date.today().year
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed.load_mechanism()
        seed.load_demo_users()
        db.session.commit()
        raw = db.engine.raw_connection()
        conn = raw.driver_connection
        now = datetime.utcnow().replace(microsecond=0)
        mechanism = conn.execute("SELECT id FROM mechanisms").fetchone()[0]
        plan_id = conn.execute(
            "INSERT INTO annual_plans (mechanism_id, year, title, state, issued_on, document_number,"
            " report_cadence, created_at) VALUES (%s, %s, '工作要点', 'issued', %s, '', 'monthly', %s)"
            " RETURNING id",
            (mechanism, year, date(year, 1, 15), now),
        ).fetchone()[0]
        context = {
            "year": year,
            "now": now,
            "mechanism": mechanism,
            "reports": args.reports_per_task,
            "key_tasks": list(db.session.scalars(select(KeyTask.id).order_by(KeyTask.number))),
            "bodies": list(db.session.scalars(select(Body.id).where(Body.tier == Tier.EXECUTION))),
            "user": conn.execute("SELECT id FROM users WHERE username = 'liaison.sh.commerce'").fetchone()[0],
        }
        # End the session's read so that VACUUM (in seed_tasks) may mark the new rows all-visible.
        db.session.commit()
        conn.commit()
        results = []
        seeded = 0
        for size in (args.small, args.large):
            started = time.perf_counter()
            seed_tasks(conn, plan_id, seeded, size - seeded, context)
            seeded = size
            reports = conn.execute("SELECT count(*) FROM progress_reports").fetchone()[0]
            print(
                f"seeded {size:,} tasks and {reports:,} progress reports "
                f"in {time.perf_counter() - started:.1f} s"
            )
            for label, user, url in PAGES:
                median, worst, queries = measure(app, user, url.format(year=year), args.runs)
                results.append((label, size, queries))
                target = f" (target < {TARGET_MS} ms) " + ("OK" if median < TARGET_MS else "TOO SLOW")
                print(
                    f"{label} at {size:,} tasks: median {median:.1f} ms, worst {worst:.1f} ms over "
                    f"{args.runs} requests, {queries} SQL queries" + (target if label == "overview" else "")
                )
        raw.close()
    for label, _user, _url in PAGES:
        counts = [(size, q) for name, size, q in results if name == label]
        constant = len({q for _, q in counts}) == 1
        print(
            f"{label}: SQL queries per request "
            + ", ".join(f"{q} at {size:,}" for size, q in counts)
            + (" (constant)" if constant else " (GROWS WITH THE DATA)")
        )


if __name__ == "__main__":
    main()

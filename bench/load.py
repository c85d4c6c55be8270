"""Load test: 50 users in a realistic mix against gunicorn + PostgreSQL + Redis, on loopback.

    python bench/load.py [--users 50] [--minutes 5] [--workers 4]

Uses the database bench/dashboard.py builds (100,000 tasks, 1,000,000 progress reports); run
that first. Starts gunicorn and a job worker, then locust headless for the given time:
liaisons open their task lists and tasks and report progress (real forms, CSRF included, with
the optimistic-lock version), lead departments work the verification queue and the overdue
list, leading-group members read the dashboards. Prints requests, failures, 5xx answers and
p50/p95/p99 latency per page and in total; exits non-zero on any 5xx.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from locust import HttpUser, between, task

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password
LIAISONS = [
    "liaison.dl.port",
    "liaison.dl.commerce",
    "liaison.dl.sci",
    "liaison.sh.commerce",
    "liaison.sh.sci",
]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CONFLICT = "其他人修改了此记录"
MESSAGE = re.compile(r'class="flash flash-\w+">([^<]*)|<li>([^<]*)</li>')
TASK_LINK = re.compile(r'href="/tasks/(\d+)"')
VERSION = re.compile(r'action="/tasks/\d+/report".*?name="version"[^>]*value="(\d+)"', re.S)


class Signed(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # people read what they opened
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/login", name="/login").text
        self.client.post(
            "/login",
            {"csrf_token": TOKEN.search(page)[1], "username": self.username, "password": PASSWORD},
            name="/login",
        )


class Liaison(Signed):
    weight = 6

    def on_start(self) -> None:
        self.username = random.choice(LIAISONS)
        super().on_start()

    @task(4)
    def my_tasks(self) -> None:
        self.client.get("/tasks", name="/tasks")

    @task(2)
    def overdue(self) -> None:
        self.client.get("/tasks?overdue=1", name="/tasks?overdue=1")

    @task(3)
    def report_progress(self) -> None:
        listing = self.client.get("/tasks?state=in_progress", name="/tasks?state=in_progress").text
        ids = TASK_LINK.findall(listing)
        if not ids:
            return
        task_id = random.choice(ids)
        page = self.client.get(f"/tasks/{task_id}", name="/tasks/<id>").text
        version = VERSION.search(page)
        token = TOKEN.search(page)
        if not (version and token):
            return
        self.client.post(
            f"/tasks/{task_id}/report",
            {
                "csrf_token": token[1],
                "version": version[1],
                "text": "本月完成港口对接会一次，推进顺利。",
                "percent": str(random.randint(10, 90)),
                "period": "11月",
            },
            name="/tasks/<id>/report",
        )

    @task(1)
    def notifications(self) -> None:
        self.client.get("/notifications", name="/notifications")


class LeadDepartment(Signed):
    weight = 3
    username = "lead.dl"

    @task(3)
    def verification(self) -> None:
        self.client.get("/verification", name="/verification")

    @task(2)
    def overdue_everywhere(self) -> None:
        self.client.get("/tasks?overdue=1", name="/tasks?overdue=1")

    @task(1)
    def overview(self) -> None:
        self.client.get("/supervision/", name="/supervision/")


class Leader(Signed):
    weight = 1
    username = "leader.sh"

    @task(3)
    def overview(self) -> None:
        self.client.get("/supervision/", name="/supervision/")

    @task(1)
    def units(self) -> None:
        self.client.get("/supervision/units", name="/supervision/units")

    @task(1)
    def evaluation(self) -> None:
        self.client.get("/evaluation/", name="/evaluation/")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH))
    from dashboard import BENCH_URL
    from throughput import start_server

    server, port = start_server(args.workers)
    env = {**os.environ, "DATABASE_URL": BENCH_URL}
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "worker"], cwd=ROOT, env=env
    )
    prefix = Path(tempfile.mkdtemp()) / "load"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        subprocess.run(
            [
                str(Path(sys.executable).parent / "locust"),
                *("-f", __file__, "--headless", "--only-summary"),
                *("-u", str(args.users), "-r", "10", "-t", f"{int(args.minutes * 60)}s"),
                *("--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust's alone: the others still run
    finally:
        server.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        worker.wait(timeout=30)
    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = list(csv.DictReader(handle))
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    server_errors = sum(int(f["Occurrences"]) for f in failures if re.search(r"\b5\d\d\b", f["Error"]))
    print(f"\n{'page':<28} {'requests':>9} {'failures':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in stats:
        print(
            f"{row['Name']:<28} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    for failure in failures:
        print(
            f"failure: {failure['Method']} {failure['Name']}: {failure['Error']} × {failure['Occurrences']}"
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"client CPU: {100 * cpu / (args.minutes * 60):.0f} % of one core (locust, on the same cores)")
    print(f"5xx answers: {server_errors}")
    if server_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

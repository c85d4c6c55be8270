"""The benchmark report: every benchmark in one run, one table at the end.

    python bench/report.py             # about 5 minutes on a 2-core machine

Needs PostgreSQL on 127.0.0.1 and the local Redis (as the tests do). It runs, each in its own
process so one cannot warm the other's caches:
  1. bench/dashboard.py   seeds a year of 1,000 then 100,000 tasks (1,000,000 progress reports)
                          and measures pages in-process: server time and SQL queries per page;
  2. bench/throughput.py  gunicorn on that database, 8 keep-alive connections per page:
                          requests/s, p50 and p99 latency;
  3. bench/reminders.py   100,000 tasks and 1,000,000 reminder rows: sweep time, delivery rate.
Each script prints its own lines as it goes; this one collects their figures into the table.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# Issue 16's table: the figure measured on 2026-12-01 (pages drawn, page cache off) and the target.
TARGETS = {
    "overview at 100,000 tasks": "< 30 ms server time (was 60-90 ms)",
    "overdue list of one unit, drawn": ">= 300 requests/s, p99 < 60 ms (was 90-113 req/s)",
    "a task page with 10 progress reports, drawn": ">= 200 requests/s (was 49-58)",
    "home page of a leading-group member, drawn": ">= 200 requests/s (was 13-16)",
    "我的任务 (my tasks), drawn": ">= 250 requests/s (was 46-56)",
    "overview dashboard, drawn": ">= 150 requests/s (was 22-25)",
    "overdue list of one unit, 10 writes/s": ">= 250 requests/s (was 217-674 with the page cache)",
    "sweep": "< 2 s for 10,000 due",
    "delivery": "> 200 e-mails/s",
}


def run(script: str, *args: str) -> str:
    print(f"== {script} {' '.join(args)}", flush=True)
    process = subprocess.run(
        [sys.executable, str(BENCH / script), *args], capture_output=True, text=True, check=False
    )
    lines = [line for line in process.stdout.splitlines() if not line.startswith("INFO")]
    print("\n".join(lines), flush=True)
    if process.returncode:
        print(process.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{script} failed")
    return process.stdout


def main() -> None:
    rows: list[tuple[str, str, str]] = []
    dashboard = run("dashboard.py")
    for label, size, median, worst, queries in re.findall(
        r"^(.+?) at ([\d,]+) tasks: median ([\d.]+) ms, worst ([\d.]+) ms over \d+ requests, (\d+) SQL",
        dashboard,
        re.M,
    ):
        name = f"{label} at {size} tasks"
        rows.append(
            (
                name,
                f"server time median {median} ms (worst {worst}), {queries} SQL queries",
                TARGETS.get(name, ""),
            )
        )
    for line in re.findall(r"^.+: SQL queries per request .+$", dashboard, re.M):
        rows.append((line.split(":")[0] + ", queries", line.split(": ", 1)[1], "constant"))
    throughput = run("throughput.py")
    for label, rate, connections, p50, p99 in re.findall(
        r"^(.+?): (\d+) requests/s at (\d+) connections, p50 ([\d.]+) ms, p99 ([\d.]+) ms",
        throughput,
        re.M,
    ):
        rows.append(
            (
                label,
                f"{rate} requests/s at {connections} connections, p50 {p50} ms, p99 {p99} ms",
                TARGETS.get(label, ""),
            )
        )
    reminders = run("reminders.py")
    sweep = re.search(r"^sweep: ([\d,]+) due reminders .* in ([\d.]+) s", reminders, re.M)
    delivery = re.search(r"^delivery: ([\d,]+) e-mails .* = (\d+) e-mails/s", reminders, re.M)
    if sweep:
        rows.append(
            ("sweep", f"{sweep[1]} due reminders found and enqueued in {sweep[2]} s", TARGETS["sweep"])
        )
    if delivery:
        rows.append(
            ("delivery", f"{delivery[1]} e-mails at {delivery[2]} e-mails/s, one worker", TARGETS["delivery"])
        )
    width = max(len(name) for name, _, _ in rows)
    print("\n" + "benchmark".ljust(width) + " | figure | target")
    print("-" * width + "-|--------|-------")
    for name, figure, target in rows:
        print(f"{name.ljust(width)} | {figure} | {target}")


if __name__ == "__main__":
    main()

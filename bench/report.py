"""The benchmark report: every benchmark in one run, one table at the end.

    python bench/report.py [--load-minutes 5]    # about 13 minutes on a 2-core machine

Needs PostgreSQL on 127.0.0.1 and the local Redis (as the tests do). It runs, each in its own
process so one cannot warm the other's caches:
  1. bench/dashboard.py   seeds a year of 1,000 then 100,000 tasks (1,000,000 progress reports)
                          and measures pages in-process: server time and SQL queries per page;
  2. bench/throughput.py  gunicorn on that database, 8 keep-alive connections per page:
                          requests/s, p50 and p99 latency;
  3. bench/load.py        50 users in a realistic mix with writes on that database, 5 minutes;
  4. bench/reminders.py   100,000 tasks and 1,000,000 reminder rows: sweep time, delivery rate.
Each script prints its own lines as it goes; this one collects their figures into the table.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
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
    "bare Flask view (the machine's limit)": "(no target: what gunicorn.conf.py serves at most here)",
    "load test, 50 users": "p95 < 300 ms, 0 5xx (was p95 2.2 s)",
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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--load-minutes", type=float, default=5)
    args = parser.parse_args()
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
    for label, rate, connections, p50, p99, cpu in re.findall(
        r"^(.+?): (\d+) requests/s at (\d+) connections, p50 ([\d.]+) ms, p99 ([\d.]+) ms,"
        r" client CPU (\d+) %",
        throughput,
        re.M,
    ):
        rows.append(
            (
                label,
                f"{rate} requests/s at {connections} connections, p50 {p50} ms, p99 {p99} ms"
                f" (client {cpu} % of a core)",
                TARGETS.get(label, ""),
            )
        )
    load = run("load.py", "--minutes", str(args.load_minutes))
    total = re.search(r"^Aggregated\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", load, re.M)
    errors = re.search(r"^5xx answers: (\d+)", load, re.M)
    client = re.search(r"^client CPU: (\d+) %", load, re.M)
    if total and errors:
        rows.append(
            (
                "load test, 50 users",
                f"{total[1]} requests in {args.load_minutes:g} min, p50 {total[3]} ms, p95 {total[4]} ms,"
                f" p99 {total[5]} ms, {errors[1]} 5xx, {total[2]} failures"
                + (f" (client {client[1]} % of a core)" if client else ""),
                TARGETS["load test, 50 users"],
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
    width = max(_columns(name) for name, _, _ in rows)
    print("\n" + "benchmark".ljust(width) + " | figure | target")
    print("-" * width + "-|--------|-------")
    for name, figure, target in rows:
        print(f"{name}{' ' * (width - _columns(name))} | {figure} | {target}")


def _columns(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


if __name__ == "__main__":
    main()

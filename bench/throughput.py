"""Pages under concurrent load: gunicorn on the dashboard benchmark's database (100,000 tasks,
1,000,000 progress reports), N keep-alive connections each signed in as a real user.

    python bench/throughput.py [--connections 8] [--seconds 15] [--workers 4]

Run bench/dashboard.py first (it builds the database). Prints, per page, requests per second,
p50 and p99 latency and any non-200 answers, every page drawn (no page is kept: only figures,
by version, in Redis), and the overdue list again while 10 progress reports a second are written
(each one retires the mechanism's kept figures, as the app's own writes do). Targets (issue 16):
the overdue list of one unit >= 300 requests/s at 8 connections on a 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import free_port  # noqa: E402
from dashboard import BENCH_URL  # noqa: E402

PAGES = [
    # label, user, path
    ("overdue list of one unit", "liaison.dl.port", "/tasks?overdue=1"),
    ("我的任务 (my tasks)", "liaison.dl.port", "/tasks"),
    ("overview dashboard", "leader.sh", "/supervision/"),
    ("home page of a leading-group member", "leader.sh", "/"),
    ("a task page with 10 progress reports", "liaison.dl.port", "/tasks/{task}"),
]
PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password


def sign_in(port: int, username: str) -> str:
    """A session cookie through the real login form (CSRF token included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    body = urlencode({"csrf_token": token, "username": username, "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/login", body, headers)
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"sign-in as {username} failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def hammer(port: int, path: str, cookie: str, connections: int, seconds: float) -> dict:
    """wrk (C, epoll) drives the connections so that the client's own CPU stays small next to the
    server's on a 2-core machine; its user+system seconds are returned as client_cpu."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(
        [
            *("wrk", "--threads", "2", "--connections", str(connections)),
            *("--duration", f"{seconds:g}s", "--timeout", "30s", "--latency"),
            *("--header", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    other = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.+)", output)
    return {
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M)[1]),
        "p99": _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M)[1]),
        "non_200": int(other[1]) if other else 0,
        "socket_errors": errors[1] if errors else "",
        "client_cpu": 100 * cpu / seconds,
    }


def _milliseconds(figure: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", figure).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def writer(stop: threading.Event, per_second: float) -> None:
    """Stands in for liaisons reporting progress elsewhere: a report row and its task's percent,
    then the mechanism's task version replaced, as the app does after such a commit."""
    import secrets

    import psycopg
    from redis import Redis

    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    with psycopg.connect(BENCH_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        mechanism, user = conn.execute("SELECT mechanism_id, id FROM assignments LIMIT 1").fetchone()
        tasks = [
            row[0] for row in conn.execute("SELECT id FROM assignments WHERE state = 'in_progress' LIMIT 500")
        ]
        n = 0
        while not stop.wait(1 / per_second):
            task = tasks[n % len(tasks)]
            n += 1
            with conn.transaction():
                conn.execute(
                    "INSERT INTO progress_reports (assignment_id, author_id, period, text, percent,"
                    " created_at) VALUES (%s, (SELECT min(id) FROM users), '12月', '按计划推进', 50, now())",
                    (task,),
                )
                conn.execute(
                    "UPDATE assignments SET percent_complete = 50, updated_at = now() WHERE id = %s", (task,)
                )
            redis.set(f"coordination:version:tasks:{mechanism}", secrets.token_hex(8))


def start_server(
    workers: int | None = None, app: str = "wsgi:app", threads: int | None = None
) -> tuple[subprocess.Popen, int]:
    """gunicorn as deployed: gunicorn.conf.py from the repository, only the address changed."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": BENCH_URL, "RATELIMIT_STORAGE_URI": "memory://"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            *("--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"),
            *("--pythonpath", str(ROOT / "bench")),
            *(("--workers", str(workers)) if workers else ()),
            *(("--worker-class", "gthread", "--threads", str(threads)) if threads else ()),
            *("--log-level", "warning", app),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return server, port
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def report(label: str, figures: dict, connections: int) -> None:
    problems = [f"NON-200: {figures['non_200']}"] * bool(figures["non_200"])
    problems += [f"socket errors: {figures['socket_errors']}"] * bool(figures["socket_errors"])
    print(
        f"{label}: {figures['rate']:.0f} requests/s at {connections} connections, "
        f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, client CPU {figures['client_cpu']:.0f} %"
        + "".join(f", {problem}" for problem in problems),
        flush=True,
    )


SETTINGS = [
    # label suffix, writes per second elsewhere, pages
    ("drawn", 0, [page[0] for page in PAGES]),
    ("10 writes/s", 10, [PAGES[0][0]]),
]


def main() -> list[tuple[str, dict]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=None, help="gthread workers with this many threads")
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare Flask view")
    args = parser.parse_args()
    results = []
    import psycopg

    if not args.no_baseline:
        server, port = start_server(args.workers, app="bare:app", threads=args.threads)
        try:
            hammer(port, "/", "", args.connections, 2)
            figures = hammer(port, "/", "", args.connections, args.seconds)
            report("bare Flask view (the machine's limit)", figures, args.connections)
        finally:
            stop_server(server)
    with psycopg.connect(BENCH_URL.replace("postgresql+psycopg", "postgresql")) as conn:
        # A task of the liaison's unit with its 10 reports (the dashboard seeds every task so).
        task = conn.execute(
            "SELECT a.id FROM assignments a JOIN memberships m ON m.body_id = a.body_id"
            " JOIN users u ON u.id = m.user_id WHERE u.username = 'liaison.dl.port' ORDER BY a.id LIMIT 1"
        ).fetchone()[0]
    for setting, writes, labels in SETTINGS:
        pages = [page for page in PAGES if page[0] in labels and (args.only or "") in page[0]]
        if not pages:
            continue
        server, port = start_server(args.workers, threads=args.threads)
        try:
            for label, user, path in pages:
                cookie = sign_in(port, user)
                path = path.format(task=task)
                hammer(port, path, cookie, args.connections, 2)  # warm every worker
                stop = threading.Event()
                if writes:
                    threading.Thread(target=writer, args=(stop, writes), daemon=True).start()
                figures = hammer(port, path, cookie, args.connections, args.seconds)
                stop.set()
                results.append((f"{label}, {setting}", figures))
                report(f"{label}, {setting}", figures, args.connections)
        finally:
            stop_server(server)
    return results


if __name__ == "__main__":
    main()

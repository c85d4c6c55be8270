"""gunicorn reads this from the directory it starts in; the benchmarks start it with --config.

The request-line and header limits are gunicorn's largest; the app refuses well below them
(coordination/errors.py) so that users read its Chinese page, not gunicorn's bare English one.

Workers: chosen by a sweep on the 2-core benchmark machine (bench/throughput.py --only overdue
--workers N [--threads T], 100,000 tasks, wrk with 8 connections, 2026-12-02): sync workers
2 -> 140 requests/s, 3 -> 146, 4 -> 164, 6 -> 137; gthread 2 x 2 threads -> 83, 2 x 4 -> 108.
A page is CPU-bound Python (PostgreSQL takes ~5 % of the cores now that statements stay
prepared), so threads only add GIL switching, and two processes per core let one draw while
the other waits on a round trip; more than that only adds context switches.
keepalive only counts for gthread or async workers (sync workers close after each response, as
behind the usual reverse proxy); kept at 30 s in case the worker class changes.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
keepalive = 30
limit_request_line = 8190
limit_request_field_size = 16384

"""gunicorn reads this from the directory it starts in; the benchmarks start it with --config.

The request-line and header limits are gunicorn's largest; the app refuses well below them
(coordination/errors.py) so that users read its Chinese page, not gunicorn's bare English one.

Workers: the pages are CPU-bound Python with short PostgreSQL round trips in between, so sync
workers, two per core, let one draw while the other waits on the database (4 on the 2-core
machine the benchmarks run on, which is what bench/throughput.py measured with until now).
Not yet chosen by a sweep of worker classes and counts: issue 16 asks for one.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
keepalive = 30  # browsers and the load balancer keep connections open between page views
limit_request_line = 8190
limit_request_field_size = 16384

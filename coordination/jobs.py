"""Background jobs on RQ: the queue, enqueue-after-commit, and the app-context wrapper.

Jobs take ids, reload rows and are idempotent; the database stays the source of truth, so a
job that never reaches Redis is picked up again by the sweep rather than lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coordination.extensions import db

log = logging.getLogger(__name__)
_worker_app: Flask | None = None


def claim_timeout() -> timedelta:
    """How long a row a worker claimed may stay claimed before the sweeps take that worker for
    dead and hand the row out again: mail, reminders and reports alike."""
    return timedelta(seconds=current_app.config["CLAIM_TIMEOUT_SECONDS"])


def init_app(app: Flask) -> None:
    """The app's one Redis client and one queue, made here and shared by every enqueue, sweep,
    status page and worker of this app (a client holds a connection pool: one per call opened a
    new connection each time). Called by create_app, and again after REDIS_URL is changed."""
    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
    app.extensions["rq"] = Queue(app.config["RQ_QUEUE"], connection=connection)


def get_queue() -> Queue:
    queue: Queue = current_app.extensions["rq"]
    return queue


def redis_connection() -> Redis:
    return get_queue().connection


def redis_available() -> bool:
    try:
        return bool(redis_connection().ping())
    except RedisError:
        return False


def run_in_app(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Entry point RQ calls: gives the job an app context (the worker's, or a new app)."""
    if has_app_context():
        return func(*args, **kwargs)
    if _worker_app is None:
        # The app is the top layer: jobs do not build it, the worker that runs them does.
        raise RuntimeError("start workers with `flask --app wsgi worker`, which gives jobs their app")
    with _worker_app.app_context():
        return func(*args, **kwargs)


def enqueue_after_commit(
    session: Session,
    func: Callable[..., Any],
    *args: Any,
    job_id: str | None = None,
    at: datetime | None = None,
) -> None:
    """Queue func(*args) once the surrounding transaction commits, never before (a worker must
    not see a row that may yet roll back). A job id already queued in this transaction is the
    same job: Redis would only overwrite it, so it is sent once."""
    if job_id is not None:
        ids = session.info.setdefault("after_commit_job_ids", set())
        if job_id in ids:
            return
        ids.add(job_id)
    session.info.setdefault("after_commit_jobs", []).append((func, args, job_id, at))


@event.listens_for(Session, "after_commit")
def _flush_jobs(session: Session) -> None:
    session.info.pop("after_commit_job_ids", None)
    pending = session.info.pop("after_commit_jobs", [])
    if not pending:
        return
    try:
        queue = get_queue()
        # One round trip for the whole transaction's jobs, scheduled ones included.
        with queue.connection.pipeline() as pipe:
            now = [
                Queue.prepare_data(run_in_app, (func, *args), job_id=job_id)
                for func, args, job_id, at in pending
                if at is None
            ]
            if now:
                queue.enqueue_many(now, pipeline=pipe)
            for func, args, job_id, at in pending:
                if at is not None:
                    queue.enqueue_at(at, run_in_app, func, *args, job_id=job_id, pipeline=pipe)
            pipe.execute()
    except RedisError as error:
        # The rows are committed; the sweep will hand them to Redis when it is back.
        log.warning("Redis unavailable, %d job(s) wait for the sweep: %s", len(pending), error)


@event.listens_for(Session, "after_rollback")
def _drop_jobs(session: Session) -> None:
    session.info.pop("after_commit_job_ids", None)
    session.info.pop("after_commit_jobs", None)


def enqueue_many(func: Callable[..., Any], batches: list[Any], what: str) -> bool:
    """One pipeline round trip for many jobs (the sweeps). Without Redis the rows stay due in
    the database and the next sweep hands them over: log it and carry on."""
    try:
        get_queue().enqueue_many([Queue.prepare_data(run_in_app, (func, batch)) for batch in batches])
    except RedisError as error:
        log.warning("Redis unavailable: %s wait for it: %s", what, error)
        return False
    return True


def run_worker(*, burst: bool = False) -> None:
    global _worker_app
    _worker_app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.engine.dispose()  # each forked job opens its own database connections
    queue = get_queue()
    worker = Worker([queue], connection=queue.connection)
    worker.work(burst=burst, with_scheduler=True)


def insert_once(model: type[Any], values: dict[str, Any], keys: list[str], where: Any) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING against a partial unique index on keys WHERE where: the
    new row's id, or None when such a row exists already. The database decides, so two requests
    at the same moment (two clicks, two web processes) cannot both queue a job."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=keys, index_where=where)
        .returning(model.id)
    )
    return db.session.scalar(statement)

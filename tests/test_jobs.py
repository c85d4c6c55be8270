"""Jobs queued after commit: each job id reaches Redis once per transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from coordination import jobs
from coordination.extensions import db


class RecordingQueue:
    def __init__(self) -> None:
        self.calls: list[tuple[str | None, datetime | None]] = []

    def enqueue(self, *args: Any, job_id: str | None = None) -> None:
        self.calls.append((job_id, None))

    def enqueue_at(self, at: datetime, *args: Any, job_id: str | None = None) -> None:
        self.calls.append((job_id, at))


def _noop() -> None:
    pass


def test_a_job_id_queued_many_times_in_one_transaction_is_sent_once(app, monkeypatch):
    # Issuing a plan syncs reminders for every new task: each asks for the same few morning
    # runs; sending each of them to Redis once per task made a 100-task commit take seconds.
    queue = RecordingQueue()
    monkeypatch.setattr(jobs, "get_queue", lambda *a: queue)
    morning = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for _ in range(50):
        jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603030900", at=morning)
    jobs.enqueue_after_commit(db.session(), _noop)
    jobs.enqueue_after_commit(db.session(), _noop)  # jobs without an id are each their own
    db.session.commit()
    assert sorted(queue.calls, key=str) == sorted(
        [
            ("reminders-202603020900", morning),
            ("reminders-202603030900", morning),
            (None, None),
            (None, None),
        ],
        key=str,
    )
    # The next transaction starts afresh, also after a rollback: the same morning is asked for again.
    db.session.execute(text("SELECT 1"))
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    db.session.rollback()
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    db.session.commit()
    assert queue.calls[4:] == [("reminders-202603020900", morning)]

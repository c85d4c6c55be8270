"""The write path in bulk: issuing a plan costs a number of SQL statements that grows by a small
constant per task (it was ~80 per task), and each distinct job reaches Redis at most once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import factories as f
import pytest
import rq
from sqlalchemy import event, func, select

from coordination import signals
from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.plans import operations as plans
from coordination.reminders.models import Reminder

# Measured: 0 (a batch costs the same 26 statements at 10 and at 100 tasks; before, ~80 a task).
# One a task leaves room for chunked IN lists and a receiver or two more, not for a loop of queries.
PER_TASK = 1


@contextmanager
def counted() -> Iterator[dict[str, list[object]]]:
    """SQL statements sent and jobs handed to Redis (the queue's enqueue calls, not sent)."""
    seen: dict[str, list[object]] = {"statements": [], "jobs": []}

    def statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        seen["statements"].append(sql)

    def job(kind: str):
        def enqueue(_queue: object, *args: object, job_id: str | None = None, **_: object) -> None:
            seen["jobs"].append(job_id or (kind, args))

        return enqueue

    event.listen(db.engine, "before_cursor_execute", statement)
    patch = pytest.MonkeyPatch()
    patch.setattr(rq.Queue, "enqueue", job("enqueue"))
    patch.setattr(rq.Queue, "enqueue_at", job("enqueue_at"))
    patch.setattr(rq.Queue, "enqueue_many", lambda _q, jobs, **_: seen["jobs"].extend(jobs))
    try:
        yield seen
    finally:
        patch.undo()
        event.remove(db.engine, "before_cursor_execute", statement)


def _issue(tasks: int, year: int) -> dict[str, list[object]]:
    plan = f.adopted_plan(tasks, year=year)
    lead = f.user("lead.sh")
    with counted() as seen:
        plans.issue(plan, lead, f"沪合作办〔{year}〕1号")
        db.session.commit()
    issued = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "assignment.create")
    )
    assert issued == db.session.scalar(select(func.count()).select_from(Assignment))
    return seen


def test_issuing_costs_a_constant_per_task(app):
    small = _issue(10, f.later().year + 1)
    db.session.execute(Reminder.__table__.delete())
    db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.action == "assignment.create"))
    db.session.execute(Assignment.__table__.delete())
    db.session.commit()
    large = _issue(100, f.later().year + 2)
    extra = len(large["statements"]) - len(small["statements"])
    assert extra <= PER_TASK * 90, f"{extra} more statements for 90 more tasks"
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 100
    assert db.session.scalar(select(func.count()).select_from(Reminder)) > 100 * 10
    for seen in (small, large):
        ids = [j for j in seen["jobs"] if isinstance(j, str)]
        assert len(seen["jobs"]) == len(ids) == len(set(ids)), "one enqueue per distinct job id"


def test_issue_sends_one_event_for_the_batch(app):
    plan = f.adopted_plan(20)
    batches: list[dict[str, object]] = []

    def created(_sender: int, **payload: object) -> None:
        batches.append(payload)

    signals.assignments_created.connect(created)
    try:
        plans.issue(plan, f.user("lead.sh"), "沪合作办〔2026〕1号")
        db.session.commit()
    finally:
        signals.assignments_created.disconnect(created)
    assert len(batches) == 1 and batches[0]["source"] == "plan"
    assert sorted(batches[0]["assignment_ids"]) == sorted(db.session.scalars(select(Assignment.id)))

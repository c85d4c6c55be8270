"""Urgings (催办) one at a time, and what a task's reminder row is keyed and timed by.

The schedule (schedule.py) holds only the next urging of an overdue task (urge_1 before the
deadline); delivering urge_N writes urge_N+1 (workflows.reminders.next_urging), if the task is
still open and overdue on the deadline the urging was counted from. The new row is a pending
outbox row like any other: the sweep hands it to a worker on its morning. The schedule's sync
rules hold for it unchanged: a moved deadline gives other keys (the old row is cancelled), a
closed task cancels it, and a sent row is never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.organizations.models import Body, Mechanism
from coordination.reminders.models import Reminder
from coordination.timeutil import local_today, to_utc, utcnow
from workflows.assignment import OPEN_VALUES
from workflows.reminders import Policy, next_urging, send_time

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Result
    from sqlalchemy.sql import Executable


class Sent(Protocol):
    """What a delivered row tells (delivery.Claimed)."""

    @property
    def kind(self) -> str: ...
    @property
    def dedupe_key(self) -> str: ...
    @property
    def user_id(self) -> int: ...
    @property
    def assignment_id(self) -> int | None: ...
    @property
    def subject(self) -> str: ...


def due_at_utc(day: date) -> datetime:
    """The moment (naive UTC, as stored) a reminder for `day` goes out: its working morning."""
    return to_utc(send_time(day))


def task_key(assignment_id: int, kind: str, stamp: str, user_id: int) -> str:
    """A task reminder's dedupe key; `stamp` is the deadline (or report period) it was counted
    from, so a moved deadline yields new keys."""
    return f"a{assignment_id}:{kind}:{stamp}:u{user_id}"


def urging_number(kind: str) -> int | None:
    prefix, _, number = kind.partition("_")
    return int(number) if prefix == "urge" and number.isdigit() else None


def write_next(rows: Sequence[Sent], connection: Connection | None = None) -> int:
    """After delivering these rows: for each urging among them whose task is still open and
    overdue on the same deadline, write the next urging to the same person (pending, on its
    working morning), unless it exists already. Through the delivery thread's own connection
    (in a transaction of its own, committed here) or the session (committed with the caller's
    work). Returns the rows written."""
    urgings = [(r, n) for r in rows if r.assignment_id and (n := urging_number(r.kind))]
    if not urgings:
        return 0  # most messages: nothing to look up
    if connection is None:
        return _write_next(urgings, db.session.execute)
    with connection.begin():
        return _write_next(urgings, connection.execute)


def write_next_within(rows: Sequence[Sent], connection: Connection) -> int:
    """write_next inside a transaction the caller holds (the outbox's finish)."""
    urgings = [(r, n) for r in rows if r.assignment_id and (n := urging_number(r.kind))]
    return _write_next(urgings, connection.execute) if urgings else 0


def _write_next(urgings: list[tuple[Sent, int]], execute: Callable[[Executable], Result[Any]]) -> int:
    ids = sorted({r.assignment_id for r, _n in urgings if r.assignment_id})
    tasks: dict[int, tuple[date, dict | None]] = {
        task_id: (deadline, policy)
        for task_id, deadline, policy in execute(
            select(Assignment.id, Assignment.current_deadline, Mechanism.reminder_policy)
            .join(Body, Body.id == Assignment.body_id)
            .join(Mechanism, Mechanism.id == Body.mechanism_id)
            .where(Assignment.id.in_(ids), Assignment.state.in_(OPEN_VALUES))
        )
    }
    today = local_today()
    fresh = []
    for row, number in urgings:
        if row.assignment_id is None or row.assignment_id not in tasks:
            continue  # closed or cancelled meanwhile: no more urging
        deadline, policy = tasks[row.assignment_id]
        if deadline >= today or row.dedupe_key.split(":")[2] != deadline.isoformat():
            continue  # extended since: the schedule keeps the new deadline's reminders
        due = next_urging(deadline, number, Policy.from_dict(policy), today)
        if due is None:
            continue  # past the horizon: the escalations have taken over
        fresh.append(
            {
                "dedupe_key": task_key(row.assignment_id, due.kind, deadline.isoformat(), row.user_id),
                "kind": due.kind,
                "audience": due.audience,
                "user_id": row.user_id,
                "assignment_id": row.assignment_id,
                "subject": row.subject,
                "due_at": due_at_utc(due.on),
                "status": "pending",
                "attempts": 0,
                "last_error": "",
                "created_at": utcnow(),
            }
        )
    if not fresh:
        return 0
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    # Written already when a worker whose claim the sweep handed on delivered the same urging,
    # or a sync on the urging's morning held the next one: one row either way.
    statement = insert(Reminder).values(fresh).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return len(execute(statement.returning(Reminder.id)).all())

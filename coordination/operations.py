"""What every operation shares: user-facing errors and the workflow gate."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, cast

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table as SATable
from sqlalchemy import inspect, update
from sqlalchemy.orm.attributes import set_committed_value

from coordination.extensions import Model, db
from workflows.base import Context, InvalidTransition, Table
from workflows.base import transition as workflow_transition

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


class Versioned(Protocol):
    """A row that counts its saves (the optimistic lock the edit forms carry)."""

    @property
    def version(self) -> int: ...


class OperationError(ValueError):
    """A rule the request breaks; the message is for the user, field says where to show it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(OperationError):
    """Someone else saved the record since this user opened it."""


# The workflows speak English keys; users read these.
REASONS = {
    "not allowed in this state": _l("This action is not possible in the current state."),
    "role not allowed": _l("You are not allowed to do this."),
    "plan has no items": _l("The plan has no items yet."),
    "no meeting chosen": _l("Choose the joint meeting first."),
    "items without responsible units": _l("Every item needs at least one responsible unit."),
    "results required": _l("Describe the results achieved."),
    "reason required": _l("Give a reason."),
    "requested date not after current deadline": _l("The requested date must be after the current deadline."),
    "quality out of range": _l("The quality score must be between 1 and 5."),
    "no attendees": _l("Add at least one attendee first."),
    "meeting not started yet": _l(
        "The meeting has not started yet: it can be recorded as held once it has begun."
    ),
    "visit not over yet": _l("The visit is not over yet: it can be recorded as completed from its last day."),
    "meeting not held yet": _l(
        "A plan is adopted at a meeting that has been held: record the meeting as held first."
    ),
    "plan has a history": _l(
        "Only a draft that never went to consultation or to a meeting can be withdrawn."
    ),
}


def explain(error: InvalidTransition) -> str:
    reason = REASONS.get(error.reason)
    return str(reason) if reason else _("This action is not possible: %(reason)s", reason=error.reason)


def check_transition(
    table: Table,
    state: Enum,
    action: str,
    roles: Iterable[str],
    context: Context | None = None,
) -> Enum:
    """The new state, or an OperationError the user can read."""
    try:
        return workflow_transition(table, state, action, roles, context)
    except InvalidTransition as error:
        raise OperationError(explain(error)) from error


CONFLICT = _l(
    "Someone else changed this record after you opened it. Reload the page, check their changes and try again."  # noqa: E501
)


def check_version(obj: Versioned, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(str(CONFLICT))


def claim(row: Model, **changes: object) -> None:
    """Writes `changes` only if the row still holds what this request read (the changed columns
    and, where the model has one, its version): `UPDATE … SET …, version=version+1 WHERE id=?
    AND state=<as read> AND version=<as read>`. Of two requests that read the same row exactly
    one updates it; the other finds no row and gets CONFLICT, so whatever it did before in its
    transaction is rolled back with it. On PostgreSQL the loser waits on the winner's row lock,
    on SQLite on its write lock; either way it then sees the winner's row."""
    db.session.flush()  # this request's own pending changes first, so "as read" is what it holds
    state = inspect(row)
    if state.identity is None:
        raise ValueError("claim() is for a row read from the database")
    identity = state.identity
    mapper = state.mapper
    # Every model maps one table; mapper.local_table is typed as any FROM clause (a join too).
    table = cast(SATable, mapper.local_table)
    conditions = [column == identity[i] for i, column in enumerate(mapper.primary_key)]
    values = {mapper.get_property(key).columns[0].name: value for key, value in changes.items()}
    for key in changes:
        column = mapper.get_property(key).columns[0]
        loaded = getattr(row, key)  # after the flush: what the database holds for this request
        conditions.append(column.is_(None) if loaded is None else column == loaded)
    version_key = None
    if mapper.version_id_col is not None:
        version_key = mapper.get_property_by_column(mapper.version_id_col).key
        version = getattr(row, version_key)
        conditions.append(mapper.version_id_col == version)
        values[mapper.version_id_col.name] = version + 1
    # An UPDATE's result is a CursorResult, which counts the rows; Session.execute is typed wider.
    result = cast("CursorResult[Any]", db.session.execute(update(table).where(*conditions).values(**values)))
    if result.rowcount != 1:
        raise ConflictError(str(CONFLICT))
    # The row in memory is now what was written, so the unit of work does not write it again.
    for key, value in changes.items():
        set_committed_value(row, key, value)
    if version_key is not None:
        set_committed_value(row, version_key, version + 1)


def advance(
    row: Model,
    table: Table,
    action: str,
    roles: Iterable[str],
    context: Context | None = None,
) -> Enum:
    """A workflow transition of `row.state`, checked and then claimed (see claim): the one way
    every lifecycle changes state."""
    state_type = type(next(iter(table))[0])
    # Model declares no columns; every lifecycle's model maps a `state` column.
    current = inspect(row).attrs["state"].value
    new_state = check_transition(table, state_type(current), action, roles, context)
    claim(row, state=new_state.value)
    return new_state

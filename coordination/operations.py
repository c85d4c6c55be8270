"""What every operation shares: user-facing errors and the workflow gate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.base import InvalidTransition, Table
from workflows.base import transition as workflow_transition


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
}


def explain(error: InvalidTransition) -> str:
    reason = REASONS.get(error.reason)
    return str(reason) if reason else _("This action is not possible: %(reason)s", reason=error.reason)


def check_transition(
    table: Table,
    state: Enum | str,
    action: str,
    roles: Iterable[str],
    context: Mapping[str, Any] | None = None,
) -> Any:
    """The new state, or an OperationError the user can read."""
    try:
        return workflow_transition(table, state, action, roles, context)
    except InvalidTransition as error:
        raise OperationError(explain(error)) from error


CONFLICT = _l(
    "Someone else changed this record after you opened it. Reload the page, check their changes and try again."  # noqa: E501
)


def check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and obj.version != expected:
        raise ConflictError(str(CONFLICT))

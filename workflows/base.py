"""The transition table machinery shared by every lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

ROLE_ADMIN = "admin"
ROLE_LEAD_DEPARTMENT = "lead_department"  # staff of a lead department (牵头部门) of the mechanism
ROLE_UNIT_LIAISON = "unit_liaison"  # liaison of the unit the assignment belongs to
ROLE_SECRETARY = "secretary"
ROLE_ORGANISER = "organiser"  # the meeting's or visit's organiser
ROLE_LEADER = "leader"  # leading-group member: reads everything, acts nowhere

T = TypeVar("T")
# What a guard is told: facts about the object by name (counts, dates, a meeting's state).
Context = Mapping[str, object]
Guard = Callable[[Context], str | None]


class InvalidTransition(Exception):
    def __init__(self, state: Enum | str, action: str, reason: str) -> None:
        super().__init__(f"{action!r} from {getattr(state, 'value', state)!r}: {reason}")
        self.state = state
        self.action = action
        self.reason = reason


@dataclass(frozen=True)
class Rule:
    target: Enum
    roles: frozenset[str]
    guard: Guard | None = None


Table = Mapping[tuple[Enum, str], Rule]


def transition(
    table: Table, state: Enum, action: str, roles: Iterable[str], context: Context | None = None
) -> Enum:
    """The state after `action`, or InvalidTransition saying why not (state, role, then guard)."""
    rule = table.get((state, action))
    if rule is None:
        raise InvalidTransition(state, action, "not allowed in this state")
    if rule.roles.isdisjoint(roles):
        raise InvalidTransition(state, action, "role not allowed")
    if rule.guard is not None and (reason := rule.guard(context or {})):
        raise InvalidTransition(state, action, reason)
    return rule.target


def allowed_actions(
    table: Table, state: Enum, roles: Iterable[str], context: Context | None = None
) -> list[str]:
    roles = set(roles)
    actions = []
    for (from_state, action), rule in table.items():
        if from_state != state or rule.roles.isdisjoint(roles):
            continue
        if rule.guard is None or rule.guard(context or {}) is None:
            actions.append(action)
    return actions


def roles_for(table: Table, action: str) -> frozenset[str]:
    """Every role that may take the action in some state: anyone else is refused outright."""
    return frozenset().union(*(rule.roles for (_state, name), rule in table.items() if name == action))


def actions_of(table: Table) -> list[str]:
    return list(dict.fromkeys(action for _state, action in table))


def fact(context: Context, key: str, kind: type[T]) -> T | None:
    """context[key] when it is a `kind`; None when absent or of another type."""
    value = context.get(key)
    return value if isinstance(value, kind) else None


def needs_text(key: str, reason: str = "reason required") -> Guard:
    """A guard: context[key] must be non-blank text."""

    def guard(context: Context) -> str | None:
        return None if str(context.get(key) or "").strip() else reason

    return guard


def build(
    entries: Iterable[tuple[Iterable[Enum], str, Enum, Iterable[str], Guard | None]],
) -> dict[tuple[Enum, str], Rule]:
    """Rows of (from states, action, to state, roles, guard) into a table."""
    table: dict[tuple[Enum, str], Rule] = {}
    for sources, action, target, roles, guard in entries:
        for source in sources:
            table[(source, action)] = Rule(target, frozenset(roles), guard)
    return table

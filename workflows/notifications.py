"""Who is told what, and when their e-mail goes: the default audience table of the domain events.

A notification kind is what happened, as a person is told it (an extension decided is either
approved or rejected: two kinds). Each kind names the audiences told by default; administrators
may change them per mechanism (`audiences_of` with the mechanism's overrides). The audiences are
relational (the task's unit, the plan's drafters …): the application resolves them to people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from workflows.reminders import next_sending_moment
from workflows.workdays import is_workday, next_workday


class Audience(StrEnum):
    UNIT_LIAISONS = "unit_liaisons"  # the liaisons of the task's unit (成员单位联络员)
    UNIT_HEADS = "unit_heads"  # the head of the task's unit
    VERIFIERS = "verifiers"  # lead-department staff of the task's party, who verify its completion
    PLAN_UNITS = "plan_units"  # the liaisons of every unit named in the plan
    PLAN_DRAFTERS = "plan_drafters"  # who drafted or revised the plan
    LEAD_DEPARTMENTS = "lead_departments"  # both lead departments' staff (牵头部门)
    LEADING_GROUP = "leading_group"  # the leading groups' members (领导小组)
    ATTENDEES = "attendees"  # the meeting's or visit's attendees with an account
    ESCALATION = "escalation"  # whoever the escalation step names (the reminder policy decides)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"  # e-mailed at once, whatever the user's digest choice (unless e-mail is off)


class EmailMode(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"  # one e-mail at DIGEST_AT on working days
    OFF = "off"  # in the app (and robots) only


DIGEST_AT = time(9, 0)


@dataclass(frozen=True)
class Rule:
    audiences: frozenset[Audience]
    urgency: Urgency = Urgency.NORMAL
    # Meetings and visits already send their attendees an invitation e-mail of their own.
    by_email: bool = True


def _rule(*audiences: Audience, urgency: Urgency = Urgency.NORMAL, by_email: bool = True) -> Rule:
    return Rule(frozenset(audiences), urgency, by_email)


A, U = Audience, Urgency
RULES: dict[str, Rule] = {
    "task_assigned": _rule(A.UNIT_LIAISONS),
    "task_returned": _rule(A.UNIT_LIAISONS, urgency=U.URGENT),
    "extension_approved": _rule(A.UNIT_LIAISONS),
    "extension_rejected": _rule(A.UNIT_LIAISONS, urgency=U.URGENT),
    "task_cancelled": _rule(A.UNIT_LIAISONS),
    "deadline_moved": _rule(A.UNIT_LIAISONS),
    "task_closed": _rule(A.UNIT_LIAISONS),
    "completion_submitted": _rule(A.VERIFIERS),
    "extension_requested": _rule(A.VERIFIERS),
    "plan_consultation": _rule(A.PLAN_UNITS),
    "plan_comment": _rule(A.PLAN_DRAFTERS),
    "plan_adopted": _rule(A.LEAD_DEPARTMENTS, A.LEADING_GROUP),
    "plan_issued": _rule(A.LEAD_DEPARTMENTS, A.LEADING_GROUP),
    "meeting_scheduled": _rule(A.ATTENDEES, by_email=False),
    "meeting_changed": _rule(A.ATTENDEES, by_email=False),
    "meeting_cancelled": _rule(A.ATTENDEES, by_email=False),
    "minutes_published": _rule(A.ATTENDEES, by_email=False),
    "visit_confirmed": _rule(A.ATTENDEES, by_email=False),
    "visit_changed": _rule(A.ATTENDEES, by_email=False),
    "visit_cancelled": _rule(A.ATTENDEES, by_email=False),
    # Reminders and escalations (督办) reach people through the reminder schedule, which mails
    # them itself on working mornings; they appear in the app under these kinds.
    "reminder": _rule(A.UNIT_LIAISONS, by_email=False),
    "escalation": _rule(A.ESCALATION, urgency=U.URGENT, by_email=False),
}
KINDS = tuple(RULES)
# The audiences an administrator may choose among for a kind (escalations follow the policy).
CHOOSABLE: tuple[Audience, ...] = tuple(a for a in Audience if a is not Audience.ESCALATION)
FIXED_KINDS = frozenset({"reminder", "escalation"})


class UnknownAudience(ValueError):
    pass


def audiences_of(kind: str, overrides: Mapping[str, Sequence[str]] | None = None) -> frozenset[Audience]:
    """Who is told of `kind`: the mechanism's choice where it made one, else the default."""
    chosen = (overrides or {}).get(kind)
    if chosen is None or kind in FIXED_KINDS:
        return RULES[kind].audiences
    return frozenset(Audience(a) for a in chosen if a in Audience.__members__.values())


def checked_overrides(chosen: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """An administrator's choice, kept only where it differs from the default (so a later change
    of the defaults reaches mechanisms that never chose). Unknown kinds or audiences refused."""
    kept: dict[str, list[str]] = {}
    for kind, audiences in chosen.items():
        if kind not in RULES or kind in FIXED_KINDS:
            raise UnknownAudience(kind)
        values = set()
        for value in audiences:
            if value not in {a.value for a in CHOOSABLE}:
                raise UnknownAudience(value)
            values.add(Audience(value))
        if frozenset(values) != RULES[kind].audiences:
            kept[kind] = sorted(values)
    return kept


def email_due(mode: str, urgency: Urgency, now: datetime, *, by_email: bool = True) -> datetime | None:
    """When the e-mail about a notification made at `now` (local, naive) goes out, or None for
    none: urgent and 'immediate' ones at the next moment outside quiet hours, the others in the
    next daily digest; nothing when the user turned e-mail off or the kind is told otherwise."""
    if mode == EmailMode.OFF or not by_email:
        return None
    if urgency is Urgency.URGENT or mode == EmailMode.IMMEDIATE:
        return next_sending_moment(now)
    return next_digest(now)


def next_digest(now: datetime) -> datetime:
    """The next daily digest strictly after now: DIGEST_AT on a working day."""
    day: date = now.date()
    if is_workday(day) and now.time() < DIGEST_AT:
        return datetime.combine(day, DIGEST_AT)
    return datetime.combine(next_workday(day + timedelta(days=1)), DIGEST_AT)

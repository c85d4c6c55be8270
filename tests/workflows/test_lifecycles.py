"""Every allowed and every forbidden transition of each lifecycle, table-driven."""

from datetime import date, datetime

import pytest

from workflows import assignment, extension, meeting, plan, visit
from workflows.base import InvalidTransition, actions_of, allowed_actions, transition

# (table, state enum, the roles that may act, a context every guard accepts)
OK_CONTEXT = {
    "item_count": 3,
    "meeting_id": 7,
    "items_without_units": 0,
    "reason": "理由",
    "results": "成果",
    "quality": 4,
    "requested_date": date(2026, 12, 31),
    "current_deadline": date(2026, 11, 30),
    "attendee_count": 5,
    "meeting_state": "held",
    "now": datetime(2026, 3, 5, 9, 30),
    "starts_at": datetime(2026, 3, 5, 9, 30),
    "today": date(2026, 3, 6),
    "ends_on": date(2026, 3, 6),
}
LIFECYCLES = {
    "plan": (plan.TRANSITIONS, plan.PlanState),
    "assignment": (assignment.TRANSITIONS, assignment.AssignmentState),
    "extension": (extension.TRANSITIONS, extension.ExtensionState),
    "meeting": (meeting.TRANSITIONS, meeting.MeetingState),
    "visit": (visit.TRANSITIONS, visit.VisitState),
}
ALL_ROLES = {"admin", "lead_department", "unit_liaison", "secretary", "organiser", "leader"}

EXPECTED = {
    "plan": {
        ("draft", "start_consultation"): "consultation",
        ("draft", "submit"): "submitted",
        ("consultation", "submit"): "submitted",
        ("consultation", "return_to_draft"): "draft",
        ("submitted", "return_to_draft"): "draft",
        ("submitted", "adopt"): "adopted",
        ("adopted", "issue"): "issued",
        ("issued", "amend"): "issued",
        ("issued", "close"): "closed",
    },
    "assignment": {
        ("assigned", "acknowledge"): "acknowledged",
        ("acknowledged", "start"): "in_progress",
        ("acknowledged", "report"): "in_progress",
        ("in_progress", "report"): "in_progress",
        ("returned", "report"): "in_progress",
        ("in_progress", "submit_completion"): "submitted",
        ("returned", "submit_completion"): "submitted",
        ("submitted", "close"): "closed",
        ("submitted", "return"): "returned",
        ("returned", "resume"): "in_progress",
        ("assigned", "cancel"): "cancelled",
        ("acknowledged", "cancel"): "cancelled",
        ("in_progress", "cancel"): "cancelled",
        ("returned", "cancel"): "cancelled",
        ("submitted", "cancel"): "cancelled",
    },
    "extension": {
        ("pending", "approve"): "approved",
        ("pending", "reject"): "rejected",
        ("pending", "withdraw"): "withdrawn",
    },
    "meeting": {
        ("draft", "schedule"): "scheduled",
        ("scheduled", "reschedule"): "scheduled",
        ("scheduled", "hold"): "held",
        ("held", "publish_minutes"): "minutes_published",
        ("draft", "cancel"): "cancelled",
        ("scheduled", "cancel"): "cancelled",
    },
    "visit": {
        ("planned", "confirm"): "confirmed",
        ("confirmed", "update"): "confirmed",
        ("confirmed", "complete"): "completed",
        ("planned", "cancel"): "cancelled",
        ("confirmed", "cancel"): "cancelled",
    },
}


def _cases(allowed: bool):
    for name, (table, states) in LIFECYCLES.items():
        for state in states:
            for action in actions_of(table):
                if ((state.value, action) in EXPECTED[name]) == allowed:
                    yield pytest.param(name, state, action, id=f"{name}-{state.value}-{action}")


@pytest.mark.parametrize(("name", "state", "action"), list(_cases(True)))
def test_allowed_transition(name, state, action):
    table, _states = LIFECYCLES[name]
    assert (
        transition(table, state, action, ALL_ROLES, OK_CONTEXT).value == EXPECTED[name][(state.value, action)]
    )


@pytest.mark.parametrize(("name", "state", "action"), list(_cases(False)))
def test_forbidden_transition(name, state, action):
    table, _states = LIFECYCLES[name]
    with pytest.raises(InvalidTransition) as raised:
        transition(table, state, action, ALL_ROLES, OK_CONTEXT)
    assert raised.value.reason == "not allowed in this state"


def test_the_tables_hold_exactly_the_expected_transitions():
    for name, (table, _states) in LIFECYCLES.items():
        assert {(s.value, a): r.target.value for (s, a), r in table.items()} == EXPECTED[name], name


A = assignment.AssignmentState


@pytest.mark.parametrize(
    ("state", "action", "roles"),
    [
        (A.SUBMITTED, "close", {"unit_liaison"}),  # a unit cannot close its own task
        (A.SUBMITTED, "close", {"leader"}),  # leading-group members read, they do not act
        (A.SUBMITTED, "return", {"unit_liaison", "secretary"}),
        (A.ASSIGNED, "acknowledge", {"lead_department"}),  # only the unit acknowledges
        (A.IN_PROGRESS, "submit_completion", {"lead_department", "admin"}),
        (A.IN_PROGRESS, "cancel", {"unit_liaison"}),
        (A.ASSIGNED, "acknowledge", set()),
    ],
)
def test_assignment_role_denials(state, action, roles):
    with pytest.raises(InvalidTransition) as raised:
        transition(assignment.TRANSITIONS, state, action, roles, OK_CONTEXT)
    assert raised.value.reason == "role not allowed"


def test_nobody_acts_as_a_mere_leader():
    for table, states in LIFECYCLES.values():
        for state in states:
            assert allowed_actions(table, state, {"leader"}, OK_CONTEXT) == []


@pytest.mark.parametrize(
    ("table", "state", "action", "context", "reason"),
    [
        (
            plan.TRANSITIONS,
            plan.PlanState.DRAFT,
            "submit",
            {"item_count": 0, "meeting_id": 1},
            "plan has no items",
        ),
        (plan.TRANSITIONS, plan.PlanState.DRAFT, "submit", {"item_count": 2}, "no meeting chosen"),
        (
            plan.TRANSITIONS,
            plan.PlanState.DRAFT,
            "start_consultation",
            {"item_count": 0},
            "plan has no items",
        ),
        (
            plan.TRANSITIONS,
            plan.PlanState.ADOPTED,
            "issue",
            {"items_without_units": 2},
            "items without responsible units",
        ),
        (plan.TRANSITIONS, plan.PlanState.ISSUED, "amend", {"reason": "  "}, "reason required"),
        (assignment.TRANSITIONS, A.IN_PROGRESS, "submit_completion", {"results": " "}, "results required"),
        (assignment.TRANSITIONS, A.SUBMITTED, "return", {}, "reason required"),
        (assignment.TRANSITIONS, A.SUBMITTED, "close", {"quality": 6}, "quality out of range"),
        (assignment.TRANSITIONS, A.SUBMITTED, "cancel", {"reason": ""}, "reason required"),
        (
            extension.TRANSITIONS,
            extension.ExtensionState.PENDING,
            "approve",
            {"requested_date": date(2026, 11, 30), "current_deadline": date(2026, 11, 30)},
            "requested date not after current deadline",
        ),
        (meeting.TRANSITIONS, meeting.MeetingState.DRAFT, "schedule", {"attendee_count": 0}, "no attendees"),
        # Nothing is recorded before it happens.
        (
            meeting.TRANSITIONS,
            meeting.MeetingState.SCHEDULED,
            "hold",
            {"now": datetime(2026, 3, 5, 9, 29), "starts_at": datetime(2026, 3, 5, 9, 30)},
            "meeting not started yet",
        ),
        (meeting.TRANSITIONS, meeting.MeetingState.SCHEDULED, "hold", {}, "meeting not started yet"),
        (
            visit.TRANSITIONS,
            visit.VisitState.CONFIRMED,
            "complete",
            {"today": date(2026, 3, 5), "ends_on": date(2026, 3, 6)},
            "visit not over yet",
        ),
        (
            plan.TRANSITIONS,
            plan.PlanState.SUBMITTED,
            "adopt",
            {"meeting_id": 7, "meeting_state": "scheduled"},
            "meeting not held yet",
        ),
        (plan.TRANSITIONS, plan.PlanState.SUBMITTED, "adopt", {}, "no meeting chosen"),
    ],
)
def test_guards(table, state, action, context, reason):
    with pytest.raises(InvalidTransition) as raised:
        transition(table, state, action, ALL_ROLES, context)
    assert raised.value.reason == reason


def test_approving_an_extension_twice_is_refused():
    E = extension.ExtensionState
    approved = transition(extension.TRANSITIONS, E.PENDING, "approve", {"lead_department"}, OK_CONTEXT)
    with pytest.raises(InvalidTransition):
        transition(extension.TRANSITIONS, approved, "approve", {"lead_department"}, OK_CONTEXT)


def test_a_liaison_cannot_decide_an_extension():
    with pytest.raises(InvalidTransition):
        transition(
            extension.TRANSITIONS, extension.ExtensionState.PENDING, "approve", {"unit_liaison"}, OK_CONTEXT
        )


@pytest.mark.parametrize(
    ("state", "today", "overdue"),
    [
        (A.IN_PROGRESS, date(2026, 12, 1), True),
        (A.ASSIGNED, date(2026, 12, 1), True),
        (A.RETURNED, date(2026, 12, 1), True),
        (A.IN_PROGRESS, date(2026, 11, 30), False),  # the deadline day itself is still on time
        (A.SUBMITTED, date(2026, 12, 1), False),  # waiting for the lead department
        (A.CLOSED, date(2027, 1, 1), False),
        (A.CANCELLED, date(2027, 1, 1), False),
    ],
)
def test_overdue_is_derived(state, today, overdue):
    assert assignment.is_overdue(state, date(2026, 11, 30), today) is overdue


def test_plan_editing_freezes_on_submission():
    assert not plan.is_frozen(plan.PlanState.DRAFT)
    assert not plan.is_frozen(plan.PlanState.CONSULTATION)
    assert plan.is_frozen(plan.PlanState.ISSUED)
    assert plan.is_frozen(plan.PlanState.SUBMITTED)


def test_only_a_draft_with_nothing_but_drafting_behind_it_can_be_withdrawn():
    P = plan.PlanState
    assert plan.withdrawal_refused(P.DRAFT, left_draft=False) is None
    assert plan.withdrawal_refused(P.DRAFT, left_draft=True) == "plan has a history"
    for state in (P.CONSULTATION, P.SUBMITTED, P.ADOPTED, P.ISSUED, P.CLOSED):
        assert plan.withdrawal_refused(state, left_draft=False) == "not allowed in this state"

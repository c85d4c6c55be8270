"""Annual plan (年度计划): draft → consultation → on a joint meeting's agenda → adopted →
issued → closed; any state before adoption can go back to draft."""

from __future__ import annotations

from enum import StrEnum

from workflows.base import ROLE_ADMIN, ROLE_LEAD_DEPARTMENT, ROLE_SECRETARY, Context, build, fact, needs_text
from workflows.meeting import HELD_STATES


class PlanState(StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"  # 征求意见
    SUBMITTED = "submitted"  # on a joint meeting's agenda
    ADOPTED = "adopted"  # 审议通过
    ISSUED = "issued"  # 印发
    CLOSED = "closed"


START_CONSULTATION = "start_consultation"
SUBMIT = "submit"
RETURN_TO_DRAFT = "return_to_draft"
ADOPT = "adopt"
ISSUE = "issue"
AMEND = "amend"
CLOSE = "close"

EDITABLE_STATES = frozenset({PlanState.DRAFT, PlanState.CONSULTATION})
LEAD = (ROLE_LEAD_DEPARTMENT, ROLE_ADMIN)


def _has_items(context: Context) -> str | None:
    return None if (fact(context, "item_count", int) or 0) > 0 else "plan has no items"


def _submittable(context: Context) -> str | None:
    return _has_items(context) or (None if context.get("meeting_id") else "no meeting chosen")


def _adoptable(context: Context) -> str | None:
    """Adopted (审议通过) only by a meeting that has actually been held."""
    if not context.get("meeting_id"):
        return "no meeting chosen"
    return None if context.get("meeting_state") in HELD_STATES else "meeting not held yet"


def _units_everywhere(context: Context) -> str | None:
    return None if context.get("items_without_units", 0) == 0 else "items without responsible units"


S = PlanState
TRANSITIONS = build(
    [
        ([S.DRAFT], START_CONSULTATION, S.CONSULTATION, LEAD, _has_items),
        ([S.DRAFT, S.CONSULTATION], SUBMIT, S.SUBMITTED, LEAD, _submittable),
        ([S.CONSULTATION, S.SUBMITTED], RETURN_TO_DRAFT, S.DRAFT, LEAD, None),
        # The meeting adopts; its secretary or a lead department records it.
        ([S.SUBMITTED], ADOPT, S.ADOPTED, (*LEAD, ROLE_SECRETARY), _adoptable),
        ([S.ADOPTED], ISSUE, S.ISSUED, LEAD, _units_everywhere),
        ([S.ISSUED], AMEND, S.ISSUED, LEAD, needs_text("reason")),
        ([S.ISSUED], CLOSE, S.CLOSED, LEAD, None),
    ]
)


def withdrawal_refused(state: PlanState, *, left_draft: bool) -> str | None:
    """A draft with nothing but drafting behind it may be withdrawn (deleted, audited); once it
    went to consultation or a meeting, or was issued, its history stays."""
    if state != PlanState.DRAFT:
        return "not allowed in this state"
    return "plan has a history" if left_draft else None


def is_frozen(state: PlanState) -> bool:
    """After issue the plan changes only through a recorded amendment."""
    return state not in EDITABLE_STATES

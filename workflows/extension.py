"""Extension request (延期申请): pending → approved / rejected by a lead department, or withdrawn."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from workflows.base import (
    ROLE_ADMIN,
    ROLE_LEAD_DEPARTMENT,
    ROLE_UNIT_LIAISON,
    Context,
    build,
    fact,
    needs_text,
)


class ExtensionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


def _later(context: Context) -> str | None:
    requested, current = fact(context, "requested_date", date), fact(context, "current_deadline", date)
    return (
        None if requested and current and requested > current else "requested date not after current deadline"
    )


S = ExtensionState
LEAD = (ROLE_LEAD_DEPARTMENT, ROLE_ADMIN)
TRANSITIONS = build(
    [
        ([S.PENDING], "approve", S.APPROVED, LEAD, _later),
        ([S.PENDING], "reject", S.REJECTED, LEAD, needs_text("reason")),
        ([S.PENDING], "withdraw", S.WITHDRAWN, (ROLE_UNIT_LIAISON,), None),
    ]
)

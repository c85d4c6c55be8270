"""The main navigation, by role: each entry shows only to users its predicate admits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from coordination import permissions

if TYPE_CHECKING:
    from flask_babel import LazyString
    from flask_login import AnonymousUserMixin

    from coordination.auth.models import User


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString
    allowed: Callable[[User], bool]
    prefix: str  # blueprint or endpoint prefix that marks the item active


NAV_ITEMS: list[NavItem] = [
    NavItem("main.index", _l("Home"), permissions.can_read_mechanism, "main.index"),
    NavItem(
        "organizations.overview", _l("Mechanism"), permissions.can_read_mechanism, "organizations.overview"
    ),
    NavItem("supervision.overview", _l("Overview"), permissions.reads_everything, "supervision."),
    NavItem("evaluation.index", _l("Evaluation"), permissions.reads_everything, "evaluation."),
    NavItem("assignments.index", _l("Tasks"), permissions.can_read_mechanism, "assignments.index"),
    NavItem("plans.index", _l("Annual plans"), permissions.can_read_mechanism, "plans."),
    NavItem(
        "assignments.verification", _l("Verification"), permissions.can_verify, "assignments.verification"
    ),
    NavItem("meetings.index", _l("Meetings and visits"), permissions.can_read_mechanism, "meetings."),
    NavItem("framework.index", _l("Key tasks"), permissions.can_read_mechanism, "framework."),
    NavItem("main.admin", _l("System settings"), permissions.can_administer, "main.admin"),
    NavItem("organizations.admin_bodies", _l("Units"), permissions.can_administer, "organizations.admin"),
    NavItem("auth.admin_users", _l("Users"), permissions.can_administer, "auth.admin"),
    NavItem("rsvp.outbox", _l("Outbox"), permissions.can_administer, "rsvp.outbox"),
    NavItem("workcalendar.index", _l("Working days"), permissions.can_administer, "workcalendar."),
    NavItem("audit.index", _l("Audit log"), permissions.can_view_audit, "audit."),
]


def items_for(user: User | AnonymousUserMixin | None) -> list[NavItem]:
    if not user or not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if item.allowed(user)]

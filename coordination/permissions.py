"""Who may do what: pure predicates over a user, and a decorator that answers 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, Protocol

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coordination.extensions import login_manager
from coordination.organizations.models import Tier
from workflows.base import (
    ROLE_ADMIN,
    ROLE_LEAD_DEPARTMENT,
    ROLE_LEADER,
    ROLE_ORGANISER,
    ROLE_SECRETARY,
    ROLE_UNIT_LIAISON,
)
from workflows.roles import Role

if TYPE_CHECKING:  # permissions sit below the packages whose objects they judge
    from coordination.assignments.models import Assignment
    from coordination.auth.models import User
    from coordination.meetings.models import Meeting
    from coordination.plans.models import AnnualPlan, PlanItem
    from coordination.visits.models import Visit

P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_administer(user: User) -> bool:
    return is_admin(user)


def can_view_audit(user: User) -> bool:
    return is_admin(user)


def can_read_mechanism(user: User) -> bool:
    return user.is_authenticated


def require(predicate: Callable[[User], bool]) -> Callable[[View[P]], View[P]]:
    """Anonymous users go to the login page; signed-in users without the right get 403."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- plans and assignments ----------------------------------------------------------------
# Workflow roles are relational: what the user is *to this object*, computed here so that
# workflows/ stays pure and every transition asks the same question.


def is_lead_department_staff(user: User) -> bool:
    return user.has_role(Role.LEAD_STAFF) and any(m.body.tier == Tier.COORDINATION for m in user.memberships)


def can_manage_plans(user: User) -> bool:
    return is_admin(user) or is_lead_department_staff(user)


def reads_everything(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.LEADER, Role.SECRETARY) or is_lead_department_staff(user)


def liaison_body_ids(user: User) -> set[int]:
    return user.body_ids if user.has_role(Role.LIAISON) else set()


def may_manage_unit_robots(user: User, body_id: int) -> bool:
    """A unit's group robots (企业微信 / 钉钉) are registered by its liaisons and heads, or by an
    administrator for any unit."""
    return is_admin(user) or body_id in liaison_body_ids(user) or body_id in user.head_of_ids


def can_view_plan(user: User, plan: AnnualPlan) -> bool:
    # Drafts stay with the lead departments until they are opened for consultation.
    return reads_everything(user) or (user.has_role(Role.LIAISON) and plan.state != "draft")


def comments_on_plans(user: User) -> bool:
    """Lead departments and member units comment on plans in consultation; nobody else."""
    return can_manage_plans(user) or bool(liaison_body_ids(user))


def can_comment_on_plan(user: User, plan: AnnualPlan) -> bool:
    return plan.state == "consultation" and comments_on_plans(user)


def assignment_roles(user: User, assignment: Assignment) -> set[str]:
    roles: set[str] = set()
    if is_admin(user):
        roles.add(ROLE_ADMIN)
    if is_lead_department_staff(user):
        roles.add(ROLE_LEAD_DEPARTMENT)
    if assignment.body_id in liaison_body_ids(user):
        roles.add(ROLE_UNIT_LIAISON)
    if user.has_role(Role.LEADER):
        roles.add(ROLE_LEADER)
    return roles


def leads_item_of(user: User, assignment: Assignment) -> bool:
    """A lead unit's liaison follows the co-operating units' work on the same item."""
    item = assignment.plan_item
    if item is None or assignment.role != "cooperating":
        return False
    return _leads(user, item)


def _leads(user: User, item: PlanItem) -> bool:
    mine = liaison_body_ids(user)
    return any(u.role == "lead" and u.body_id in mine for u in item.units)


def can_view_assignment(user: User, assignment: Assignment) -> bool:
    return (
        reads_everything(user)
        or assignment.body_id in liaison_body_ids(user)
        or leads_item_of(user, assignment)
    )


class TaskOnItem(Protocol):
    """What can_view_assignment asks of a task (an Assignment, or a row of one)."""

    @property
    def id(self) -> int: ...
    @property
    def body_id(self) -> int: ...
    @property
    def role(self) -> str: ...
    @property
    def plan_item(self) -> PlanItem | None: ...


def viewable_ids(user: User, tasks: Iterable[TaskOnItem]) -> set[int]:
    """The ids of the tasks can_view_assignment lets the user open, with the user's side asked
    once and each item's lead-unit question once (a task page lists every unit on its item)."""
    tasks = list(tasks)
    if reads_everything(user):
        return {t.id for t in tasks}
    mine = liaison_body_ids(user)
    leads: dict[int, bool] = {}
    viewable = set()
    for t in tasks:
        item = t.plan_item
        if t.body_id in mine:
            viewable.add(t.id)
        elif item is not None and t.role == "cooperating":
            if item.id not in leads:
                leads[item.id] = _leads(user, item)
            if leads[item.id]:
                viewable.add(t.id)
    return viewable


# --- what of a task a user may see ---------------------------------------------------------
# The plan's shared picture is for everyone who may read the plan: pages that list the tasks of
# a plan item, a key task or a meeting decision (the plan page, /framework/key-tasks/N) show every
# unit's task by these fields alone: its unit, its role, its title (the item's or the decision's
# wording, published already), its state and its current deadline ("overdue" follows from the
# last two). The work itself (progress percentage, progress reports and their text, results,
# attachments, extension requests and their reasons, return and cancel reasons, quality, the
# traffic light, which weighs progress) is for those who may open the task (can_view_assignment):
# its unit's liaisons, the lead unit's for a co-operating unit's task, and the readers. The
# supervision and evaluation pages, which do show the work, are for readers only; task lists,
# search, the calendar feed and the exports a liaison may download list only their units' tasks
# or no task fields beyond these.
SHARED_TASK_FIELDS = frozenset({"body", "role", "title", "state", "current_deadline"})


def can_see_task_field(user: User, assignment: Assignment, field: str) -> bool:
    """Whether the user may see this field of this task (an Assignment attribute name)."""
    return field in SHARED_TASK_FIELDS or can_view_assignment(user, assignment)


def can_verify(user: User) -> bool:
    return can_manage_plans(user)


def can_manage_meetings(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.SECRETARY) or is_lead_department_staff(user)


def event_roles(user: User, event: Meeting | Visit) -> set[str]:
    """Relational roles for a meeting or a visit."""
    roles: set[str] = set()
    if is_admin(user):
        roles.add(ROLE_ADMIN)
    if user.has_role(Role.SECRETARY):
        roles.add(ROLE_SECRETARY)
    if is_lead_department_staff(user):
        roles.add(ROLE_LEAD_DEPARTMENT)
    if getattr(event, "organiser_id", None) == user.id:
        roles.add(ROLE_ORGANISER)
    return roles

"""Annual-plan changes: drafting, consultation, agenda, adoption, issue and amendment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from coordination import permissions, signals
from coordination.audit.models import AuditEvent
from coordination.audit.operations import record, snapshot
from coordination.auth.models import Role, User
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.labels import PLAN_STATE_LABELS
from coordination.operations import OperationError, advance, check_version, claim, explain
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.organizations.queries import date_refusal
from coordination.plans import revisions
from coordination.plans.models import (
    AnnualPlan,
    ItemComment,
    ItemUnit,
    Milestone,
    PlanItem,
    PlanRevision,
    UnitRole,
)
from coordination.timeutil import local_today, utcnow
from workflows import plan as plan_flow
from workflows.base import ROLE_ADMIN, ROLE_LEAD_DEPARTMENT, ROLE_SECRETARY, InvalidTransition
from workflows.workdays import add_workdays

PLAN_FIELDS = ("year", "title", "state", "meeting_id", "document_number")


def plan_roles(user: User) -> set[str]:
    roles = set()
    if permissions.is_admin(user):
        roles.add(ROLE_ADMIN)
    if permissions.is_lead_department_staff(user):
        roles.add(ROLE_LEAD_DEPARTMENT)
    if user.has_role(Role.SECRETARY):
        roles.add(ROLE_SECRETARY)
    return roles


def _check_year(mechanism: Mechanism, year: int, plan_id: int | None = None) -> None:
    if not mechanism.period_start <= year <= mechanism.period_end:
        raise OperationError(
            _(
                "The year must fall within the mechanism's period %(a)d–%(b)d.",
                a=mechanism.period_start,
                b=mechanism.period_end,
            ),
            "year",
        )
    exists = db.session.scalar(
        select(AnnualPlan.id).where(
            AnnualPlan.mechanism_id == mechanism.id, AnnualPlan.year == year, AnnualPlan.id != plan_id
        )
    )
    if exists:
        raise OperationError(_("There is already an annual plan for %(year)d.", year=year), "year")


def create_plan(
    mechanism: Mechanism, year: int, title: str, actor: User, report_cadence: str = "monthly"
) -> AnnualPlan:
    _check_year(mechanism, year)
    plan = AnnualPlan(
        mechanism_id=mechanism.id,
        year=year,
        title=title.strip(),
        created_by_id=actor.id,
        report_cadence=report_cadence,
    )
    db.session.add(plan)
    db.session.flush()
    record("plan.create", plan, summary=plan.title, after=snapshot(plan, *PLAN_FIELDS), actor_id=actor.id)
    return plan


def update_plan(
    plan: AnnualPlan, actor: User, *, year: int, title: str, expected_version: int | None
) -> None:
    """A draft's year and title; once it is out for comments or on an agenda, they stay."""
    if plan.state != plan_flow.PlanState.DRAFT:
        raise OperationError(_("Only a draft plan's year and title can be changed."))
    check_version(plan, expected_version)
    if not title.strip():
        raise OperationError(_("This field is required."), "title")
    _check_year(plan.mechanism, year, plan.id)
    before = snapshot(plan, *PLAN_FIELDS)
    plan.year, plan.title = year, title.strip()
    after = snapshot(plan, *PLAN_FIELDS)
    if after != before:
        record("plan.update", plan, summary=plan.title, before=before, after=after, actor_id=actor.id)


# What takes a plan beyond drafting: once any of these happened, its history is kept.
BEYOND_DRAFTING = ("plan.start_consultation", "plan.submit", "plan.adopt", "plan.issue")


def withdraw(plan: AnnualPlan, actor: User, *, expected_version: int | None) -> None:
    """撤回: a draft with nothing but drafting behind it is removed with its items and
    revisions; the audit log keeps what it held. The year is free for a new plan."""
    check_version(plan, expected_version)
    left_draft = bool(
        db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.object_type == AnnualPlan.__tablename__,
                AuditEvent.object_id == plan.id,
                AuditEvent.action.in_(BEYOND_DRAFTING),
            )
        )
        or db.session.scalar(select(ItemComment.id).join(PlanItem).where(PlanItem.plan_id == plan.id))
        or plan.meeting_id
    )
    state = plan_flow.PlanState(plan.state)
    if reason := plan_flow.withdrawal_refused(state, left_draft=left_draft):
        raise OperationError(explain(InvalidTransition(state, "withdraw", reason)))
    record(
        "plan.withdraw",
        plan,
        summary=f"{plan.year} · {plan.title}",
        before=snapshot(plan, *PLAN_FIELDS) | {"items": [i.title for i in plan.items]},
        actor_id=actor.id,
    )
    claim(plan, state=plan.state)  # of two clicks, one deletes; the other is told
    db.session.delete(plan)
    db.session.flush()


@dataclass
class ItemData:
    key_task_id: int
    title: str
    content: str = ""
    expected_results: str = ""
    deadline: date | None = None
    deadline_workdays: int | None = None
    priority: str = "normal"
    lead_body_ids: list[int] = field(default_factory=list)
    cooperating_body_ids: list[int] = field(default_factory=list)
    milestones: list[tuple[str, date]] = field(default_factory=list)


def validate_item(plan: AnnualPlan, data: ItemData, *, today: date | None = None) -> None:
    """Every rule an item must satisfy, whichever screen or import it comes from."""
    today = today or local_today()
    key_task = db.session.get(KeyTask, data.key_task_id)
    if key_task is None or key_task.mechanism_id != plan.mechanism_id:
        raise OperationError(_("Choose one of the 27 key tasks."), "key_task_id")
    if not data.title.strip():
        raise OperationError(_("This field is required."), "title")
    if data.deadline is None and data.deadline_workdays is None:
        raise OperationError(_("Give a deadline: a date or a number of working days."), "deadline")
    if data.deadline is not None and data.deadline < today:
        raise OperationError(_("The deadline %(d)s is in the past.", d=data.deadline.isoformat()), "deadline")
    if refusal := date_refusal(data.deadline):
        raise OperationError(refusal, "deadline")
    if data.deadline_workdays is not None and not 1 <= data.deadline_workdays <= 500:
        raise OperationError(_("Working days must be between 1 and 500."), "deadline")
    if not data.lead_body_ids:
        raise OperationError(_("Name at least one lead unit."), "lead_body_ids")
    if set(data.lead_body_ids) & set(data.cooperating_body_ids):
        raise OperationError(_("A unit cannot be both lead and co-operating unit."), "cooperating_body_ids")
    ids = set(data.lead_body_ids) | set(data.cooperating_body_ids)
    bodies = {b.id: b for b in db.session.scalars(select(Body).where(Body.id.in_(ids)))}
    for body_id in ids:
        body = bodies.get(body_id)
        if body is None or body.mechanism_id != plan.mechanism_id or not body.active:
            raise OperationError(_("Choose active units of this mechanism."), "lead_body_ids")
        if body.tier != Tier.EXECUTION:
            raise OperationError(
                _("%(name)s is not a member unit; tasks go to the execution layer.", name=body.name_zh),
                "lead_body_ids" if body_id in data.lead_body_ids else "cooperating_body_ids",
            )
    parties = [bodies[b].party_id for b in data.lead_body_ids]
    if len(parties) != len(set(parties)):
        raise OperationError(_("At most one lead unit on each side."), "lead_body_ids")
    for title, due in data.milestones:
        if not title.strip():
            raise OperationError(_("Each milestone needs a name."), "milestones")
        if due < today:
            raise OperationError(
                _("The milestone date %(d)s is in the past.", d=due.isoformat()), "milestones"
            )
        if refusal := date_refusal(due):
            raise OperationError(refusal, "milestones")
        if data.deadline and due > data.deadline:
            raise OperationError(_("A milestone cannot fall after the deadline."), "milestones")


def _apply(item: PlanItem, data: ItemData) -> None:
    item.key_task_id = data.key_task_id
    item.key_task = db.session.get_one(KeyTask, data.key_task_id)  # validate_item found it
    item.title = data.title.strip()
    item.content = data.content.strip()
    item.expected_results = data.expected_results.strip()
    item.deadline = data.deadline
    item.deadline_workdays = None if data.deadline else data.deadline_workdays
    item.priority = data.priority
    wanted = {(b, UnitRole.LEAD.value) for b in data.lead_body_ids} | {
        (b, UnitRole.COOPERATING.value) for b in data.cooperating_body_ids
    }
    item.units = [u for u in item.units if (u.body_id, u.role) in wanted]
    have = {(u.body_id, u.role) for u in item.units}
    # A unit that changes role is removed and re-added; flush between to keep the unique key.
    db.session.flush()
    item.units += [
        ItemUnit(body_id=b, role=r, body=db.session.get(Body, b)) for b, r in sorted(wanted - have)
    ]
    item.milestones = [
        Milestone(title=t.strip(), due_on=d) for t, d in sorted(data.milestones, key=lambda m: m[1])
    ]


def _require_editable(plan: AnnualPlan, amendment_reason: str | None) -> None:
    state = plan_flow.PlanState(plan.state)
    if state in plan_flow.EDITABLE_STATES:
        return
    if state == plan_flow.PlanState.ISSUED:
        if not (amendment_reason or "").strip():
            raise OperationError(
                _("The plan has been issued: changes need an amendment with a reason."), "reason"
            )
        return
    raise OperationError(_("The plan is %(state)s and cannot be edited.", state=state_label(state)))


def state_label(state: plan_flow.PlanState | str) -> str:
    return str(PLAN_STATE_LABELS[plan_flow.PlanState(state)])


def save_revision(
    plan: AnnualPlan, actor: User | None, note: str, *, amendment: bool = False
) -> PlanRevision:
    db.session.flush()
    number = (
        db.session.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)) or 0
    ) + 1
    items = db.session.scalars(
        select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)
    ).all()
    revision = PlanRevision(
        plan_id=plan.id,
        number=number,
        author_id=actor.id if actor else None,
        note=note[:300],
        amendment=amendment,
        items=[revisions.snapshot_item(i) for i in items],
    )
    db.session.add(revision)
    return revision


def add_item(
    plan: AnnualPlan,
    data: ItemData,
    actor: User,
    *,
    amendment_reason: str | None = None,
    revision: bool = True,
) -> PlanItem:
    _require_editable(plan, amendment_reason)
    validate_item(plan, data)
    position = (
        db.session.scalar(select(func.max(PlanItem.position)).where(PlanItem.plan_id == plan.id)) or 0
    ) + 1
    item = PlanItem(plan=plan, position=position, title="", key_task_id=data.key_task_id)
    db.session.add(item)
    _apply(item, data)
    db.session.flush()
    after = revisions.snapshot_item(item)
    _recorded_change(plan, actor, "plan.item_add", item, None, after, amendment_reason, revision=revision)
    _amended(plan, actor, item, "added", amendment_reason)
    return item


def update_item(
    item: PlanItem,
    data: ItemData,
    actor: User,
    *,
    expected_version: int | None,
    amendment_reason: str | None = None,
) -> None:
    plan = item.plan
    _require_editable(plan, amendment_reason)
    check_version(item, expected_version)
    validate_item(plan, data)
    before = revisions.snapshot_item(item)
    _apply(item, data)
    db.session.flush()
    after = revisions.snapshot_item(item)
    if before == after:
        return
    _recorded_change(plan, actor, "plan.item_update", item, before, after, amendment_reason)
    _amended(plan, actor, item, "changed", amendment_reason)


def _amended(plan: AnnualPlan, actor: User, item: PlanItem, change: str, reason: str | None) -> None:
    """An issued plan's item changed: its tasks follow (assignments subscribe)."""
    if reason:
        db.session.flush()
        signals.send(
            signals.plan_amended, plan.id, actor_id=actor.id, item_id=item.id, change=change, reason=reason
        )


def delete_item(item: PlanItem, actor: User, *, expected_version: int | None) -> None:
    plan = item.plan
    state = plan_flow.PlanState(plan.state)
    if state not in plan_flow.EDITABLE_STATES:
        raise OperationError(_("Items can only be removed while the plan is a draft or in consultation."))
    check_version(item, expected_version)
    before = revisions.snapshot_item(item)
    db.session.delete(item)
    db.session.flush()
    _recorded_change(plan, actor, "plan.item_delete", None, before, None, None, object_id=before["id"])


def _recorded_change(
    plan: AnnualPlan,
    actor: User,
    action: str,
    item: PlanItem | None,
    before: revisions.ItemSnapshot | None,
    after: revisions.ItemSnapshot | None,
    amendment_reason: str | None,
    object_id: int | None = None,
    revision: bool = True,
) -> None:
    shown = after or before
    title = shown["title"] if shown else ""
    note = f"{_('Amendment')}: {amendment_reason.strip()}" if amendment_reason else title
    if revision:
        save_revision(plan, actor, note, amendment=bool(amendment_reason))
    record(
        "plan.amend" if amendment_reason else action,
        item,
        object_type="plan_items",
        object_id=object_id,
        summary=f"{plan.year} · {title}" + (f" · {amendment_reason.strip()}" if amendment_reason else ""),
        before=before,
        after=after,
        actor_id=actor.id,
    )


def _transition(plan: AnnualPlan, action: str, actor: User, **context: object) -> None:
    before = snapshot(plan, *PLAN_FIELDS)
    advance(plan, plan_flow.TRANSITIONS, action, plan_roles(actor), context)
    record(
        f"plan.{action}",
        plan,
        summary=f"{plan.year} · {plan.title}",
        before=before,
        after=snapshot(plan, *PLAN_FIELDS),
        actor_id=actor.id,
    )


def start_consultation(plan: AnnualPlan, actor: User) -> None:
    _transition(plan, "start_consultation", actor, item_count=len(plan.items))
    signals.send(signals.plan_consultation_started, plan.id, actor_id=actor.id)


def return_to_draft(plan: AnnualPlan, actor: User) -> None:
    meeting_id = plan.meeting_id
    plan.meeting_id = None
    _transition(plan, "return_to_draft", actor)
    # The meeting's agenda follows (coordination.meetings.plan_agenda).
    signals.send(signals.plan_returned_to_draft, plan.id, actor_id=actor.id, meeting_id=meeting_id)


def submit(plan: AnnualPlan, actor: User, meeting_id: int | None) -> None:
    """The plan goes to the meeting for deliberation; putting it on the agenda (议题) is the
    meeting's part (coordination.meetings.plan_agenda.submit_to_meeting)."""
    plan.meeting_id = meeting_id
    _transition(plan, "submit", actor, item_count=len(plan.items), meeting_id=meeting_id)
    signals.send(signals.plan_submitted, plan.id, actor_id=actor.id, meeting_id=meeting_id)


def adopt(plan: AnnualPlan, actor: User) -> None:
    """审议通过 at the meeting the plan was submitted to, once that meeting has been held; the
    plan is adopted on the meeting's day, whenever the secretary gets to record it."""
    meeting = plan.meeting
    _transition(
        plan, "adopt", actor, meeting_id=plan.meeting_id, meeting_state=meeting.state if meeting else None
    )
    if meeting is None:  # the guard refuses adoption without a held meeting; this is for the type
        raise OperationError(_("Choose the joint meeting first."))
    plan.adopted_at = meeting.starts_at
    signals.send(signals.plan_adopted, plan.id, actor_id=actor.id, meeting_id=plan.meeting_id)


@dataclass(frozen=True)
class PlannedAssignment:
    item: PlanItem
    body: Body
    role: str
    deadline: date


def resolve_deadline(item: PlanItem, issued_on: date) -> date:
    return item.deadline or add_workdays(issued_on, item.deadline_workdays or 0)


def preview_issue(plan: AnnualPlan, issued_on: date | None = None) -> list[PlannedAssignment]:
    """Exactly the assignments issuing will create: one per lead and per co-operating unit."""
    issued_on = issued_on or local_today()
    return [
        PlannedAssignment(item, unit.body, unit.role, resolve_deadline(item, issued_on))
        for item in plan.items
        for unit in sorted(
            item.units, key=lambda u: (u.role != UnitRole.LEAD.value, u.body.party_id, u.body.sort_order)
        )
    ]


def issue(plan: AnnualPlan, actor: User, document_number: str = "") -> None:
    """印发: the adopted plan goes out under its document number. Its tasks (one per unit of
    each item, exactly as preview_issue shows) are the assignments layer's to create: it
    subscribes to plan_issued and creates them in this transaction."""
    items_without_units = sum(1 for i in plan.items if not i.lead_units)
    _transition(plan, "issue", actor, items_without_units=items_without_units)
    plan.issued_at = utcnow()
    plan.issued_on = local_today()
    plan.document_number = document_number.strip()
    save_revision(plan, actor, _("Issued"))
    db.session.flush()
    signals.send(signals.plan_issued, plan.id, actor_id=actor.id, issued_on=plan.issued_on)


def close(plan: AnnualPlan, actor: User) -> None:
    _transition(plan, "close", actor)
    plan.closed_at = utcnow()


def add_comment(item: PlanItem, actor: User, text: str) -> ItemComment:
    if not permissions.can_comment_on_plan(actor, item.plan):
        raise OperationError(_("Comments are taken only while the plan is in consultation."))
    if not text.strip():
        raise OperationError(_("This field is required."), "text")
    execution = [m.body for m in actor.memberships if m.body.tier == Tier.EXECUTION]
    body = execution[0] if execution else (actor.bodies[0] if actor.bodies else None)
    comment = ItemComment(item=item, body_id=body.id if body else None, author_id=actor.id, text=text.strip())
    db.session.add(comment)
    db.session.flush()
    record(
        "plan.comment",
        comment,
        summary=item.title,
        after={"item_id": item.id, "text": comment.text},
        actor_id=actor.id,
    )
    signals.send(
        signals.plan_commented, item.plan_id, actor_id=actor.id, item_id=item.id, comment_id=comment.id
    )
    return comment


def set_report_cadence(plan: AnnualPlan, actor: User, cadence: str) -> None:
    """How often units report progress on this plan's tasks; their reminders follow (the
    reminder schedule subscribes)."""
    if cadence == plan.report_cadence:
        return
    before = {"report_cadence": plan.report_cadence}
    plan.report_cadence = cadence
    record(
        "plan.report_cadence",
        plan,
        summary=plan.title,
        before=before,
        after={"report_cadence": cadence},
        actor_id=actor.id,
    )
    signals.send(signals.plan_report_cadence_changed, plan.id, actor_id=actor.id, cadence=cadence)

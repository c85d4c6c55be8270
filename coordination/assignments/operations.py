"""Assignment lifecycle: every change passes the workflow gate and writes an audit event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol

from blinker import NamedSignal
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import FileStorage

from coordination import permissions, signals
from coordination.assignments import storage
from coordination.assignments.calendar_review import deadline_changes, settle_review_flags
from coordination.assignments.models import (
    Assignment,
    Attachment,
    ExtensionRequest,
    ProgressReport,
    SourceKind,
)
from coordination.audit.operations import record, record_many, snapshot
from coordination.auth.models import User
from coordination.bulk import insert_rows, table_of
from coordination.extensions import db
from coordination.operations import CONFLICT, ConflictError, OperationError, advance, check_version
from coordination.organizations.queries import date_refusal
from coordination.plans.models import AnnualPlan, PlanItem
from coordination.plans.operations import PlannedAssignment, preview_issue, resolve_deadline
from coordination.timeutil import local_today, utcnow
from workflows import assignment as flow
from workflows import extension as extension_flow

FIELDS = ("state", "current_deadline", "percent_complete", "quality", "return_reason", "cancel_reason")
CREATED_FIELDS = ("body_id", "role", "title", "original_deadline", "state")


class _Event(Protocol):
    """A meeting or a visit, as far as its tasks need it."""

    @property
    def mechanism_id(self) -> int: ...


class _Agreed(Protocol):
    """What a meeting or a visit agreed, as far as its tasks need it."""

    @property
    def id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def deadline(self) -> date: ...
    @property
    def body_ids(self) -> list[int]: ...
    @property
    def key_task_id(self) -> int | None: ...


class Decision(_Agreed, Protocol):
    """A meeting's decision (议定事项) to be turned into tasks (meetings sit above this layer)."""

    @property
    def meeting(self) -> _Event: ...


class Outcome(_Agreed, Protocol):
    """A visit's outcome (agreement or matter agreed) to be turned into tasks."""

    @property
    def visit(self) -> _Event: ...


def _create_all(
    rows: list[dict[str, object]],
    mechanism_id: int,
    actor: User,
    *,
    source: str,
    loaded_by: ColumnElement[bool],
    summary: Callable[[Assignment], str],
    fields: tuple[str, ...] = CREATED_FIELDS,
) -> list[Assignment]:
    """Many tasks in a handful of statements, whatever their number: one INSERT, one SELECT
    loading them back (`loaded_by` picks them among the rows newer than before the insert), one
    INSERT of their audit events, and one `assignments_created` for whoever follows new tasks."""
    if not rows:
        return []
    db.session.flush()
    newest = db.session.scalar(select(func.max(Assignment.id))) or 0
    insert_rows(table_of(Assignment), rows)
    created = list(
        db.session.scalars(
            select(Assignment).where(loaded_by, Assignment.id > newest).order_by(Assignment.id)
        )
    )
    record_many(
        "assignment.create",
        [(a, summary(a), snapshot(a, *fields)) for a in created],
        actor_id=actor.id,
    )
    signals.send(
        signals.assignments_created,
        mechanism_id,
        actor_id=actor.id,
        assignment_ids=[a.id for a in created],
        source=source,
    )
    return created


def _planned_rows(planned: list[PlannedAssignment], mechanism_id: int) -> list[dict[str, object]]:
    return [
        {
            "mechanism_id": mechanism_id,
            "source": SourceKind.PLAN_ITEM.value,
            "plan_item_id": p.item.id,
            "key_task_id": p.item.key_task_id,
            "body_id": p.body.id,
            "role": p.role,
            "title": p.item.title,
            "original_deadline": p.deadline,
            "current_deadline": p.deadline,
        }
        for p in planned
    ]


def _plan_summary(assignment: Assignment) -> str:
    return f"{assignment.body.name_zh} · {assignment.title}"


def create_for_plan(plan: AnnualPlan, actor: User) -> list[Assignment]:
    """The tasks of a plan being issued: one per lead and per co-operating unit of each item
    (exactly what preview_issue showed), in one batch."""
    items = select(PlanItem.id).where(PlanItem.plan_id == plan.id)
    return _create_all(
        _planned_rows(preview_issue(plan, plan.issued_on), plan.mechanism_id),
        plan.mechanism_id,
        actor,
        source="plan",
        loaded_by=Assignment.plan_item_id.in_(items.scalar_subquery()),
        summary=_plan_summary,
    )


def _create_for_units(
    source: SourceKind,
    actor: User,
    *,
    mechanism_id: int,
    title: str,
    deadline: date,
    body_ids: list[int],
    key_task_id: int | None,
    link: InstrumentedAttribute[int | None],
    link_id: int,
) -> list[Assignment]:
    rows: list[dict[str, object]] = [
        {
            "mechanism_id": mechanism_id,
            "source": source.value,
            "key_task_id": key_task_id,
            "body_id": body_id,
            "role": "lead",
            "title": title[:200],
            "original_deadline": deadline,
            "current_deadline": deadline,
            link.key: link_id,
        }
        for body_id in body_ids
    ]
    return _create_all(
        rows,
        mechanism_id,
        actor,
        source="decision" if source == SourceKind.DECISION else "outcome",
        loaded_by=link == link_id,
        summary=lambda _a: title[:200],
        fields=(*CREATED_FIELDS, "source"),
    )


def create_from_decision(decision: Decision, actor: User) -> list[Assignment]:
    """A meeting's decision (议定事项) becomes a task for each named unit."""
    return _create_for_units(
        SourceKind.DECISION,
        actor,
        mechanism_id=decision.meeting.mechanism_id,
        title=decision.text,
        deadline=decision.deadline,
        body_ids=decision.body_ids,
        key_task_id=decision.key_task_id,
        link=Assignment.decision_id,
        link_id=decision.id,
    )


def create_from_outcome(outcome: Outcome, actor: User) -> list[Assignment]:
    """A visit's outcome (agreement or matter agreed) becomes a task for each named unit."""
    return _create_for_units(
        SourceKind.VISIT,
        actor,
        mechanism_id=outcome.visit.mechanism_id,
        title=outcome.text,
        deadline=outcome.deadline,
        body_ids=outcome.body_ids,
        key_task_id=outcome.key_task_id,
        link=Assignment.visit_outcome_id,
        link_id=outcome.id,
    )


def sync_item(item: PlanItem, actor: User, reason: str) -> None:
    """After an amendment of an issued plan: new units get assignments, removed units' open
    assignments are cancelled (through the workflow, as any cancellation), and a moved deadline
    moves the current (not the original) one."""
    plan = item.plan
    deadline = resolve_deadline(item, plan.issued_on or local_today())
    existing = {  # the newest per unit: a unit removed and named again has a cancelled one too
        a.body_id: a
        for a in db.session.scalars(
            select(Assignment).where(Assignment.plan_item_id == item.id).order_by(Assignment.id)
        )
    }
    wanted = {u.body_id: u for u in item.units}
    new: list[PlannedAssignment] = []
    for body_id, unit in wanted.items():
        current = existing.get(body_id)
        if current is None or current.state == flow.AssignmentState.CANCELLED:
            new.append(PlannedAssignment(item, unit.body, unit.role, deadline))
            continue
        changes: dict[str, object] = {}
        if current.title != item.title:
            changes["title"] = item.title
        if current.role != unit.role:
            changes["role"] = unit.role
        if current.current_deadline != deadline and current.state not in flow.TERMINAL_VALUES:
            changes["current_deadline"] = deadline
        if changes:
            before = {k: getattr(current, k) for k in changes}
            for key, value in changes.items():
                setattr(current, key, value)
            record(
                "assignment.amend",
                current,
                summary=reason,
                before=snapshot_dict(before),
                after=snapshot_dict(changes),
                actor_id=actor.id,
            )
            db.session.flush()
            signals.send(signals.assignment_changed, current.id, actor_id=actor.id, fields=list(changes))
    for body_id, current in existing.items():
        if body_id not in wanted and current.state not in flow.TERMINAL_VALUES:
            before = _transition(current, "cancel", actor, None, reason=reason)
            current.cancel_reason = reason
            _audit(current, actor, "cancel", before, summary=reason, reason=reason)
    _create_all(
        _planned_rows(new, plan.mechanism_id),
        plan.mechanism_id,
        actor,
        source="amendment",
        loaded_by=Assignment.plan_item_id == item.id,
        summary=_plan_summary,
    )


def snapshot_dict(values: Mapping[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _transition(
    assignment: Assignment, action: str, actor: User, expected_version: int | None, **context: object
) -> dict[str, object]:
    check_version(assignment, expected_version)
    before = snapshot(assignment, *FIELDS)
    roles = permissions.assignment_roles(actor, assignment)
    advance(assignment, flow.TRANSITIONS, action, roles, context)
    return before


# What each audited action tells those who follow tasks (resume is work started again).
EVENTS: dict[str, NamedSignal] = {
    "acknowledge": signals.assignment_acknowledged,
    "start": signals.assignment_started,
    "resume": signals.assignment_started,
    "submit_completion": signals.completion_submitted,
    "close": signals.assignment_closed,
    "return": signals.assignment_returned,
    "cancel": signals.assignment_cancelled,
}


def _audit(
    assignment: Assignment,
    actor: User,
    action: str,
    before: Mapping[str, object],
    summary: str = "",
    **payload: object,
) -> None:
    """The audit event of a state or deadline change, then the domain event that tells whoever
    follows tasks (the reminder schedule among them)."""
    record(
        f"assignment.{action}",
        assignment,
        summary=summary or assignment.title,
        before=before,
        after=snapshot(assignment, *FIELDS),
        actor_id=actor.id,
    )
    db.session.flush()
    signal = EVENTS.get(action, signals.assignment_changed)
    if signal is signals.assignment_changed:
        payload.setdefault("fields", ["current_deadline"])
    signals.send(signal, assignment.id, actor_id=actor.id, **payload)


def acknowledge(assignment: Assignment, actor: User, *, expected_version: int | None = None) -> None:
    before = _transition(assignment, "acknowledge", actor, expected_version)
    assignment.acknowledged_by_id = actor.id
    assignment.acknowledged_at = utcnow()
    _audit(assignment, actor, "acknowledge", before)


def start(assignment: Assignment, actor: User, *, expected_version: int | None = None) -> None:
    before = _transition(assignment, "start", actor, expected_version)
    _audit(assignment, actor, "start", before)


def resume(assignment: Assignment, actor: User, *, expected_version: int | None = None) -> None:
    before = _transition(assignment, "resume", actor, expected_version)
    _audit(assignment, actor, "resume", before)


def _attach(
    assignment: Assignment,
    actor: User,
    files: list[FileStorage],
    purpose: str,
    report: ProgressReport | None = None,
) -> list[Attachment]:
    checked = storage.check(files)
    stored = storage.write(checked)
    storage.track(db.session(), stored)
    attachments = [
        Attachment(
            assignment=assignment,
            report=report,
            purpose=purpose,
            filename=s.filename,
            stored_name=s.stored_name,
            content_type=s.content_type,
            size=s.size,
            sha256=s.sha256,
            uploaded_by_id=actor.id,
        )
        for s in stored
    ]
    db.session.add_all(attachments)
    return attachments


def report_progress(
    assignment: Assignment,
    actor: User,
    *,
    text: str,
    percent: int,
    period: str = "",
    files: list[FileStorage] | None = None,
    expected_version: int | None = None,
) -> ProgressReport:
    if not text.strip():
        raise OperationError(_("This field is required."), "text")
    if not 0 <= percent <= 100:
        raise OperationError(_("Percent complete must be between 0 and 100."), "percent")
    storage.check(list(files or []))  # reject bad files before any state changes
    for f in files or []:
        f.stream.seek(0)
    before = _transition(assignment, "report", actor, expected_version)
    report = ProgressReport(
        assignment=assignment, author_id=actor.id, period=period.strip(), text=text.strip(), percent=percent
    )
    db.session.add(report)
    assignment.percent_complete = percent
    attachments = _attach(assignment, actor, list(files or []), "report", report)
    db.session.flush()
    after = snapshot(assignment, *FIELDS) | {
        "report_id": report.id,
        "files": [a.filename for a in attachments],
    }
    record(
        "assignment.report",
        assignment,
        summary=f"{percent}% · {text.strip()[:100]}",
        before=before,
        after=after,
        actor_id=actor.id,
    )
    signals.send(signals.assignment_reported, assignment.id, actor_id=actor.id, update_id=report.id)
    return report


def request_extension(
    assignment: Assignment,
    actor: User,
    *,
    reason: str,
    requested_date: date,
    progress: str = "",
    expected_version: int | None = None,
) -> ExtensionRequest:
    check_version(assignment, expected_version)
    if permissions.assignment_roles(actor, assignment).isdisjoint({"unit_liaison"}):
        raise OperationError(_("Only the responsible unit's liaison can ask for an extension."))
    if not flow.can_request_extension(flow.AssignmentState(assignment.state)):
        raise OperationError(_("This action is not possible in the current state."))
    if any(e.state == extension_flow.ExtensionState.PENDING for e in assignment.extensions):
        raise OperationError(_("An extension request is already waiting for a decision."))
    if not reason.strip():
        raise OperationError(_("Give a reason."), "reason")
    if requested_date < local_today():
        raise OperationError(
            _("The date %(d)s is in the past.", d=requested_date.isoformat()), "requested_date"
        )
    if requested_date <= assignment.current_deadline:
        raise OperationError(_("The requested date must be after the current deadline."), "requested_date")
    if refusal := date_refusal(requested_date):
        raise OperationError(refusal, "requested_date")
    request = ExtensionRequest(
        assignment=assignment,
        requested_by_id=actor.id,
        reason=reason.strip(),
        requested_date=requested_date,
        deadline_at_request=assignment.current_deadline,
        progress=progress.strip(),
    )
    db.session.add(request)
    try:
        db.session.flush()
    except IntegrityError as error:
        # One pending request per task (a partial unique index): the other request got there first.
        raise ConflictError(str(CONFLICT)) from error
    record(
        "assignment.extension_request",
        assignment,
        summary=f"{assignment.current_deadline} → {requested_date} · {reason.strip()[:100]}",
        after={"extension_id": request.id, "requested_date": requested_date.isoformat()},
        actor_id=actor.id,
    )
    signals.send(signals.extension_requested, assignment.id, actor_id=actor.id, request_id=request.id)
    return request


def decide_extension(
    request: ExtensionRequest,
    actor: User,
    *,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    assignment = request.assignment
    check_version(request, expected_version)
    # A request asked before dates were bounded may still name 9999-12-31: it can be refused,
    # not approved.
    if approve and (refusal := date_refusal(request.requested_date)):
        raise OperationError(refusal)
    roles = permissions.assignment_roles(actor, assignment)
    action = "approve" if approve else "reject"
    context = {
        "requested_date": request.requested_date,
        "current_deadline": assignment.current_deadline,
        "reason": note,
    }
    advance(request, extension_flow.TRANSITIONS, action, roles, context)
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_note = note.strip()
    before = snapshot(assignment, *FIELDS)
    if approve:
        assignment.current_deadline = request.requested_date  # the original deadline stays
    record(
        f"assignment.extension_{'approve' if approve else 'reject'}",
        assignment,
        summary=note.strip()[:200] or f"{request.deadline_at_request} → {request.requested_date}",
        before=before,
        after=snapshot(assignment, *FIELDS) | {"extension_id": request.id},
        actor_id=actor.id,
    )
    db.session.flush()
    signals.send(
        signals.extension_decided, assignment.id, actor_id=actor.id, request_id=request.id, granted=approve
    )


def withdraw_extension(request: ExtensionRequest, actor: User) -> None:
    roles = permissions.assignment_roles(actor, request.assignment)
    advance(request, extension_flow.TRANSITIONS, "withdraw", roles, {})
    record(
        "assignment.extension_withdraw",
        request.assignment,
        summary=request.reason[:100],
        after={"extension_id": request.id},
        actor_id=actor.id,
    )
    signals.send(signals.extension_withdrawn, request.assignment_id, actor_id=actor.id, request_id=request.id)


def submit_completion(
    assignment: Assignment,
    actor: User,
    *,
    results: str,
    files: list[FileStorage] | None = None,
    expected_version: int | None = None,
) -> None:
    storage.check(list(files or []))
    for f in files or []:
        f.stream.seek(0)
    before = _transition(assignment, "submit_completion", actor, expected_version, results=results)
    assignment.results = results.strip()
    assignment.submitted_at = utcnow()
    assignment.percent_complete = 100
    attachments = _attach(assignment, actor, list(files or []), "evidence")
    _audit(assignment, actor, "submit_completion", before, summary=results.strip()[:200])
    if attachments:
        record(
            "assignment.evidence",
            assignment,
            after={"files": [a.filename for a in attachments]},
            actor_id=actor.id,
        )


def close(
    assignment: Assignment,
    actor: User,
    *,
    quality: int | None,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    before = _transition(assignment, "close", actor, expected_version, quality=quality)
    assignment.quality = quality
    assignment.closed_at = utcnow()
    assignment.closed_by_id = actor.id
    _audit(assignment, actor, "close", before, summary=note.strip()[:200])


def return_for_rework(
    assignment: Assignment, actor: User, *, reason: str, expected_version: int | None = None
) -> None:
    before = _transition(assignment, "return", actor, expected_version, reason=reason)
    assignment.return_reason = reason.strip()
    _audit(assignment, actor, "return", before, summary=reason.strip()[:200], reason=reason.strip())


def cancel(assignment: Assignment, actor: User, *, reason: str, expected_version: int | None = None) -> None:
    before = _transition(assignment, "cancel", actor, expected_version, reason=reason)
    assignment.cancel_reason = reason.strip()
    _audit(assignment, actor, "cancel", before, summary=reason.strip()[:200], reason=reason.strip())


def recount_deadlines(assignment_ids: set[int], reason: str, actor: User) -> int:
    """Move the current deadlines of the chosen tasks to what the working-day calendar now gives
    (the original deadlines stay, as evaluation counts against them). Tasks no longer on the
    review list (moved by someone else meanwhile, closed) are left alone."""
    if not reason.strip():
        raise OperationError(_("Give a reason."), field="reason")
    if not assignment_ids:
        raise OperationError(_("Choose at least one task."))
    moved = 0
    for change in deadline_changes():
        assignment = change.assignment
        if assignment.id not in assignment_ids:
            continue
        before = snapshot(assignment, *FIELDS)
        assignment.current_deadline = change.counted
        _audit(
            assignment,
            actor,
            "deadline_recount",
            before,
            summary=f"{change.current} → {change.counted} · {reason.strip()}"[:300],
            fields=["current_deadline"],
        )
        moved += 1
    settle_review_flags()
    return moved

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage

from coordination import permissions
from coordination.assignments import operations, queries, storage, task_page
from coordination.assignments.calendar_review import deadline_changes
from coordination.assignments.forms import (
    CloseForm,
    CompletionForm,
    DecisionForm,
    ExtensionForm,
    ReasonForm,
    RecountForm,
    ReportForm,
    VersionedForm,
)
from coordination.assignments.models import Assignment, Attachment, ExtensionRequest
from coordination.extensions import db
from coordination.framework.queries import key_task_choices
from coordination.labels import ACTION_LABELS, LightReasons, light_reason
from coordination.organizations.queries import current_mechanism
from coordination.plans.queries import unit_choices
from coordination.timeutil import local_today
from coordination.urls import safe_next
from coordination.views_util import (
    attempt,
    form_version,
    int_arg,
    page_arg,
    page_count,
    replayed,
    submit_once,
)
from workflows import assignment as flow
from workflows import extension as extension_flow
from workflows.base import allowed_actions, roles_for
from workflows.traffic import Assessment, TrafficRule

bp = Blueprint("assignments", __name__)


def _visible(assignment_id: int) -> Assignment:
    assignment = db.get_or_404(Assignment, assignment_id)
    if not permissions.can_view_assignment(current_user, assignment):
        abort(403)
    return assignment


# URL action -> the workflow's name for it ("extension" is not a transition: see _offered).
WORKFLOW_ACTION = {"complete": "submit_completion"}


def _actionable(assignment_id: int, action: str) -> Assignment:
    """The task, if the user holds a role that may take this action at all (403 otherwise;
    whether the task's state allows it now is the operation's to say)."""
    assignment = _visible(assignment_id)
    # Asking for an extension belongs to whoever reports on the task.
    allowed = roles_for(
        flow.TRANSITIONS, "report" if action == "extension" else WORKFLOW_ACTION.get(action, action)
    )
    if allowed.isdisjoint(permissions.assignment_roles(current_user, assignment)):
        abort(403)
    return assignment


@dataclass(frozen=True)
class LightShown:
    value: str
    reason: str


def light_of(assignment: Assignment, pending: bool, rule: TrafficRule) -> LightShown:
    assessment: Assessment = queries.assessment_of(assignment, local_today(), pending, rule)
    return LightShown(assessment.light.value, light_reason(assessment, rule))


@bp.route("/tasks")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    filters = queries.TaskFilters.from_args(request.args)
    everything = permissions.reads_everything(current_user)
    body_ids = None if everything else permissions.liaison_body_ids(current_user)
    page = page_arg(request.args)
    size = current_app.config["PAGE_SIZE"]
    today = local_today()
    rows, total = queries.task_list(filters, today, body_ids, page, size, with_body=everything)
    mechanism = current_mechanism()
    rule = queries.traffic_rule_of(mechanism)
    reasons = LightReasons(rule)
    lights = {}
    for row in rows:
        assessment = queries.assessment_of(row, today, row.pending_extension, rule)
        lights[row.id] = LightShown(assessment.light.value, reasons(assessment))
    return render_template(
        "assignments/index.html",
        rows=rows,
        lights=lights,
        # url_for once, not once a row: a task's address is this followed by its id.
        task_href=url_for("assignments.show", assignment_id=0).removesuffix("0"),
        total=total,
        page=page,
        pages=page_count(total, size),
        filters=filters,
        everything=everything,
        key_tasks=key_task_choices(mechanism),
        units=unit_choices(mechanism) if everything else [],
        today=today,
    )


def _extension_waiting(assignment: Assignment) -> bool:
    return any(e.state == "pending" for e in assignment.extensions)


def _offered(assignment: Assignment) -> set[str]:
    """The workflow actions the page offers this user now ("extension" included when it may be
    asked for); the guards' text fields are the forms' business, so they count as filled."""
    roles = permissions.assignment_roles(current_user, assignment)
    state = flow.AssignmentState(assignment.state)
    offered = set(
        allowed_actions(flow.TRANSITIONS, state, roles, {"results": "x", "reason": "x", "quality": None})
    )
    if "unit_liaison" in roles and flow.can_request_extension(state) and not _extension_waiting(assignment):
        offered.add("extension")
    return offered


# The forms the page shows, by template slot: built only for the actions it offers.
def _forms(version: int, offered: set[str]) -> dict[str, FlaskForm]:
    forms: dict[str, FlaskForm] = {}
    if "report" in offered:
        forms["report_form"] = ReportForm(formdata=None, version=version)
    if "extension" in offered:
        forms["extension_form"] = ExtensionForm(formdata=None, version=version)
    if "submit_completion" in offered:
        forms["completion_form"] = CompletionForm(formdata=None, version=version)
    if "close" in offered:
        forms["close_form"] = CloseForm(formdata=None, version=version)
    if "return" in offered:
        forms["return_form"] = ReasonForm(formdata=None, version=version, prefix="return")
    if "cancel" in offered:
        forms["cancel_form"] = ReasonForm(formdata=None, version=version, prefix="cancel")
    return forms


def _render(assignment: Assignment, status: int = 200, **forms: FlaskForm) -> ResponseReturnValue:
    roles = permissions.assignment_roles(current_user, assignment)
    state = flow.AssignmentState(assignment.state)
    offered = _offered(assignment)
    siblings = task_page.siblings(assignment)
    return render_template(
        "assignments/show.html",
        a=assignment,
        actions=offered,
        can_extend="extension" in offered,
        can_decide=bool(roles & {"lead_department", "admin"}),
        light=light_of(
            assignment, _extension_waiting(assignment), queries.traffic_rule_of(assignment.body.mechanism)
        ),
        overdue=flow.is_overdue(state, assignment.current_deadline, local_today()),
        history=task_page.history(assignment),
        siblings=siblings,
        openable=permissions.viewable_ids(current_user, siblings),
        action_labels=ACTION_LABELS,
        **(_forms(assignment.version, offered) | forms),
    ), status


@bp.route("/tasks/<int:assignment_id>")
@permissions.require(permissions.can_read_mechanism)
def show(assignment_id: int) -> ResponseReturnValue:
    assignment = task_page.task(assignment_id)
    if assignment is None:
        abort(404)
    if not permissions.can_view_assignment(current_user, assignment):
        abort(403)
    task_page.load_work(assignment)
    return _render(assignment)


def _back(assignment: Assignment) -> ResponseReturnValue:
    return redirect(url_for("assignments.show", assignment_id=assignment.id))


SIMPLE = {
    "acknowledge": (operations.acknowledge, _l("Acknowledged. The task is now yours to carry out.")),
    "start": (operations.start, _l("Work on the task has started.")),
    "resume": (operations.resume, _l("The task is back in progress.")),
}


@bp.route("/tasks/<int:assignment_id>/<any(acknowledge, start, resume):action>", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def simple_action(assignment_id: int, action: str) -> ResponseReturnValue:
    assignment = _actionable(assignment_id, action)
    operation, message = SIMPLE[action]
    version = form_version(request.form.get("version"))
    attempt(lambda: operation(assignment, current_user, expected_version=version), success=str(message))
    return _back(assignment)


@dataclass(frozen=True)
class FormAction:
    """A task action that takes a form: how to build the form and which operation it feeds."""

    form: type[VersionedForm]
    slot: str  # the template variable that shows the form, with its errors, on failure
    run: Callable[[Assignment, FlaskForm], object]
    message: Any
    prefix: str = ""
    creates: bool = False  # a report or a request: its form carries a one-time key


def _files(form: FlaskForm) -> list[FileStorage]:
    return request.files.getlist(form.files.name)


FORM_ACTIONS = {
    "report": FormAction(
        ReportForm,
        "report_form",
        lambda a, form: operations.report_progress(
            a,
            current_user,
            text=form.text.data,
            percent=form.percent.data,
            period=form.period.data or "",
            files=_files(form),
            expected_version=form_version(form.version.data),
        ),
        _l("Progress report sent."),
        creates=True,
    ),
    "extension": FormAction(
        ExtensionForm,
        "extension_form",
        lambda a, form: operations.request_extension(
            a,
            current_user,
            reason=form.reason.data,
            requested_date=form.requested_date.data,
            progress=form.progress.data or "",
            expected_version=form_version(form.version.data),
        ),
        _l("Extension requested. The lead department will decide."),
        creates=True,
    ),
    "complete": FormAction(
        CompletionForm,
        "completion_form",
        lambda a, form: operations.submit_completion(
            a,
            current_user,
            results=form.results.data,
            files=_files(form),
            expected_version=form_version(form.version.data),
        ),
        _l("Completion submitted for verification."),
    ),
    "close": FormAction(
        CloseForm,
        "close_form",
        lambda a, form: operations.close(
            a,
            current_user,
            quality=int(form.quality.data) if (form.quality.data or "").strip() else None,
            note=form.note.data or "",
            expected_version=form_version(form.version.data),
        ),
        _l("Verified and closed (销号)."),
    ),
    "return": FormAction(
        ReasonForm,
        "return_form",
        lambda a, form: operations.return_for_rework(
            a, current_user, reason=form.reason.data, expected_version=form_version(form.version.data)
        ),
        _l("Returned to the unit with your reasons."),
        prefix="return",
    ),
    "cancel": FormAction(
        ReasonForm,
        "cancel_form",
        lambda a, form: operations.cancel(
            a, current_user, reason=form.reason.data, expected_version=form_version(form.version.data)
        ),
        _l("The task is cancelled."),
        prefix="cancel",
    ),
}


@bp.route(
    "/tasks/<int:assignment_id>/<any(report, extension, complete, close, return, cancel):action>",
    methods=["POST"],
)
@permissions.require(permissions.can_read_mechanism)
def form_action(assignment_id: int, action: str) -> ResponseReturnValue:
    assignment = _actionable(assignment_id, action)
    spec = FORM_ACTIONS[action]
    form = spec.form(prefix=spec.prefix)
    # The same report or request sent again shows the first one, even once the task moved on.
    if spec.creates and (done := replayed(form)) is not None:
        return done
    if WORKFLOW_ACTION.get(action, action) not in _offered(assignment):
        # A page opened before the task moved on (another tab, a colleague): its form is gone.
        waiting = action == "extension" and _extension_waiting(assignment)
        flash(
            _("An extension request is already waiting for a decision.")
            if waiting
            else _("This action is not possible in the current state."),
            "error",
        )
        return _back(assignment)
    if spec.creates:
        done = submit_once(
            form,
            lambda: spec.run(assignment, form),
            success=str(spec.message),
            target=lambda created: url_for("assignments.show", assignment_id=assignment.id),
        )
        if done is not None:
            return done
    elif form.validate_on_submit() and attempt(lambda: spec.run(assignment, form), form, str(spec.message)):
        return _back(assignment)
    return _render(assignment, 422, **{spec.slot: form})


@bp.route("/extensions/<int:extension_id>/<any(approve, reject, withdraw):decision>", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def decide(extension_id: int, decision: str) -> ResponseReturnValue:
    request_ = db.get_or_404(ExtensionRequest, extension_id)
    assignment = _visible(request_.assignment_id)
    if roles_for(extension_flow.TRANSITIONS, decision).isdisjoint(
        permissions.assignment_roles(current_user, assignment)
    ):
        abort(403)
    form = DecisionForm()
    note = form.note.data or ""
    if decision == "withdraw":
        attempt(
            lambda: operations.withdraw_extension(request_, current_user),
            success=_("Extension request withdrawn."),
        )
    elif decision == "reject" and not note.strip():
        flash(_("Give the reason for rejecting the extension."), "error")
    else:
        attempt(
            lambda: operations.decide_extension(
                request_,
                current_user,
                approve=decision == "approve",
                note=note,
                expected_version=form_version(form.version.data),
            ),
            success=_("Extension approved: the deadline has moved.")
            if decision == "approve"
            else _("Extension rejected."),
        )
    return redirect(
        safe_next(request.form.get("next"), url_for("assignments.show", assignment_id=assignment.id))
    )


@bp.route("/verification")
@permissions.require(permissions.can_verify)
def verification() -> ResponseReturnValue:
    mechanism_id = current_mechanism().id
    size = current_app.config["PAGE_SIZE"]
    page, extension_page = page_arg(request.args), int_arg(request.args, "xpage", high=100_000) or 1
    completions, completion_total = queries.paged(queries.completions_waiting(mechanism_id), page, size)
    extensions, extension_total = queries.paged(
        queries.extensions_waiting(mechanism_id), extension_page, size
    )
    return render_template(
        "assignments/verification.html",
        completions=completions,
        completion_total=completion_total,
        extensions=extensions,
        extension_total=extension_total,
        page=page,
        pages=page_count(completion_total, size),
        extension_page=extension_page,
        extension_pages=page_count(extension_total, size),
        decision_form=DecisionForm(formdata=None),
    )


@bp.route("/attachments/<int:attachment_id>")
@permissions.require(permissions.can_read_mechanism)
def attachment(attachment_id: int) -> ResponseReturnValue:
    item = db.get_or_404(Attachment, attachment_id)
    _visible(item.assignment_id)
    path = storage.path_of(item.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.filename, max_age=0
    )


@bp.route("/tasks/calendar-review", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def calendar_review() -> ResponseReturnValue:
    """Deadlines counted in working days that the calendar now counts differently."""
    form = RecountForm()
    if form.validate_on_submit():
        chosen = {int(value) for value in request.form.getlist("assignment") if value.isdigit()}
        moved: list[int] = []
        if attempt(
            lambda: moved.append(operations.recount_deadlines(chosen, form.reason.data, current_user)),
            form,
        ):
            flash(_("%(n)d deadlines moved; their reminders follow.", n=moved[0]), "success")
            return redirect(url_for("assignments.calendar_review"))
    changes = deadline_changes(current_mechanism().id)
    return render_template("assignments/calendar_review.html", changes=changes, form=form)

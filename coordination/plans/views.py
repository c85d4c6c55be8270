from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coordination import permissions
from coordination.extensions import db
from coordination.framework.queries import key_task_choices
from coordination.labels import IMPORT_STATE_LABELS, readable_value
from coordination.organizations.models import Body
from coordination.organizations.queries import current_mechanism
from coordination.plans import excel, imports, operations, queries, revisions
from coordination.plans.forms import CadenceForm, CommentForm, IssueForm, ItemForm, PlanForm
from coordination.plans.models import AnnualPlan, PlanImport, PlanItem
from coordination.timeutil import local_today
from coordination.views_util import attempt, form_version, int_arg, submit_once
from workflows import plan as plan_flow
from workflows.workdays import note_year

bp = Blueprint("plans", __name__, url_prefix="/plans")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def plan_or_404(plan_id: int) -> AnnualPlan:
    plan = db.get_or_404(AnnualPlan, plan_id)
    if not permissions.can_view_plan(current_user, plan):
        abort(403)
    return plan


def manageable_plan(plan_id: int) -> AnnualPlan:
    plan = db.get_or_404(AnnualPlan, plan_id)
    if not permissions.can_manage_plans(current_user):
        abort(403)
    return plan


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def new() -> ResponseReturnValue:
    form = PlanForm()
    if request.method == "GET":
        year = local_today().year + (1 if local_today().month >= 10 else 0)
        form.year.data = year
        form.title.data = _("Shanghai–Dalian counterpart cooperation: %(year)d work plan", year=year)
    done = submit_once(
        form,
        lambda: operations.create_plan(
            current_mechanism(), form.year.data, form.title.data, current_user, form.report_cadence.data
        ),
        success=_("Plan created. Add its items."),
        target=lambda plan: url_for("plans.show", plan_id=plan.id),
    )
    return done or render_template("plans/new.html", form=form)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def edit(plan_id: int) -> ResponseReturnValue:
    """A draft's year and title."""
    plan = manageable_plan(plan_id)
    form = PlanForm(obj=plan if request.method == "GET" else None)
    del form.report_cadence  # kept on the plan page, where it applies in every state
    if request.method == "GET":
        form.version.data = plan.version
    if form.validate_on_submit() and attempt(
        lambda: operations.update_plan(
            plan,
            current_user,
            year=form.year.data,
            title=form.title.data or "",
            expected_version=form_version(form.version.data),
        ),
        form,
        _("Plan saved."),
    ):
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/new.html", form=form, plan=plan)


@bp.route("/<int:plan_id>/withdraw", methods=["POST"])
@permissions.require(permissions.can_manage_plans)
def withdraw(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    year = plan.year
    if attempt(
        lambda: operations.withdraw(
            plan, current_user, expected_version=form_version(request.form.get("version"))
        ),
        success=_("The %(year)d draft plan is withdrawn.", year=year),
    ):
        return redirect(url_for("plans.index"))
    return redirect(url_for("plans.show", plan_id=plan_id))


def _item_form(plan: AnnualPlan, item: PlanItem | None) -> ItemForm:
    form = ItemForm(obj=item if request.method == "GET" else None)  # a POST is read from the form alone
    mechanism = plan.mechanism
    form.key_task_id.choices = key_task_choices(mechanism)
    units = queries.unit_choices(mechanism)
    form.lead_body_ids.choices = units
    form.cooperating_body_ids.choices = units
    if request.method == "GET":
        if item is not None:
            form.deadline.data = (
                item.deadline.isoformat() if item.deadline else f"{item.deadline_workdays}个工作日"
            )
            form.lead_body_ids.data = [u.body_id for u in item.lead_units]
            form.cooperating_body_ids.data = [u.body_id for u in item.cooperating_units]
            form.milestones.data = "\n".join(f"{m.due_on.isoformat()} {m.title}" for m in item.milestones)
            form.version.data = item.version
        elif key_task := int_arg(request.args, "key_task"):
            form.key_task_id.data = key_task
    return form


def _item_data(form: ItemForm) -> operations.ItemData:
    return operations.ItemData(
        key_task_id=form.key_task_id.data,
        title=form.title.data or "",
        content=form.content.data or "",
        expected_results=form.expected_results.data or "",
        deadline=form.parsed_deadline,
        deadline_workdays=form.parsed_workdays,
        priority=form.priority.data,
        lead_body_ids=form.lead_body_ids.data or [],
        cooperating_body_ids=form.cooperating_body_ids.data or [],
        milestones=form.parsed_milestones,
    )


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def item_new(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    form = _item_form(plan, None)
    done = submit_once(
        form,
        lambda: operations.add_item(
            plan, _item_data(form), current_user, amendment_reason=form.amendment_reason.data
        ),
        success=_("Item added."),
        target=lambda item: url_for("plans.show", plan_id=plan.id) + "#items",
    )
    note_year(plan.year)  # "N个工作日" will count over the plan's year
    return done or render_template(
        "plans/item_form.html", plan=plan, form=form, item=None, amending=plan.state == "issued"
    )


@bp.route("/<int:plan_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def item_edit(plan_id: int, item_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    item = db.get_or_404(PlanItem, item_id)
    if item.plan_id != plan.id:
        abort(404)
    form = _item_form(plan, item)
    if form.validate_on_submit() and attempt(
        lambda: operations.update_item(
            item,
            _item_data(form),
            current_user,
            expected_version=form_version(form.version.data),
            amendment_reason=form.amendment_reason.data,
        ),
        form,
        _("Item saved."),
    ):
        return redirect(url_for("plans.show", plan_id=plan.id) + f"#item-{item.id}")
    note_year(plan.year)
    return render_template(
        "plans/item_form.html", plan=plan, form=form, item=item, amending=plan.state == "issued"
    )


@bp.route("/<int:plan_id>/items/<int:item_id>/delete", methods=["POST"])
@permissions.require(permissions.can_manage_plans)
def item_delete(plan_id: int, item_id: int) -> ResponseReturnValue:
    item = db.get_or_404(PlanItem, item_id)
    if item.plan_id != plan_id:
        abort(404)
    attempt(
        lambda: operations.delete_item(
            item, current_user, expected_version=form_version(request.form.get("version"))
        ),
        success=_("Item removed."),
    )
    return redirect(url_for("plans.show", plan_id=plan_id))


@bp.route("/<int:plan_id>/items/<int:item_id>/comments", methods=["POST"])
@permissions.require(permissions.comments_on_plans)
def item_comment(plan_id: int, item_id: int) -> ResponseReturnValue:
    plan = plan_or_404(plan_id)
    item = db.get_or_404(PlanItem, item_id)
    if item.plan_id != plan.id:
        abort(404)
    form = CommentForm()
    back = url_for("plans.show", plan_id=plan.id) + f"#item-{item.id}"
    done = submit_once(
        form,
        lambda: operations.add_comment(item, current_user, form.text.data),
        success=_("Comment sent."),
        target=lambda comment: back,
        errors_on_form=False,
    )
    if done is None and form.errors:
        flash(_("Write a comment first (at most 2000 characters)."), "error")
    return done or redirect(back)


SIMPLE_ACTIONS = {
    "start_consultation": (
        operations.start_consultation,
        _l("The plan is open for comments from member units."),
    ),
    "return_to_draft": (operations.return_to_draft, _l("The plan is back in draft.")),
    "adopt": (operations.adopt, _l("The plan is recorded as adopted by the joint meeting.")),
    "close": (operations.close, _l("The plan is closed.")),
}


@bp.route("/<int:plan_id>/actions/<action>", methods=["POST"])
@permissions.require(permissions.can_manage_plans)
def act(plan_id: int, action: str) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    if action not in SIMPLE_ACTIONS:
        abort(404)
    operation, message = SIMPLE_ACTIONS[action]
    attempt(lambda: operation(plan, current_user), success=str(message))
    return redirect(url_for("plans.show", plan_id=plan.id))


@bp.route("/<int:plan_id>/issue", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def issue(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    if plan.state != plan_flow.PlanState.ADOPTED:
        flash(_("Only a plan adopted by the joint meeting can be issued."), "error")
        return redirect(url_for("plans.show", plan_id=plan.id))
    form = IssueForm()
    if form.validate_on_submit() and attempt(
        lambda: operations.issue(plan, current_user, form.document_number.data or ""),
        form,
        _("The plan is issued and its tasks are assigned."),
    ):
        return redirect(url_for("plans.show", plan_id=plan.id))
    preview = operations.preview_issue(plan)
    by_unit: dict[Body, list[operations.PlannedAssignment]] = {}
    for planned in preview:
        by_unit.setdefault(planned.body, []).append(planned)
    return render_template("plans/issue.html", plan=plan, form=form, preview=preview, by_unit=by_unit)


@bp.route("/<int:plan_id>/revisions")
@permissions.require(permissions.can_manage_plans)
def revision_list(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    return render_template("plans/revisions.html", plan=plan, revisions=list(reversed(plan.revisions)))


@bp.route("/<int:plan_id>/compare")
@permissions.require(permissions.can_manage_plans)
def compare(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    chosen = {int_arg(request.args, "a"), int_arg(request.args, "b")}
    numbers = sorted(n for n in chosen if n is not None)
    found = {r.number: r for r in plan.revisions if r.number in numbers}
    if len(numbers) != 2 or len(found) != 2:
        flash(_("Choose two different revisions to compare."), "error")
        return redirect(url_for("plans.revision_list", plan_id=plan.id))
    old, new = found[numbers[0]], found[numbers[1]]
    return render_template(
        "plans/compare.html",
        plan=plan,
        old=old,
        new=new,
        diff=revisions.compare(old.items, new.items),
        field_labels=revisions.field_labels(),
        readable_value=readable_value,
    )


@bp.route("/<int:plan_id>/export.xlsx")
@permissions.require(permissions.can_read_mechanism)
def export(plan_id: int) -> ResponseReturnValue:
    plan = plan_or_404(plan_id)
    return _xlsx(excel.export_plan(plan), f"{plan.year}年度计划.xlsx")


@bp.route("/import-template.xlsx")
@permissions.require(permissions.can_manage_plans)
def import_template() -> ResponseReturnValue:
    return _xlsx(excel.template(current_mechanism()), "年度计划导入模板.xlsx")


def _xlsx(buffer: BytesIO, name: str) -> Response:
    return send_file(buffer, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.route("/<int:plan_id>/import", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def import_items(plan_id: int) -> ResponseReturnValue:
    """The upload only checks the file's directory and queues it: the sheet is read by a job
    (coordination/plans/imports.py), whose page shows progress and then the result."""
    plan = manageable_plan(plan_id)
    problems: list[excel.RowProblem] = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose an Excel file (.xlsx) to import."), "error")
        else:
            filename = upload.filename
            data = upload.stream.read(excel.MAX_UPLOAD_BYTES + 1)
            result: list[tuple[PlanImport, bool]] = []
            try:
                done = attempt(
                    lambda: result.append(imports.request_import(plan, filename, data, current_user))
                )
            except excel.ImportRejected as rejected:
                db.session.rollback()
                problems, done = rejected.problems, None
            if done:
                job, queued = result[0]
                if not queued:
                    flash(
                        _("An import of this plan is already running; this page shows its progress."), "info"
                    )
                return redirect(url_for("plans.import_progress", plan_id=plan.id, import_id=job.id))
    return render_template("plans/import.html", plan=plan, problems=problems, columns=excel.COLUMNS)


def _import_of(plan: AnnualPlan, import_id: int) -> PlanImport:
    job = db.get_or_404(PlanImport, import_id)
    if job.plan_id != plan.id:
        abort(404)
    return job


@bp.route("/<int:plan_id>/imports/<int:import_id>")
@permissions.require(permissions.can_manage_plans)
def import_progress(plan_id: int, import_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    job = _import_of(plan, import_id)
    problems = [excel.RowProblem(*p) for p in job.problems or []]
    if job.state == "failed":
        problems = [excel.RowProblem(0, "", _("The file could not be read. Nothing was imported."))]
    return render_template("plans/import.html", plan=plan, problems=problems, columns=excel.COLUMNS, job=job)


@bp.route("/<int:plan_id>/imports/<int:import_id>/status")
@permissions.require(permissions.can_manage_plans)
def import_status(plan_id: int, import_id: int) -> ResponseReturnValue:
    job = _import_of(manageable_plan(plan_id), import_id)
    return jsonify(
        state=job.state,
        label=str(IMPORT_STATE_LABELS[job.state]),
        progress=job.progress,
        step="",
        download=None,
    )


@bp.route("/<int:plan_id>/cadence", methods=["POST"])
@permissions.require(permissions.can_manage_plans)
def cadence(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    form = CadenceForm()
    if form.validate_on_submit():
        attempt(
            lambda: operations.set_report_cadence(plan, current_user, form.report_cadence.data),
            success=_("Saved. Progress-report reminders follow the new cadence."),
        )
    else:
        flash(_("Not a valid choice."), "error")
    return redirect(url_for("plans.show", plan_id=plan.id))

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from coordination import charts, permissions
from coordination.assignments.queries import traffic_rule_of
from coordination.evaluation import queries as evaluation
from coordination.evaluation.views import scope_or_404
from coordination.extensions import db
from coordination.jobs import redis_available
from coordination.labels import REPORT_STATE_LABELS
from coordination.organizations.queries import current_mechanism
from coordination.plans.models import AnnualPlan
from coordination.plans.queries import unit_choices
from coordination.supervision import generation, operations, queries
from coordination.supervision.forms import TrafficRuleForm
from coordination.supervision.models import GeneratedReport
from coordination.supervision.report import ReportContent, workbook
from coordination.timeutil import local_today, to_local
from coordination.views_util import attempt, int_arg
from workflows.evaluation import COMPONENTS
from workflows.traffic import TrafficRule

if TYPE_CHECKING:
    from markupsafe import Markup

    from coordination.organizations.models import Mechanism

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(mechanism: Mechanism) -> tuple[int, list[int]]:
    today = local_today()
    years = queries.years(mechanism.id) or [today.year]
    year = int_arg(request.args, "year", low=2000, high=2100) or (
        today.year if today.year in years else years[0]
    )
    return year, years


def area_chart(rows: list[queries.AreaRow]) -> Markup:
    return charts.bars(
        [(r.label, (r.figures.closed_percent or 0.0, r.figures.on_time_percent or 0.0)) for r in rows],
        [(_("Closed"), "bar-primary"), (_("Closed on time"), "bar-green")],
        _("Closed and on time, by area"),
    )


@bp.route("/")
@permissions.require(permissions.reads_everything)
def overview() -> ResponseReturnValue:
    mechanism = current_mechanism()
    year, years = _year(mechanism)
    party = int_arg(request.args, "party")
    unit = int_arg(request.args, "unit")
    rows = queries.overview(mechanism.id, year, local_today(), party_id=party, body_id=unit)
    plans = db.session.scalars(
        select(AnnualPlan).where(AnnualPlan.mechanism_id == mechanism.id, AnnualPlan.year == year)
    ).all()
    return render_template(
        "supervision/overview.html",
        rows=rows,
        total=queries.totals(rows),
        chart=area_chart(rows),
        year=year,
        years=years,
        party=party,
        unit=unit,
        parties=mechanism.parties,
        units=unit_choices(mechanism),
        plans=plans,
        today=local_today(),
        rule=traffic_rule_of(mechanism),
        can_edit_rule=permissions.can_manage_plans(current_user),
    )


@bp.route("/traffic-rule", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def traffic_rule() -> ResponseReturnValue:
    """The lead departments set when a task turns yellow, as they set the evaluation rubric."""
    mechanism = current_mechanism()
    current = traffic_rule_of(mechanism)
    if request.method == "GET":
        data = {**current.as_dict(), "lag_enabled": current.lag_points is not None}
        form = TrafficRuleForm(data={**data, "lag_points": current.lag_points or TrafficRule().lag_points})
    else:
        form = TrafficRuleForm()
    if form.validate_on_submit() and attempt(
        lambda: operations.set_traffic_rule(
            mechanism,
            current_user,
            TrafficRule(
                warning_workdays=form.warning_workdays.data,
                at_risk_percent=form.at_risk_percent.data,
                lag_points=form.lag_points.data if form.lag_enabled.data else None,
            ),
        ),
        form,
        success=_("Saved. Every traffic light now follows the new rule."),
    ):
        return redirect(url_for("supervision.overview"))
    return render_template("supervision/traffic_rule.html", form=form, mechanism=mechanism)


@bp.route("/units")
@permissions.require(permissions.reads_everything)
def units() -> ResponseReturnValue:
    mechanism = current_mechanism()
    year, years = _year(mechanism)
    party = int_arg(request.args, "party")
    return render_template(
        "supervision/units.html",
        rows=queries.units(mechanism.id, year, local_today(), party_id=party),
        year=year,
        years=years,
        party=party,
        parties=mechanism.parties,
    )


@bp.route("/plans/<int:plan_id>")
@permissions.require(permissions.reads_everything)
def plan_progress(plan_id: int) -> ResponseReturnValue:
    plan = db.get_or_404(AnnualPlan, plan_id)
    today = local_today()
    burndown = queries.burndown(plan, today)
    # From the year's start, or earlier when the plan was adopted and issued the year before
    # (adoption is dated by its meeting, so that meeting is on the timeline).
    first = min(burndown.start, date(plan.year, 1, 1))
    if plan.adopted_at:
        first = min(first, to_local(plan.adopted_at).date())
    events = queries.timeline(plan.mechanism_id, first, burndown.end)
    chart = charts.lines(
        [
            (_("Open tasks"), "line-primary", burndown.open),
            (_("Not yet due (original deadlines)"), "line-muted", burndown.planned),
        ],
        _("Open tasks through the year"),
        burndown.start,
        burndown.end,
        markers=[(e.on, e.title) for e in events if e.state != "cancelled"],
    )
    planned = dict(burndown.planned)
    return render_template(
        "supervision/plan.html",
        plan=plan,
        burndown=burndown,
        table=[(day, n, planned.get(day)) for day, n in burndown.open],
        chart=chart,
        upcoming=queries.upcoming(plan, today),
        events=events,
        today=today,
    )


def _scope() -> evaluation.Scope:
    return scope_or_404(current_mechanism(), request.values.get("scope") or request.values.get("year"))


@bp.route("/print")
@permissions.require(permissions.reads_everything)
def print_view() -> ResponseReturnValue:
    """The report as a printable page (the browser prints it or saves a PDF), charts included."""
    mechanism = current_mechanism()
    scope = _scope()
    report: ReportContent = generation.content(mechanism, scope, local_today())
    return render_template(
        "supervision/print.html",
        report=report,
        scope=scope,
        total=queries.totals(report.areas),
        chart=area_chart(report.areas),
        components=COMPONENTS,
        today=local_today(),
    )


@bp.route("/report.xlsx")
@permissions.require(permissions.reads_everything)
def report() -> ResponseReturnValue:
    """The workbook straight away, for a year of ordinary size; large ones go through the job."""
    content = generation.content(current_mechanism(), _scope(), local_today())
    return send_file(
        workbook(content), mimetype=XLSX, as_attachment=True, download_name=f"{content.title}.xlsx"
    )


@bp.route("/reports", methods=["GET", "POST"])
@permissions.require(permissions.reads_everything)
def reports() -> ResponseReturnValue:
    mechanism = current_mechanism()
    if request.method == "POST":
        scope = _scope()
        done = attempt(lambda: generation.request_report(mechanism, scope, current_user))
        if not done:
            return redirect(url_for("supervision.reports"))
        report, queued = done.value
        if not queued:
            flash(
                _("This report is already being generated for you; this page shows its progress."),
                "info",
            )
            return redirect(url_for("supervision.reports", _anchor=f"report-{report.id}"))
        if redis_available():
            flash(_("The report is being generated; this page shows its progress."), "success")
        else:
            flash(_("The job queue is not reachable: the report will be generated when it is back."), "error")
        return redirect(url_for("supervision.reports"))
    rows = db.session.scalars(
        select(GeneratedReport)
        .where(GeneratedReport.mechanism_id == mechanism.id)
        .order_by(GeneratedReport.requested_at.desc(), GeneratedReport.id.desc())
        .limit(50)
    ).all()
    return render_template(
        "supervision/reports.html",
        rows=rows,
        scopes=evaluation.scopes(mechanism),
        labels_by_key={s.key: s.label for s in evaluation.scopes(mechanism)},
        current=str(local_today().year),
    )


def _report(report_id: int) -> GeneratedReport:
    row = db.get_or_404(GeneratedReport, report_id)
    if row.mechanism_id != current_mechanism().id:
        abort(404)
    return row


@bp.route("/reports/<int:report_id>/status")
@permissions.require(permissions.reads_everything)
def report_status(report_id: int) -> ResponseReturnValue:
    row = _report(report_id)
    return jsonify(
        state=row.state,
        label=str(REPORT_STATE_LABELS[row.state]),
        progress=row.progress,
        step=row.step,
        download=url_for("supervision.report_download", report_id=row.id) if row.state == "done" else None,
    )


@bp.route("/reports/<int:report_id>/download")
@permissions.require(permissions.reads_everything)
def report_download(report_id: int) -> ResponseReturnValue:
    row = _report(report_id)
    path = generation.path_of(row) if row.state == "done" else None
    if path is None or not path.exists():
        abort(404)
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=row.filename, max_age=0)

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from coordination import permissions
from coordination.evaluation import operations, queries
from coordination.evaluation.forms import AdjustmentForm, RubricForm
from coordination.extensions import db
from coordination.organizations.models import Body
from coordination.organizations.queries import current_mechanism
from coordination.supervision.queries import period_figures
from coordination.timeutil import local_today
from coordination.views_util import attempt, int_arg
from workflows.evaluation import COMPONENTS, Rubric

if TYPE_CHECKING:
    from coordination.organizations.models import Mechanism

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


def scope_or_404(mechanism: Mechanism, key: str | None) -> queries.Scope:
    """The evaluated span a URL names (a year, "midterm", "final"); this year when none."""
    if not key:
        key = str(min(max(local_today().year, mechanism.period_start), mechanism.period_end))
    scope = queries.scope_of(mechanism, key)
    if scope is None:
        abort(404)
    return scope


@bp.route("/")
@permissions.require(permissions.reads_everything)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    scope = scope_or_404(mechanism, request.args.get("scope"))
    party = int_arg(request.args, "party")
    today = local_today()
    results = queries.results(mechanism, scope, today)
    if party:
        results = [r for r in results if r.body.party_id == party]
    return render_template(
        "evaluation/index.html",
        mechanism=mechanism,
        scope=scope,
        scopes=queries.scopes(mechanism),
        results=results,
        rubric=queries.rubric_of(mechanism),
        components=COMPONENTS,
        party=party,
        parties=mechanism.parties,
        years=period_figures(mechanism.id, scope.first_year, scope.last_year, today)
        if not scope.is_year
        else None,
        can_edit=permissions.can_manage_plans(current_user),
    )


@bp.route("/rubric", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def rubric() -> ResponseReturnValue:
    mechanism = current_mechanism()
    current = queries.rubric_of(mechanism)
    form = RubricForm(data=current.as_dict()) if request.method == "GET" else RubricForm()
    if form.validate_on_submit() and attempt(
        lambda: operations.set_rubric(
            mechanism, current_user, Rubric(**{name: form[name].data for name in current.as_dict()})
        ),
        form,
        success=_("Saved. Scores are recomputed with the new weights."),
    ):
        return redirect(url_for("evaluation.index"))
    return render_template("evaluation/rubric.html", form=form, mechanism=mechanism)


@bp.route("/<scope_key>/units/<int:body_id>", methods=["GET", "POST"])
@permissions.require(permissions.reads_everything)
def unit(scope_key: str, body_id: int) -> ResponseReturnValue:
    mechanism = current_mechanism()
    scope = scope_or_404(mechanism, scope_key)
    body = db.get_or_404(Body, body_id)
    result = next((r for r in queries.results(mechanism, scope, local_today()) if r.body.id == body_id), None)
    if result is None:
        abort(404)
    can_edit = permissions.can_manage_plans(current_user)
    adjustment = result.adjustment
    form = AdjustmentForm(
        data={"points": adjustment.points, "reason": adjustment.reason} if adjustment else None
    )
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit() and attempt(
            lambda: operations.adjust(
                mechanism, scope, body, current_user, float(form.points.data), form.reason.data
            ),
            form,
            success=_("The adjustment is saved and recorded in the audit log."),
        ):
            return redirect(url_for("evaluation.index", scope=scope.key))
    return render_template(
        "evaluation/unit.html",
        scope=scope,
        result=result,
        rubric=queries.rubric_of(mechanism),
        components=COMPONENTS,
        form=form,
        can_edit=can_edit,
    )

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from coordination import permissions
from coordination.extensions import db
from coordination.organizations import operations, queries
from coordination.organizations.forms import KIND_LABELS, TIER_LABELS, BodyForm
from coordination.organizations.models import Body, Tier
from coordination.views_util import attempt, int_arg

bp = Blueprint("organizations", __name__)


@bp.route("/mechanism")
@permissions.require(permissions.can_read_mechanism)
def overview() -> ResponseReturnValue:
    mechanism = queries.current_mechanism()
    return render_template(
        "organizations/overview.html",
        mechanism=mechanism,
        grouped=queries.bodies_by_tier_and_party(mechanism),
        tier_labels=TIER_LABELS,
    )


@bp.route("/admin/bodies")
@permissions.require(permissions.can_administer)
def admin_bodies() -> ResponseReturnValue:
    mechanism = queries.current_mechanism()
    return render_template(
        "organizations/admin_bodies.html",
        mechanism=mechanism,
        grouped=queries.bodies_by_tier_and_party(mechanism, include_inactive=True),
        tier_labels=TIER_LABELS,
        kind_labels=KIND_LABELS,
    )


def _body_form(body: Body | None) -> BodyForm:
    mechanism = queries.current_mechanism()
    form = BodyForm(obj=body if request.method == "GET" else None)  # a POST is read from the form alone
    form.party_id.choices = [(p.id, p.name_zh) for p in mechanism.parties]
    form.parent_id.choices = [(0, _("(none)"))] + [
        (b.id, f"{b.party.name_zh} · {b.name_zh}")
        for b in queries.bodies_of(mechanism)
        if b.tier == Tier.EXECUTION and (body is None or b.id != body.id)
    ]
    if body is None and request.method == "GET":
        form.tier.data = Tier.EXECUTION.value
        form.kind.data = "member_unit"
        if party := int_arg(request.args, "party"):
            form.party_id.data = party
    return form


def _save_body(form: BodyForm, body: Body | None) -> Body | None:
    data = operations.BodyData(
        party_id=form.party_id.data,
        tier=form.tier.data,
        kind=form.kind.data,
        name_zh=form.name_zh.data,
        name_en=form.name_en.data or "",
        short_name=form.short_name.data or "",
        parent_id=form.parent_id.data or None,
        sort_order=form.sort_order.data or 0,
    )

    def save() -> Body:
        if body is None:
            return operations.create_body(queries.current_mechanism(), data)
        operations.update_body(body, data)
        return body

    done = attempt(save, form)
    return done.value if done else None


@bp.route("/admin/bodies/new", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def admin_body_new() -> ResponseReturnValue:
    form = _body_form(None)
    if form.validate_on_submit() and (body := _save_body(form, None)) is not None:
        flash(_("%(name)s created.", name=body.name_zh), "success")
        return redirect(url_for("organizations.admin_bodies"))
    return render_template("organizations/admin_body_form.html", form=form, body=None)


@bp.route("/admin/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def admin_body_edit(body_id: int) -> ResponseReturnValue:
    body = db.get_or_404(Body, body_id)
    form = _body_form(body)
    if request.method == "GET":
        form.parent_id.data = body.parent_id or 0
    if form.validate_on_submit() and _save_body(form, body) is not None:
        flash(_("%(name)s saved.", name=body.name_zh), "success")
        return redirect(url_for("organizations.admin_bodies"))
    return render_template("organizations/admin_body_form.html", form=form, body=body)


@bp.route("/admin/bodies/<int:body_id>/active", methods=["POST"])
@permissions.require(permissions.can_administer)
def admin_body_active(body_id: int) -> ResponseReturnValue:
    body = db.get_or_404(Body, body_id)
    active = request.form.get("active") == "1"
    attempt(
        lambda: operations.set_active(body, active),
        success=_("%(name)s activated.", name=body.name_zh)
        if active
        else _("%(name)s deactivated.", name=body.name_zh),
    )
    return redirect(url_for("organizations.admin_bodies"))

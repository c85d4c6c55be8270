from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coordination import permissions
from coordination.organizations.queries import current_mechanism
from coordination.reminders import operations
from coordination.reminders.forms import PolicyForm
from coordination.reminders.schedule import policy_of
from coordination.timeutil import local_today
from coordination.views_util import attempt
from workflows.reminders import Policy
from workflows.workdays import note_year

bp = Blueprint("reminders", __name__)


@bp.route("/admin/reminder-policy", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def policy() -> Any:
    mechanism = current_mechanism()
    current = policy_of(mechanism)
    form = PolicyForm(data=operations.policy_form_data(current)) if request.method == "GET" else PolicyForm()
    if form.validate_on_submit():
        new = Policy(
            before=form.before_days,
            on_the_day=form.on_the_day.data,
            urge_every=form.urge_every.data,
            urge_horizon=current.urge_horizon,
            escalate_unit_head=form.escalate_unit_head.data,
            escalate_lead_department=form.escalate_lead_department.data,
            escalate_leading_group=form.escalate_leading_group.data,
            report_before=form.report_before.data,
            report_urge_after=form.report_urge_after.data,
            meeting_days_before=form.meeting_days,
            organiser_chase_days_before=form.organiser_chase_days_before.data,
        )
        if attempt(
            lambda: operations.set_policy(mechanism, current_user, new),
            form,
            success=_("Saved. Scheduled reminders are being brought in line with the new rules."),
        ):
            return redirect(url_for("reminders.policy"))
    today = local_today()
    for year in (today.year, today.year + 1):  # the rules place reminders on working mornings
        note_year(year)
    return render_template("reminders/policy.html", form=form, mechanism=mechanism)

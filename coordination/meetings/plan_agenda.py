"""A plan on a joint meeting's agenda (议题): the meetings' side of submitting a plan. The plans
layer moves the plan's state; the agenda item is the meeting's, kept here, a layer above."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, select

from coordination import permissions, signals
from coordination.auth.models import User
from coordination.extensions import db
from coordination.meetings.models import AgendaItem, Meeting
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from coordination.plans import operations as plans
from coordination.plans.forms import SubmitForm
from coordination.plans.models import AnnualPlan
from coordination.plans.views import bp as plans_bp
from coordination.plans.views import manageable_plan
from coordination.views_util import attempt
from workflows.meeting import OPEN_STATES

OPEN_VALUES = tuple(state.value for state in OPEN_STATES)


def open_meetings(mechanism: Mechanism) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.mechanism_id == mechanism.id, Meeting.state.in_(OPEN_VALUES))
            .order_by(Meeting.starts_at)
        )
    )


def submit_to_meeting(plan: AnnualPlan, meeting: Meeting | None, actor: User) -> None:
    """Puts the plan on the meeting's agenda for deliberation."""
    if meeting is not None and meeting.state not in OPEN_VALUES:
        raise OperationError(_("That meeting can no longer take agenda items."), "meeting_id")
    plans.submit(plan, actor, meeting.id if meeting else None)
    if meeting is None:  # the workflow refuses a submission without a meeting; this is for the type
        return
    position = (
        db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
        or 0
    ) + 1
    db.session.add(
        AgendaItem(
            meeting=meeting,
            position=position,
            title=_("Deliberation of the %(year)d annual plan", year=plan.year),
            plan_id=plan.id,
        )
    )


@signals.plan_returned_to_draft.connect
def _take_off_the_agenda(plan_id: int, *, meeting_id: int | None, **_: object) -> None:
    """A plan back in draft is no longer for the meeting to deliberate."""
    if meeting_id is not None:
        db.session.execute(
            delete(AgendaItem).where(AgendaItem.plan_id == plan_id, AgendaItem.meeting_id == meeting_id)
        )


@plans_bp.route("/<int:plan_id>/submit", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_plans)
def submit(plan_id: int) -> ResponseReturnValue:
    plan = manageable_plan(plan_id)
    form = SubmitForm()
    meetings = open_meetings(plan.mechanism)
    form.meeting_id.choices = [(m.id, m.title) for m in meetings]
    if form.validate_on_submit() and attempt(
        lambda: submit_to_meeting(plan, db.session.get(Meeting, form.meeting_id.data), current_user),
        form,
        _("The plan is on the meeting's agenda."),
    ):
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/submit.html", plan=plan, form=form, meetings=meetings)

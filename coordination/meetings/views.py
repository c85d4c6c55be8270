"""The meeting pages: the shared event pages (coordination.events.views) and the agenda, the
minutes and the calendar download."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from coordination import ical, permissions
from coordination.auth.models import User
from coordination.events import views as shared
from coordination.events.models import Attendee
from coordination.extensions import db
from coordination.framework.queries import key_task_choices
from coordination.meetings import operations, queries
from coordination.meetings.forms import AgendaForm, DecisionForm, MeetingForm, OutcomeForm
from coordination.meetings.invitations import meeting_event
from coordination.meetings.models import AgendaItem, Decision, Meeting
from coordination.meetings.operations import add_decision, assign_decision
from coordination.organizations.queries import body_choices, current_mechanism
from coordination.plans.queries import unit_choices
from coordination.timeutil import to_local, utcnow
from coordination.views_util import submit_once
from workflows import meeting as meeting_flow

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.route("/")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    return render_template(
        "meetings/index.html",
        **shared.listings(mechanism),
        can_manage=permissions.can_manage_meetings(current_user),
    )


def _meeting_form(meeting: Meeting | None) -> MeetingForm:
    form = MeetingForm(obj=meeting if request.method == "GET" else None)
    form.host_party_id.choices = [(p.id, p.name_zh) for p in current_mechanism().parties]
    if meeting is not None and request.method == "GET":
        form.starts_at.data = to_local(meeting.starts_at).replace(tzinfo=None)
        form.ends_at.data = to_local(meeting.ends_at).replace(tzinfo=None)
        form.reminder_days.data = ", ".join(str(d) for d in meeting.reminder_days or [])
    return form


def _meeting_data(form: MeetingForm) -> operations.MeetingData:
    return operations.MeetingData(
        kind=form.kind.data,
        title=form.title.data or "",
        starts_local=form.starts_at.data,
        ends_local=form.ends_at.data,
        host_party_id=form.host_party_id.data,
        venue=form.venue.data or "",
        chair_name=form.chair_name.data or "",
        reminder_days=getattr(form, "parsed_reminder_days", None),
    )


def _forms(meeting: Meeting, **given: FlaskForm) -> dict[str, FlaskForm]:
    mechanism = current_mechanism()
    agenda = shared.given(given, "agenda_form", AgendaForm)
    agenda.presenter_body_id.choices = [(0, "—")] + body_choices(mechanism)
    decision = shared.given(given, "decision_form", DecisionForm)
    decision.agenda_item_id.choices = [(0, "—")] + [(i.id, i.title) for i in meeting.agenda]
    decision.key_task_id.choices = [(0, "—")] + key_task_choices(mechanism)
    decision.body_ids.choices = unit_choices(mechanism)
    return {
        **shared.shared_forms(given, "attendee"),
        "agenda_form": agenda,
        "decision_form": decision,
        "outcome_form": OutcomeForm(formdata=None),
    }


def _render(meeting: Meeting, status: int = 200, **given: FlaskForm) -> ResponseReturnValue:
    manage = permissions.can_manage_meetings(current_user)
    return render_template(
        "meetings/show.html",
        event=meeting,
        meeting=meeting,
        manage=manage,
        open=meeting.is_open,
        started=meeting_flow.has_started(to_local(utcnow()), to_local(meeting.starts_at)),
        suggestions=queries.agenda_suggestions(meeting) if manage and meeting.state == "draft" else None,
        answers=queries.answer_counts(meeting),
        **_forms(meeting, **given),
    ), status


PAGES = shared.Pages(
    operations.KIND,
    Meeting,
    shared.Edit(_meeting_form, _meeting_data, operations.create_meeting),
    shared.Page(_render, _forms, people_anchor="#attendees", agreed_anchor="#minutes"),
    shared.Agreement(Decision, "decisions", DecisionForm, ("agenda_item_id",), add_decision, assign_decision),
    states={
        "schedule": (operations.schedule, _l("Invitations are on their way to every attendee.")),
        "hold": (operations.hold, _l("The meeting is recorded as held. Write the minutes.")),
        "publish": (operations.publish_minutes, _l("Minutes published and sent to the attendees.")),
    },
    messages=shared.Messages(
        created=_l("Meeting created. Add attendees and the agenda, then send the invitations."),
        saved=_l("Meeting saved. Attendees of a scheduled meeting receive an update."),
        invited=_l("Attendee added."),
        cancelled=_l("The meeting is cancelled."),
        agreed=_l("Decision recorded."),
    ),
)
shared.register(bp, PAGES, queries.meetings_of)


@bp.route("/<int:meeting_id>/attendees/<int:attendee_id>/remove", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def remove_attendee(meeting_id: int, attendee_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    attendee = shared.owned(Attendee, attendee_id, meeting)
    return shared.action(
        lambda: operations.remove_attendee(meeting, current_user, attendee),
        success=_("Attendee removed."),
        target=PAGES.url(meeting, "#attendees"),
    )


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_agenda_item(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = AgendaForm()
    _forms(meeting, agenda_form=form)
    done = submit_once(
        form,
        lambda: operations.add_agenda_item(
            meeting,
            current_user,
            title=form.title.data,
            presenter_body_id=form.presenter_body_id.data or None,
            planned_minutes=form.planned_minutes.data,
        ),
        success=_("Agenda item added."),
        target=lambda item: PAGES.url(meeting, "#agenda"),
    )
    return done or _render(meeting, 422, agenda_form=form)


AGENDA_ACTIONS: dict[str, Callable[[Meeting, User, AgendaItem], None]] = {
    "up": lambda m, u, i: operations.move_agenda_item(m, u, i, -1),
    "down": lambda m, u, i: operations.move_agenda_item(m, u, i, 1),
    "remove": operations.remove_agenda_item,
    "adopt": operations.adopt_plan_at,
}


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/<any(up, down, remove, adopt):action>", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def agenda_action(meeting_id: int, item_id: int, action: str) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    item = shared.owned(AgendaItem, item_id, meeting)
    return shared.action(
        lambda: AGENDA_ACTIONS[action](meeting, current_user, item),
        success=None,
        target=PAGES.url(meeting, "#agenda"),
    )


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/outcome", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def outcome(meeting_id: int, item_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    item = shared.owned(AgendaItem, item_id, meeting)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(_("At most %(max)d characters.", max=5000), "error")
        return redirect(PAGES.url(meeting, "#minutes"))
    return shared.action(
        lambda: operations.record_outcome(meeting, current_user, item, form.outcome.data or ""),
        success=_("Minutes saved."),
        target=PAGES.url(meeting, "#minutes"),
    )


@bp.route("/<int:meeting_id>/suggestions", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_suggestion(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    title = (request.form.get("title") or "").strip()
    return shared.action(
        lambda: operations.add_agenda_item(meeting, current_user, title=title),
        success=_("Agenda item added."),
        target=PAGES.url(meeting, "#agenda"),
    )


@bp.route("/<int:meeting_id>.ics")
@permissions.require(permissions.can_read_mechanism)
def download(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    body = ical.calendar([meeting_event(meeting, cancelled=meeting.state == "cancelled")], None).to_ical()
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename=meeting-{meeting.id}.ics"},
    )

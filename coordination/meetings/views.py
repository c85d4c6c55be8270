from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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
        meetings=queries.meetings_of(mechanism),
        visits=queries.visits_of(mechanism),
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


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_meetings)
def new() -> ResponseReturnValue:
    form = _meeting_form(None)
    return shared.new_page(
        form,
        lambda: operations.create_meeting(current_mechanism(), current_user, _meeting_data(form)),
        success=_("Meeting created. Add attendees and the agenda, then send the invitations."),
        target=lambda meeting: url_for("meetings.show", meeting_id=meeting.id),
        template="meetings/form.html",
        meeting=None,
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_meetings)
def edit(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = _meeting_form(meeting)
    return shared.edit_page(
        meeting,
        form,
        lambda version: operations.update_meeting(
            meeting, current_user, _meeting_data(form), expected_version=version
        ),
        success=_("Meeting saved. Attendees of a scheduled meeting receive an update."),
        target=url_for("meetings.show", meeting_id=meeting.id),
        template="meetings/form.html",
        meeting=meeting,
    )


def _forms(meeting: Meeting, **given: object) -> dict[str, object]:
    mechanism = current_mechanism()
    agenda = given.get("agenda_form")
    agenda = agenda if isinstance(agenda, AgendaForm) else AgendaForm(formdata=None)
    agenda.presenter_body_id.choices = [(0, "—")] + body_choices(mechanism)
    decision = given.get("decision_form")
    decision = decision if isinstance(decision, DecisionForm) else DecisionForm(formdata=None)
    decision.agenda_item_id.choices = [(0, "—")] + [(i.id, i.title) for i in meeting.agenda]
    decision.key_task_id.choices = [(0, "—")] + key_task_choices(mechanism)
    decision.body_ids.choices = unit_choices(mechanism)
    return {
        **shared.shared_forms(given, "attendee"),
        "agenda_form": agenda,
        "decision_form": decision,
        "outcome_form": OutcomeForm(formdata=None),
    }


def _render(meeting: Meeting, status: int = 200, **given: object) -> ResponseReturnValue:
    manage = permissions.can_manage_meetings(current_user)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        manage=manage,
        open=meeting.is_open,
        started=meeting_flow.has_started(to_local(utcnow()), to_local(meeting.starts_at)),
        suggestions=queries.agenda_suggestions(meeting) if manage and meeting.state == "draft" else None,
        answers=queries.answer_counts(meeting),
        **_forms(meeting, **given),
    ), status


@bp.route("/<int:meeting_id>")
@permissions.require(permissions.can_read_mechanism)
def show(meeting_id: int) -> ResponseReturnValue:
    return _render(db.get_or_404(Meeting, meeting_id))


def _page(meeting: Meeting, anchor: str = "") -> str:
    return url_for("meetings.show", meeting_id=meeting.id) + anchor


def _renderer(meeting: Meeting) -> shared.Render:
    return lambda status, **given: _render(meeting, status, **given)


@bp.route("/<int:meeting_id>/attendees", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_attendee(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    return shared.invite_page(
        lambda actor, **invitee: operations.add_attendee(meeting, actor, **invitee),
        person="attendee",
        success=_("Attendee added."),
        target=_page(meeting, "#attendees"),
        render=_renderer(meeting),
    )


@bp.route("/<int:meeting_id>/attendees/<int:attendee_id>/remove", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def remove_attendee(meeting_id: int, attendee_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    attendee = shared.owned(Attendee, attendee_id, meeting)
    return shared.action(
        lambda: operations.remove_attendee(meeting, current_user, attendee),
        success=_("Attendee removed."),
        target=_page(meeting, "#attendees"),
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
        target=lambda item: _page(meeting, "#agenda"),
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
        target=_page(meeting, "#agenda"),
    )


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/outcome", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def outcome(meeting_id: int, item_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    item = shared.owned(AgendaItem, item_id, meeting)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(_("At most %(max)d characters.", max=5000), "error")
        return redirect(_page(meeting, "#minutes"))
    return shared.action(
        lambda: operations.record_outcome(meeting, current_user, item, form.outcome.data or ""),
        success=_("Minutes saved."),
        target=_page(meeting, "#minutes"),
    )


@bp.route("/<int:meeting_id>/suggestions", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_suggestion(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    title = (request.form.get("title") or "").strip()
    return shared.action(
        lambda: operations.add_agenda_item(meeting, current_user, title=title),
        success=_("Agenda item added."),
        target=_page(meeting, "#agenda"),
    )


@bp.route("/<int:meeting_id>/decisions", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_decision(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    form = DecisionForm()
    _forms(meeting, decision_form=form)
    done = submit_once(
        form,
        lambda: operations.add_decision(
            meeting,
            current_user,
            text=form.text.data,
            deadline=form.deadline.data,
            body_ids=form.body_ids.data or [],
            agenda_item_id=form.agenda_item_id.data or None,
            key_task_id=form.key_task_id.data or None,
        ),
        success=_("Decision recorded."),
        target=lambda decision: _page(meeting, "#minutes"),
    )
    return done or _render(meeting, 422, decision_form=form)


@bp.route("/<int:meeting_id>/decisions/<int:decision_id>/assign", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def assign_decision(meeting_id: int, decision_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    decision = shared.owned(Decision, decision_id, meeting)
    return shared.action(
        lambda: operations.assign_decision(meeting, current_user, decision),
        success=_("The decision is assigned: each unit has a task."),
        target=_page(meeting, "#minutes"),
    )


STATE_ACTIONS = {
    "schedule": (operations.schedule, _l("Invitations are on their way to every attendee.")),
    "hold": (operations.hold, _l("The meeting is recorded as held. Write the minutes.")),
    "publish": (operations.publish_minutes, _l("Minutes published and sent to the attendees.")),
}


@bp.route("/<int:meeting_id>/<any(schedule, hold, publish):action>", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def state_action(meeting_id: int, action: str) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    operation, message = STATE_ACTIONS[action]
    return shared.action(
        lambda: operation(meeting, current_user), success=str(message), target=_page(meeting)
    )


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def cancel(meeting_id: int) -> ResponseReturnValue:
    meeting = db.get_or_404(Meeting, meeting_id)
    return shared.cancel_page(
        lambda actor, reason: operations.cancel(meeting, actor, reason),
        success=_("The meeting is cancelled."),
        target=_page(meeting),
        render=_renderer(meeting),
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

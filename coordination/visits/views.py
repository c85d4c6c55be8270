from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coordination import permissions
from coordination.events import views as shared
from coordination.extensions import db
from coordination.framework.queries import key_task_choices
from coordination.organizations.queries import current_mechanism
from coordination.plans.queries import unit_choices
from coordination.timeutil import local_today
from coordination.views_util import submit_once
from coordination.visits import operations
from coordination.visits.forms import ItineraryForm, VisitForm, VisitOutcomeForm
from coordination.visits.models import ItineraryItem, Visit, VisitOutcome
from workflows import visit as visit_flow

bp = Blueprint("visits", __name__, url_prefix="/visits")


def _visit_form(visit: Visit | None) -> VisitForm:
    form = VisitForm(obj=visit if request.method == "GET" else None)
    parties = [(p.id, p.name_zh) for p in current_mechanism().parties]
    form.visiting_party_id.choices = parties
    form.host_party_id.choices = parties
    if visit is None and request.method == "GET" and len(parties) >= 2:
        # A visit goes from one city to the other: by default from the user's own to the other.
        own = {b.party_id for b in current_user.bodies}
        ids = [pid for pid, _name in parties]
        visiting = next((pid for pid in ids if pid in own), ids[0])
        form.visiting_party_id.data = visiting
        form.host_party_id.data = next(pid for pid in ids if pid != visiting)
    return form


def _visit_data(form: VisitForm) -> operations.VisitData:
    return operations.VisitData(
        title=form.title.data or "",
        visiting_party_id=form.visiting_party_id.data,
        host_party_id=form.host_party_id.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        leader_name=form.leader_name.data or "",
        host_contact=form.host_contact.data or "",
        reception_notes=form.reception_notes.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_meetings)
def new() -> ResponseReturnValue:
    form = _visit_form(None)
    return shared.new_page(
        form,
        lambda: operations.create_visit(current_mechanism(), current_user, _visit_data(form)),
        success=_("Visit created. Add the delegation and the itinerary, then confirm it."),
        target=lambda visit: url_for("visits.show", visit_id=visit.id),
        template="visits/form.html",
        visit=None,
    )


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_meetings)
def edit(visit_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    form = _visit_form(visit)
    return shared.edit_page(
        visit,
        form,
        lambda version: operations.update_visit(
            visit, current_user, _visit_data(form), expected_version=version
        ),
        success=_("Visit saved. The delegation of a confirmed visit receives an update."),
        target=_page(visit),
        template="visits/form.html",
        visit=visit,
    )


def _forms(**given: object) -> dict[str, object]:
    mechanism = current_mechanism()
    outcome = given.get("outcome_form")
    outcome = outcome if isinstance(outcome, VisitOutcomeForm) else VisitOutcomeForm(formdata=None)
    outcome.key_task_id.choices = [(0, "—")] + key_task_choices(mechanism)
    outcome.body_ids.choices = unit_choices(mechanism)
    item = given.get("item_form")
    return {
        **shared.shared_forms(given, "member"),
        "item_form": item if isinstance(item, ItineraryForm) else ItineraryForm(formdata=None),
        "outcome_form": outcome,
    }


def _render(visit: Visit, status: int = 200, **given: object) -> ResponseReturnValue:
    return render_template(
        "visits/show.html",
        visit=visit,
        manage=permissions.can_manage_meetings(current_user),
        open=visit.is_open,
        over=visit_flow.last_day_reached(local_today(), visit.ends_on),
        **_forms(**given),
    ), status


@bp.route("/<int:visit_id>")
@permissions.require(permissions.can_read_mechanism)
def show(visit_id: int) -> ResponseReturnValue:
    return _render(db.get_or_404(Visit, visit_id))


def _page(visit: Visit) -> str:
    return url_for("visits.show", visit_id=visit.id)


def _renderer(visit: Visit) -> shared.Render:
    return lambda status, **given: _render(visit, status, **given)


@bp.route("/<int:visit_id>/members", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_member(visit_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    return shared.invite_page(
        lambda actor, **invitee: operations.add_member(visit, actor, **invitee),
        person="member",
        success=_("Member added."),
        target=_page(visit),
        render=_renderer(visit),
    )


@bp.route("/<int:visit_id>/itinerary", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_item(visit_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    form = ItineraryForm()
    done = submit_once(
        form,
        lambda: operations.add_itinerary_item(
            visit,
            current_user,
            kind=form.kind.data,
            title=form.title.data,
            starts_local=form.starts_at.data,
            ends_local=form.ends_at.data,
            place=form.place.data or "",
        ),
        success=_("Itinerary item added."),
        target=lambda item: _page(visit),
    )
    return done or _render(visit, 422, item_form=form)


@bp.route("/<int:visit_id>/itinerary/<int:item_id>/remove", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def remove_item(visit_id: int, item_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    item = shared.owned(ItineraryItem, item_id, visit)
    return shared.action(
        lambda: operations.remove_itinerary_item(visit, current_user, item),
        success=_("Itinerary item removed."),
        target=_page(visit),
    )


@bp.route("/<int:visit_id>/outcomes", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def add_outcome(visit_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    form = VisitOutcomeForm()
    _forms(outcome_form=form)
    done = submit_once(
        form,
        lambda: operations.add_outcome(
            visit,
            current_user,
            kind=form.kind.data,
            text=form.text.data,
            deadline=form.deadline.data,
            body_ids=form.body_ids.data or [],
            key_task_id=form.key_task_id.data or None,
        ),
        success=_("Outcome recorded."),
        target=lambda outcome: _page(visit),
    )
    return done or _render(visit, 422, outcome_form=form)


@bp.route("/<int:visit_id>/outcomes/<int:outcome_id>/assign", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def assign_outcome(visit_id: int, outcome_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    outcome = shared.owned(VisitOutcome, outcome_id, visit)
    return shared.action(
        lambda: operations.assign_outcome(visit, current_user, outcome),
        success=_("The decision is assigned: each unit has a task."),
        target=_page(visit),
    )


STATE_ACTIONS = {
    "confirm": (operations.confirm, _l("Confirmed: the itinerary is on its way to the delegation.")),
    "complete": (operations.complete, _l("The visit is recorded as completed.")),
}


@bp.route("/<int:visit_id>/<any(confirm, complete):action>", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def state_action(visit_id: int, action: str) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    operation, message = STATE_ACTIONS[action]
    return shared.action(lambda: operation(visit, current_user), success=str(message), target=_page(visit))


@bp.route("/<int:visit_id>/cancel", methods=["POST"])
@permissions.require(permissions.can_manage_meetings)
def cancel(visit_id: int) -> ResponseReturnValue:
    visit = db.get_or_404(Visit, visit_id)
    return shared.cancel_page(
        lambda actor, reason: operations.cancel(visit, actor, reason),
        success=_("The visit is cancelled."),
        target=_page(visit),
        render=_renderer(visit),
    )

"""The visit pages: the shared event pages (coordination.events.views) and the itinerary."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from coordination import permissions
from coordination.events import views as shared
from coordination.extensions import db
from coordination.framework.queries import key_task_choices
from coordination.organizations.queries import current_mechanism
from coordination.plans.queries import unit_choices
from coordination.timeutil import local_today
from coordination.views_util import submit_once
from coordination.visits import operations, queries
from coordination.visits.forms import ItineraryForm, VisitForm, VisitOutcomeForm
from coordination.visits.models import ItineraryItem, Visit, VisitOutcome
from coordination.visits.operations import add_outcome, assign_outcome
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


def _forms(visit: Visit, **given: FlaskForm) -> dict[str, FlaskForm]:
    mechanism = current_mechanism()
    outcome = shared.given(given, "outcome_form", VisitOutcomeForm)
    outcome.key_task_id.choices = [(0, "—")] + key_task_choices(mechanism)
    outcome.body_ids.choices = unit_choices(mechanism)
    return {
        **shared.shared_forms(given, "member"),
        "item_form": shared.given(given, "item_form", ItineraryForm),
        "outcome_form": outcome,
    }


def _render(visit: Visit, status: int = 200, **given: FlaskForm) -> ResponseReturnValue:
    return render_template(
        "visits/show.html",
        event=visit,
        visit=visit,
        manage=permissions.can_manage_meetings(current_user),
        open=visit.is_open,
        over=visit_flow.last_day_reached(local_today(), visit.ends_on),
        **_forms(visit, **given),
    ), status


PAGES: shared.Pages[Visit, operations.VisitData] = shared.Pages(
    operations.KIND,
    Visit,
    shared.Edit(_visit_form, _visit_data, operations.create_visit),
    shared.Page(_render, _forms),
    shared.Agreement(VisitOutcome, "outcomes", VisitOutcomeForm, ("kind",), add_outcome, assign_outcome),
    states={
        "confirm": (operations.confirm, _l("Confirmed: the itinerary is on its way to the delegation.")),
        "complete": (operations.complete, _l("The visit is recorded as completed.")),
    },
    messages=shared.Messages(
        created=_l("Visit created. Add the delegation and the itinerary, then confirm it."),
        saved=_l("Visit saved. The delegation of a confirmed visit receives an update."),
        invited=_l("Member added."),
        cancelled=_l("The visit is cancelled."),
        agreed=_l("Outcome recorded."),
    ),
)
shared.register(bp, PAGES, queries.visits_of)


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
        target=lambda item: PAGES.url(visit),
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
        target=PAGES.url(visit),
    )

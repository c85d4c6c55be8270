from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from coordination import permissions
from coordination.extensions import db
from coordination.labels import ALL_LABELS
from coordination.meetings import operations
from coordination.meetings.forms import MeetingForm
from coordination.meetings.models import Meeting
from coordination.organizations.queries import current_mechanism
from coordination.views_util import attempt

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.route("/")
@permissions.require(permissions.can_read_mechanism)
def index() -> Any:
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.mechanism_id == current_mechanism().id)
        .order_by(Meeting.starts_at.desc())
    ).all()
    return render_template(
        "meetings/index.html",
        meetings=meetings,
        labels=ALL_LABELS,
        can_manage=permissions.can_manage_meetings(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@permissions.require(permissions.can_manage_meetings)
def new() -> Any:
    mechanism = current_mechanism()
    form = MeetingForm()
    form.host_party_id.choices = [(p.id, p.name_zh) for p in mechanism.parties]
    if form.validate_on_submit() and attempt(
        lambda: operations.create_meeting(
            mechanism,
            current_user,
            kind=form.kind.data,
            title=form.title.data,
            starts_local=form.starts_at.data,
            ends_local=form.ends_at.data,
            host_party_id=form.host_party_id.data,
            venue=form.venue.data or "",
        ),
        form,
        _("Meeting created."),
    ):
        return redirect(url_for("meetings.index"))
    return render_template("meetings/new.html", form=form)


@bp.route("/<int:meeting_id>")
@permissions.require(permissions.can_read_mechanism)
def show(meeting_id: int) -> Any:
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template("meetings/show.html", meeting=meeting, labels=ALL_LABELS)

"""What the meeting and the visit pages do alike: the new and edit pages, inviting someone,
cancelling with a reason, a lifecycle button, a row that must belong to the event. Each helper
calls the operation through attempt()/submit_once() (which commit) and answers the request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

from flask import abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from coordination.events.forms import AttendeeForm, CancelForm
from coordination.extensions import db
from coordination.views_util import attempt, form_version, submit_once

if TYPE_CHECKING:
    from coordination.auth.models import User
    from coordination.events.models import Attendee, MeetingOrVisit

Render = Callable[..., ResponseReturnValue]
T = TypeVar("T")


class Versioned(Protocol):
    version: int


def new_page(
    form: FlaskForm,
    create: Callable[[], T],
    *,
    success: str,
    target: Callable[[T], str],
    template: str,
    **context: object,
) -> ResponseReturnValue:
    done = submit_once(form, create, success=success, target=target)
    return done or render_template(template, form=form, **context)


def edit_page(
    event: Versioned,
    form: FlaskForm,
    update: Callable[[int | None], None],
    *,
    success: str,
    target: str,
    template: str,
    **context: object,
) -> ResponseReturnValue:
    """The edit form carries the version it was read at, so a concurrent change is refused."""
    if request.method == "GET":
        form.version.data = event.version
    if form.validate_on_submit() and attempt(lambda: update(form_version(form.version.data)), form, success):
        return redirect(target)
    return render_template(template, form=form, **context)


def shared_forms(given: Mapping[str, object], person: str) -> dict[str, FlaskForm]:
    """The invitation form (named `<person>_form`) and the cancellation form, as posted or new."""
    invite = given.get(f"{person}_form")
    cancel = given.get("cancel_form")
    return {
        f"{person}_form": (
            invite if isinstance(invite, AttendeeForm) else AttendeeForm(formdata=None)
        ).with_users(),
        "cancel_form": cancel if isinstance(cancel, CancelForm) else CancelForm(formdata=None),
    }


def invite_page(
    invite: Callable[..., Attendee],
    *,
    person: str,
    success: str,
    target: str,
    render: Render,
) -> ResponseReturnValue:
    """POST of the invitation form: `invite(actor, **invitee)` or the page again with errors."""
    form = AttendeeForm()
    form.with_users()
    done = submit_once(
        form,
        lambda: invite(current_user, **form.invitee()),
        success=success,
        target=lambda _attendee: target,
    )
    return done or render(422, **{f"{person}_form": form})


def cancel_page(
    cancel: Callable[[User, str], None], *, success: str, target: str, render: Render
) -> ResponseReturnValue:
    form = CancelForm()
    if form.validate_on_submit() and attempt(
        lambda: cancel(current_user, form.reason.data or ""), form, success
    ):
        return redirect(target)
    return render(422, cancel_form=form)


def action(operation: Callable[[], object], *, success: str | None, target: str) -> ResponseReturnValue:
    """A button: the operation, its message (or the refusal), back to the page."""
    attempt(operation, success=success)
    return redirect(target)


def owned(model: type[T], row_id: int, event: MeetingOrVisit) -> T:
    """The row, 404 unless it belongs to this event (its `<event>_id` column)."""
    row = db.get_or_404(model, row_id)
    if getattr(row, f"{event.EVENT}_id") != event.id:
        abort(404)
    return row

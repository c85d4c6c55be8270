"""The pages meetings and visits have alike, registered on each one's blueprint from its `Pages`:
new and edit, inviting someone, cancelling with a reason, the lifecycle buttons, recording what
was agreed and turning it into tasks. Each view calls one operation through attempt() or
submit_once() (which commit) and answers the request; endpoints and URLs are the blueprint's own
(meetings.add_attendee at /meetings/<id>/attendees, visits.add_member at /visits/<id>/members)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm

from coordination import permissions
from coordination.events.forms import AttendeeForm, CancelForm
from coordination.extensions import db
from coordination.organizations.models import Mechanism
from coordination.organizations.queries import current_mechanism
from coordination.views_util import attempt, form_version, submit_once

if TYPE_CHECKING:
    from coordination.auth.models import User
    from coordination.events.models import Attendee
    from coordination.meetings.models import Meeting
    from coordination.visits.models import Visit

E = TypeVar("E", "Meeting", "Visit")
T = TypeVar("T")


class Agreed(Protocol):
    id: int


@dataclass(frozen=True)
class Pages(Generic[E]):
    """How one kind of event's pages differ.

    form(event or None): its edit form; create(mechanism, actor, form) and update(event, actor,
    form, version): the operations behind it; show(event, status, **given): its page with the
    forms given (posted ones, shown again with their errors); forms(event, **given): the forms
    of that page; states: action → (operation, message) of its buttons; agreed: the model of
    what is agreed (decision, outcome), agreed_path its URL part, agreed_form and agreed_fields
    (the operation's arguments from the form), add_agreed and assign its operations; anchors:
    where on the page people and agreed things stand; messages: created, saved, invited,
    cancelled, agreed, assigned."""

    model: type[E]
    name: str
    person: str
    people_path: str
    form: Callable[[E | None], FlaskForm]
    create: Callable[[Mechanism, User, FlaskForm], E]
    update: Callable[[E, User, FlaskForm, int | None], None]
    show: Callable[..., ResponseReturnValue]
    forms: Callable[..., dict[str, FlaskForm]]
    invite: Callable[..., Attendee]
    cancel: Callable[[E, User, str], None]
    states: Mapping[str, tuple[Callable[[E, User], object], LazyString]]
    agreed: type[Agreed]
    agreed_path: str
    agreed_form: type[FlaskForm]
    agreed_fields: Callable[[FlaskForm], dict[str, object]]
    add_agreed: Callable[..., object]
    assign: Callable[[E, User, Agreed], object]
    messages: Mapping[str, LazyString]
    people_anchor: str = ""
    agreed_anchor: str = ""

    @property
    def id_arg(self) -> str:
        return f"{self.name}_id"

    def page(self, event: E, anchor: str = "") -> str:
        return url_for(f"{self.name}s.show", **{self.id_arg: event.id}) + anchor


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


def given(forms: Mapping[str, object], name: str, form_class: type[T]) -> T:
    """The posted form of that name, or a new empty one."""
    form = forms.get(name)
    return form if isinstance(form, form_class) else form_class(formdata=None)


def owned(model: type[T], row_id: int, event: Meeting | Visit) -> T:
    """The row, 404 unless it belongs to this event (its `<event>_id` column)."""
    row = db.get_or_404(model, row_id)
    if getattr(row, f"{event.EVENT}_id") != event.id:
        abort(404)
    return row


def action(operation: Callable[[], object], *, success: str | None, target: str) -> ResponseReturnValue:
    """A button: the operation, its message (or the refusal), back to the page."""
    attempt(operation, success=success)
    return redirect(target)


def register(bp: Blueprint, pages: Pages[E]) -> None:
    """The shared pages, on the event's blueprint."""
    manage = permissions.require(permissions.can_manage_meetings)
    one = f"/<int:{pages.id_arg}>"

    def event_of(ids: Mapping[str, int]) -> E:
        return db.get_or_404(pages.model, ids[pages.id_arg])

    def new() -> ResponseReturnValue:
        form = pages.form(None)
        done = submit_once(
            form,
            lambda: pages.create(current_mechanism(), current_user, form),
            success=str(pages.messages["created"]),
            target=lambda event: pages.page(event),
        )
        return done or render_template(
            f"{pages.name}s/form.html", form=form, event=None, **{pages.name: None}
        )

    def edit(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = pages.form(event)
        if request.method == "GET":
            form.version.data = event.version
        if form.validate_on_submit() and attempt(
            lambda: pages.update(event, current_user, form, form_version(form.version.data)),
            form,
            str(pages.messages["saved"]),
        ):
            return redirect(pages.page(event))
        return render_template(f"{pages.name}s/form.html", form=form, event=event, **{pages.name: event})

    def show(**ids: int) -> ResponseReturnValue:
        return pages.show(event_of(ids))

    def invite(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = AttendeeForm()
        form.with_users()
        done = submit_once(
            form,
            lambda: pages.invite(event, current_user, **form.invitee()),
            success=str(pages.messages["invited"]),
            target=lambda _attendee: pages.page(event, pages.people_anchor),
        )
        return done or pages.show(event, 422, **{f"{pages.person}_form": form})

    def cancel(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = CancelForm()
        if form.validate_on_submit() and attempt(
            lambda: pages.cancel(event, current_user, form.reason.data or ""),
            form,
            str(pages.messages["cancelled"]),
        ):
            return redirect(pages.page(event))
        return pages.show(event, 422, cancel_form=form)

    def state_action(action: str, **ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        operation, message = pages.states[action]
        attempt(lambda: operation(event, current_user), success=str(message))
        return redirect(pages.page(event))

    def add_agreed(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = pages.agreed_form()
        name = f"{agreed_name}_form"
        pages.forms(event, **{name: form})
        done = submit_once(
            form,
            lambda: pages.add_agreed(event, current_user, **pages.agreed_fields(form)),
            success=str(pages.messages["agreed"]),
            target=lambda _agreed: pages.page(event, pages.agreed_anchor),
        )
        return done or pages.show(event, 422, **{name: form})

    def assign(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        agreed = owned(pages.agreed, ids[f"{agreed_name}_id"], event)
        attempt(lambda: pages.assign(event, current_user, agreed), success=str(pages.messages["assigned"]))
        return redirect(pages.page(event, pages.agreed_anchor))

    read = permissions.require(permissions.can_read_mechanism)
    states = ", ".join(pages.states)
    agreed_name = pages.agreed_path.removesuffix("s")
    routes: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
        ("/new", "new", manage(new), ["GET", "POST"]),
        (f"{one}/edit", "edit", manage(edit), ["GET", "POST"]),
        (one, "show", read(show), ["GET"]),
        (f"{one}/{pages.people_path}", f"add_{pages.person}", manage(invite), ["POST"]),
        (f"{one}/cancel", "cancel", manage(cancel), ["POST"]),
        (f"{one}/<any({states}):action>", "state_action", manage(state_action), ["POST"]),
        (f"{one}/{pages.agreed_path}", f"add_{agreed_name}", manage(add_agreed), ["POST"]),
        (
            f"{one}/{pages.agreed_path}/<int:{agreed_name}_id>/assign",
            f"assign_{agreed_name}",
            manage(assign),
            ["POST"],
        ),
    ]
    for rule, endpoint, view, methods in routes:
        bp.add_url_rule(rule, endpoint, view, methods=methods)

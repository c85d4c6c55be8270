"""The pages meetings and visits have alike, registered on each one's blueprint from its `Pages`:
new and edit, inviting someone, cancelling with a reason, the lifecycle buttons, recording what
was agreed and turning it into tasks. Each view calls one operation through attempt() or
submit_once() (which commit) and answers the request; endpoints and URLs are the blueprint's own
(meetings.add_attendee at /meetings/<id>/attendees, visits.add_member at /visits/<id>/members)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from coordination import permissions
from coordination.events.forms import AttendeeForm, CancelForm
from coordination.events.models import EventMixin
from coordination.events.operations import Kind
from coordination.extensions import db
from coordination.organizations.models import Mechanism
from coordination.organizations.queries import current_mechanism
from coordination.views_util import attempt, form_version, submit_once

if TYPE_CHECKING:
    from coordination.auth.models import User
    from coordination.meetings.models import Meeting
    from coordination.visits.models import Visit

E = TypeVar("E", "Meeting", "Visit")
D = TypeVar("D")
T = TypeVar("T")
FormT = TypeVar("FormT", bound=FlaskForm)
AgreedT = TypeVar("AgreedT", bound="Agreed")


class Agreed(Protocol):
    id: int


@dataclass(frozen=True)
class Edit(Generic[E, D]):
    """The edit form of an event: form(event or None) builds it, data(form) reads it, create
    (mechanism, actor, data) makes a new event of it (an edit goes through Kind.update)."""

    form: Callable[[E | None], FlaskForm]
    data: Callable[[FlaskForm], D]
    create: Callable[[Mechanism, User, D], E]


@dataclass(frozen=True)
class Page(Generic[E]):
    """The event's page: show(event, status, **given) renders it with the forms given (posted
    ones, shown again with their errors); forms(event, **given) builds those forms; the anchors
    say where on the page the people and the agreed things stand."""

    show: Callable[..., ResponseReturnValue]
    forms: Callable[..., dict[str, FlaskForm]]
    people_anchor: str = ""
    agreed_anchor: str = ""


@dataclass(frozen=True)
class Agreement(Generic[E, AgreedT]):
    """What an event agrees (a meeting's decisions, a visit's outcomes) at /<id>/<path>: its
    model and form, the form's fields of its own besides text, deadline, units and key task,
    the operations that record one and turn it into tasks."""

    model: type[AgreedT]
    path: str
    form: type[FlaskForm]
    own_fields: tuple[str, ...]
    add: Callable[..., object]
    assign: Callable[[E, User, AgreedT], object]

    def fields(self, form: FlaskForm) -> dict[str, object]:
        names = ("text", "deadline", "key_task_id", *self.own_fields)
        return {name: form[name].data for name in names} | {"body_ids": form["body_ids"].data or []}


@dataclass(frozen=True)
class Messages:
    created: LazyString
    saved: LazyString
    invited: LazyString
    cancelled: LazyString
    agreed: LazyString
    assigned: LazyString = _l("The decision is assigned: each unit has a task.")


@dataclass(frozen=True)
class Pages(Generic[E, D]):
    """How one kind of event's pages differ: its operations (kind), its model, its edit form, its
    page, what it agrees, its lifecycle buttons (action → operation, message) and messages."""

    kind: Kind[E, D]
    model: type[E]
    edit: Edit[E, D]
    page: Page[E]
    agreed: Agreement[E, Any]  # a meeting's decisions or a visit's outcomes
    states: Mapping[str, tuple[Callable[[E, User], object], LazyString]]
    messages: Messages

    @property
    def name(self) -> str:
        return self.model.EVENT

    @property
    def id_arg(self) -> str:
        return f"{self.name}_id"

    def url(self, event: E, anchor: str = "") -> str:
        values: dict[str, int] = {self.id_arg: event.id}
        return url_for(f"{self.name}s.show", **values) + anchor  # type: ignore[arg-type]  # ids only


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


def given(forms: Mapping[str, object], name: str, form_class: type[FormT]) -> FormT:
    """The posted form of that name, or a new empty one."""
    form = forms.get(name)
    return form if isinstance(form, form_class) else form_class(formdata=None)


def owned(model: type[T], row_id: int, event: EventMixin) -> T:
    """The row, 404 unless it belongs to this event (its `<event>_id` column)."""
    row = db.get_or_404(model, row_id)
    if getattr(row, f"{event.EVENT}_id") != event.id:
        abort(404)
    return row


def action(operation: Callable[[], object], *, success: str | None, target: str) -> ResponseReturnValue:
    """A button: the operation, its message (or the refusal), back to the page."""
    attempt(operation, success=success)
    return redirect(target)


_listings: dict[str, Callable[[Mechanism], Sequence[object]]] = {}


def listings(mechanism: Mechanism) -> dict[str, Sequence[object]]:
    """Every kind of event's list for the page of meetings and visits (`meetings`, `visits`)."""
    return {name: query(mechanism) for name, query in _listings.items()}


def register(bp: Blueprint, pages: Pages[E, D], listing: Callable[[Mechanism], Sequence[E]]) -> None:
    """The shared pages, on the event's blueprint; `listing` gives its list of the mechanism's."""
    _listings[f"{pages.name}s"] = listing
    manage = permissions.require(permissions.can_manage_meetings)
    one = f"/<int:{pages.id_arg}>"
    agreed_name = pages.agreed.path.removesuffix("s")
    person = pages.kind.announcement.person

    def event_of(ids: Mapping[str, int]) -> E:
        return db.get_or_404(pages.model, ids[pages.id_arg])

    def new() -> ResponseReturnValue:
        form = pages.edit.form(None)
        done = submit_once(
            form,
            lambda: pages.edit.create(current_mechanism(), current_user, pages.edit.data(form)),
            success=str(pages.messages.created),
            target=lambda event: pages.url(event),
        )
        return done or render_template(
            f"{pages.name}s/form.html", form=form, event=None, **{pages.name: None}
        )

    def edit(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = pages.edit.form(event)
        if request.method == "GET":
            form.version.data = event.version
        if form.validate_on_submit() and attempt(
            lambda: pages.kind.update(
                event, current_user, pages.edit.data(form), expected_version=form_version(form.version.data)
            ),
            form,
            str(pages.messages.saved),
        ):
            return redirect(pages.url(event))
        return render_template(f"{pages.name}s/form.html", form=form, event=event, **{pages.name: event})

    def show(**ids: int) -> ResponseReturnValue:
        return pages.page.show(event_of(ids))

    def invite(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = AttendeeForm()
        form.with_users()
        done = submit_once(
            form,
            lambda: pages.kind.invite(event, current_user, **form.invitee()),
            success=str(pages.messages.invited),
            target=lambda _attendee: pages.url(event, pages.page.people_anchor),
        )
        return done or pages.page.show(event, 422, **{f"{person}_form": form})

    def cancel(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = CancelForm()
        if form.validate_on_submit() and attempt(
            lambda: pages.kind.cancel(event, current_user, form.reason.data or ""),
            form,
            str(pages.messages.cancelled),
        ):
            return redirect(pages.url(event))
        return pages.page.show(event, 422, cancel_form=form)

    def state_action(action: str, **ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        operation, message = pages.states[action]
        attempt(lambda: operation(event, current_user), success=str(message))
        return redirect(pages.url(event))

    def add_agreed(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        form = pages.agreed.form()
        name = f"{agreed_name}_form"
        pages.page.forms(event, **{name: form})
        done = submit_once(
            form,
            lambda: pages.agreed.add(event, current_user, **pages.agreed.fields(form)),
            success=str(pages.messages.agreed),
            target=lambda _agreed: pages.url(event, pages.page.agreed_anchor),
        )
        return done or pages.page.show(event, 422, **{name: form})

    def assign(**ids: int) -> ResponseReturnValue:
        event = event_of(ids)
        agreed = owned(pages.agreed.model, ids[f"{agreed_name}_id"], event)
        attempt(
            lambda: pages.agreed.assign(event, current_user, agreed), success=str(pages.messages.assigned)
        )
        return redirect(pages.url(event, pages.page.agreed_anchor))

    read = permissions.require(permissions.can_read_mechanism)
    states = ", ".join(pages.states)
    routes: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
        ("/new", "new", manage(new), ["GET", "POST"]),
        (f"{one}/edit", "edit", manage(edit), ["GET", "POST"]),
        (one, "show", read(show), ["GET"]),
        (f"{one}/{pages.model.PEOPLE}", f"add_{person}", manage(invite), ["POST"]),
        (f"{one}/cancel", "cancel", manage(cancel), ["POST"]),
        (f"{one}/<any({states}):action>", "state_action", manage(state_action), ["POST"]),
        (f"{one}/{pages.agreed.path}", f"add_{agreed_name}", manage(add_agreed), ["POST"]),
        (
            f"{one}/{pages.agreed.path}/<int:{agreed_name}_id>/assign",
            f"assign_{agreed_name}",
            manage(assign),
            ["POST"],
        ),
    ]
    for rule, endpoint, view, methods in routes:
        bp.add_url_rule(rule, endpoint, view, methods=methods)

"""The one way views run an operation: commit on success, roll back and explain on failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

from flask import flash, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from coordination import submissions
from coordination.extensions import db
from coordination.operations import CONFLICT, OperationError
from coordination.organizations.queries import date_refusal

if TYPE_CHECKING:
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from werkzeug.wrappers import Response

T = TypeVar("T")
BUSY = _l("The system is busy with another change to the same records. Please try again in a moment.")
# What the drivers say when a lock could not be had in time, or a deadlock was broken.
LOCK_FAILURES = ("database is locked", "deadlock detected", "could not serialize", "lock timeout")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a successful attempt() returns: always true, carrying the operation's result (which
    may itself be None, 0 or an empty list)."""

    value: T

    def __bool__(self) -> bool:
        return True


def attempt(
    operation: Callable[[], T], form: FlaskForm | None = None, success: str | None = None
) -> Done[T] | None:
    """Runs operation and commits: the request's one commit. A broken rule goes next to its
    field when the form has it, otherwise into a flash message; nothing is half-saved either
    way, and None is returned. On success, Done(the operation's result)."""
    try:
        value = operation()
        db.session.commit()
    except OperationError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if (form is not None and error.field) else None
        if field is not None:
            field.errors = [*field.errors, str(error)]
        else:
            flash(str(error), "error")
        return None
    except StaleDataError:
        # Two saves raced between our version check and the UPDATE; the loser is told.
        db.session.rollback()
        flash(str(CONFLICT), "error")
        return None
    except OperationalError as error:
        # Waited too long for another writer: a message and nothing saved, not a 500.
        if not any(text in str(error.orig).lower() for text in LOCK_FAILURES):
            raise
        db.session.rollback()
        flash(str(BUSY), "error")
        return None
    if success:
        flash(success, "success")
    return Done(value)


def submit_once(
    form: FlaskForm,
    operation: Callable[[], T],
    *,
    success: str,
    target: Callable[[T], str],
    errors_on_form: bool = True,
) -> Response | None:
    """The view side of a creating form (its form has coordination.forms.OneTimeKey): runs the
    operation at most once per one-time key. The key is claimed, and recorded with what was
    created, in the operation's own transaction; a second submission of the key is redirected to
    the first result with a notice. Returns the redirect, or None when the form is to be shown
    again (errors go next to their fields, or into flash messages when errors_on_form is off)."""
    if not form.is_submitted():
        return None
    if (done := replayed(form)) is not None:
        return done
    if not form.validate():
        return None
    key = form.once_key.data

    def run() -> str:
        entry = submissions.claim_key(key, current_user.id if current_user.is_authenticated else None)
        created = operation()
        location = target(created)
        submissions.remember(entry, created, location)
        return location

    try:
        if saved := attempt(run, form if errors_on_form else None, success):
            return redirect(saved.value)
    except submissions.AlreadySubmitted:
        db.session.rollback()  # the same form, sent at the same moment, was saved by the other request
        if (done := replayed(form)) is not None:
            return done
        raise
    return None


def replayed(form: FlaskForm) -> Response | None:
    """The first result, with a notice, when this form's one-time key has been used already."""
    done = submissions.find(form.once_key.data)
    if done is None:
        return None
    flash(_("This form had already been sent: nothing was saved twice. Here is the first result."), "info")
    return redirect(done.location)


def form_version(value: str | int | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


MAX_ID = 2**31 - 1


def int_arg(args: MultiDict[str, str], name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """An integer query parameter within bounds, or None: URLs are user input like any other."""
    value = args.get(name, type=int)
    return value if value is not None and low <= value <= high else None


def date_arg(args: MultiDict[str, str], name: str) -> date | None:
    """A date query parameter (2026-12-31), or None. A date outside the dates users may give
    (workflows.dates, e.g. ?since=0001-01-01) is not applied, and the page says why."""
    try:
        day = date.fromisoformat((args.get(name) or "")[:10])
    except ValueError:
        return None
    if refusal := date_refusal(day):
        flash(refusal, "error")
        return None
    return day


def page_count(total: int, size: int) -> int:
    """Pages needed for total rows, at least one (an empty list still has its page)."""
    return max((total + size - 1) // size, 1)


def page_arg(args: MultiDict[str, str]) -> int:
    return int_arg(args, "page", high=100_000) or 1


SEARCH_MAX_LENGTH = 100  # the search fields' maxlength; a longer query (typed into the URL) is cut


def search_arg(args: MultiDict[str, str], name: str = "q") -> str:
    return (args.get(name) or "").strip()[:SEARCH_MAX_LENGTH]

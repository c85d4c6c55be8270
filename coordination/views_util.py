"""The one way views run an operation: commit on success, roll back and explain on failure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import flash
from sqlalchemy.orm.exc import StaleDataError

from coordination.extensions import db
from coordination.operations import CONFLICT, OperationError


def attempt(operation: Callable[[], Any], form: Any = None, success: str | None = None) -> bool:
    """Runs operation in one transaction. A broken rule goes next to its field when the form
    has it, otherwise into a flash message; nothing is half-saved either way."""
    try:
        operation()
        db.session.commit()
    except OperationError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if (form is not None and error.field) else None
        if field is not None:
            field.errors = [*field.errors, str(error)]
        else:
            flash(str(error), "error")
        return False
    except StaleDataError:
        # Two saves raced between our version check and the UPDATE; the loser is told.
        db.session.rollback()
        flash(str(CONFLICT), "error")
        return False
    if success:
        flash(success, "success")
    return True


def form_version(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


MAX_ID = 2**31 - 1


def int_arg(args: Any, name: str, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """An integer query parameter within bounds, or None: URLs are user input like any other."""
    value = args.get(name, type=int)
    return value if value is not None and low <= value <= high else None


def date_arg(args: Any, name: str) -> date | None:
    """A date query parameter (2026-12-31), or None. A date outside the dates users may give
    (workflows.dates, e.g. ?since=0001-01-01) is not applied, and the page says why."""
    try:
        day = date.fromisoformat((args.get(name) or "")[:10])
    except ValueError:
        return None
    from coordination.organizations.queries import date_refusal

    if refusal := date_refusal(day):
        flash(refusal, "error")
        return None
    return day


def page_count(total: int, size: int) -> int:
    """Pages needed for total rows, at least one (an empty list still has its page)."""
    return max((total + size - 1) // size, 1)


def page_arg(args: Any) -> int:
    return int_arg(args, "page", high=100_000) or 1


SEARCH_MAX_LENGTH = 100  # the search fields' maxlength; a longer query (typed into the URL) is cut


def search_arg(args: Any, name: str = "q") -> str:
    return (args.get(name) or "").strip()[:SEARCH_MAX_LENGTH]

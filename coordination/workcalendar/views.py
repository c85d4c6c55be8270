"""Administrators keep the working-day calendar: the years, a year's month grid, and entering or
importing a year's arrangement with a preview of what changes before it is confirmed."""

from __future__ import annotations

import calendar as month_calendar
import json
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from coordination import permissions
from coordination.views_util import attempt
from coordination.workcalendar import operations, queries
from coordination.workcalendar.forms import ArrangementForm, ConfirmForm
from coordination.workcalendar.models import SOURCE_FILE, SOURCE_NOTICE
from workflows.workdays import ArrangementError, CalendarDay, parse_holiday_cn, parse_notice

bp = Blueprint("workcalendar", __name__, url_prefix="/admin/calendar")

MAX_FILE_BYTES = 256 * 1024

REASONS = {
    "no year": _l("The file has no year."),
    "no days": _l("The file has no list of days."),
    "not a day": _l("Entry %(n)s is not a day (date and isOffDay)."),
    "not in the year": _l("Entry %(n)s is not in the file's year."),
    "day without month": _l("Line %(n)s: a day is given without its month."),
    "not a date": _l("Line %(n)s: a day that does not exist."),
    "not a holiday line": _l("Line %(n)s does not read like a line of the notice (名称：…放假…)."),
    "first and last day": _l("Line %(n)s: give the first and the last day off."),
    "days not in order": _l("Line %(n)s: the holiday's last day is before its first, or too far after it."),
    "no holiday lines": _l("Paste the lines of the notice, one holiday a line."),
}


def explain(error: ArrangementError) -> str:
    return str(REASONS.get(error.reason, error.reason)) % {"n": error.where or ""}


@bp.route("")
@permissions.require(permissions.can_administer)
def index() -> ResponseReturnValue:
    return render_template("workcalendar/index.html", years=queries.year_statuses())


def _year_or_404(year: int) -> int:
    if not operations.MIN_YEAR <= year <= operations.MAX_YEAR:
        abort(404)
    return year


def _months(year: int, days: dict[date, CalendarDay]) -> list[dict[str, object]]:
    """The year as month grids (weeks from Monday), each day with what kind of day it is."""
    grid = month_calendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                entry = days.get(day)
                if day.month != month:
                    kind = "outside"
                elif entry is not None:
                    kind = "adjusted" if entry.is_workday else "holiday"
                else:
                    kind = "weekend" if day.weekday() >= 5 else "workday"
                cells.append({"day": day, "kind": kind, "name": entry.name if entry else ""})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def _read_submission(year: int, form: ArrangementForm) -> tuple[list[CalendarDay], str] | None:
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            raw = upload.stream.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                flash(_("The file is too large for a year's arrangement."), "error")
                return None
            try:
                document = json.loads(raw.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                flash(_("The file is not JSON in the holiday-cn format."), "error")
                return None
            file_year, days = parse_holiday_cn(document)
            if file_year != year:
                flash(_("The file is for %(other)d, not %(year)d.", other=file_year, year=year), "error")
                return None
            return days, SOURCE_FILE
        if (form.notice.data or "").strip():
            return parse_notice(year, form.notice.data), SOURCE_NOTICE
    except ArrangementError as error:
        flash(explain(error), "error")
        return None
    flash(_("Paste the text of the notice or choose a file."), "error")
    return None


def _payload(days: list[CalendarDay], source: str) -> str:
    return json.dumps(
        {"source": source, "days": [[d.day.isoformat(), d.is_workday, d.name] for d in days]},
        ensure_ascii=False,
    )


def _from_payload(year: int, payload: str) -> tuple[list[CalendarDay], str]:
    """The previewed arrangement, checked again: the hidden field is input like any other."""
    try:
        data = json.loads(payload)
        source = data["source"] if data["source"] in (SOURCE_NOTICE, SOURCE_FILE) else SOURCE_NOTICE
        days = [CalendarDay(date.fromisoformat(d), bool(w), str(n)[:40]) for d, w, n in data["days"]]
    except (TypeError, ValueError, KeyError) as error:
        raise ArrangementError("no days") from error
    return days, source


@bp.route("/<int:year>", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def year(year: int) -> ResponseReturnValue:
    year = _year_or_404(year)
    form = ArrangementForm()
    confirm = ConfirmForm()
    stored = {d.day: d for d in queries.days_of(year)}
    status = next((s for s in queries.year_statuses() if s.year == year), None)
    preview: dict[str, Any] | None = None
    if request.method == "POST" and request.form.get("step") == "confirm":
        if confirm.validate_on_submit():
            try:
                days, source = _from_payload(year, confirm.payload.data)
            except ArrangementError as error:
                flash(explain(error), "error")
            else:
                changed: list[operations.DayChange] = []
                if attempt(
                    lambda: changed.extend(operations.confirm_year(year, days, source, current_user)),
                    success=_("The %(year)d arrangement is confirmed.", year=year),
                ):
                    if queries.review_pending_years():
                        flash(
                            _(
                                "Some deadlines counted in working days come out differently now: the lead departments review them."  # noqa: E501
                            ),
                            "info",
                        )
                    return redirect(url_for("workcalendar.year", year=year))
    elif request.method == "POST" and form.validate_on_submit():
        submitted = _read_submission(year, form)
        if submitted is not None:
            days, source = submitted
            preview = {
                "changes": operations.changes(year, days),
                "months": _months(year, {d.day: d for d in days if d.day.year == year}),
                "payload": _payload(days, source),
                "holidays": [d for d in days if not d.is_workday],
                "adjusted": [d for d in days if d.is_workday],
            }
            confirm.payload.data = preview["payload"]
    return render_template(
        "workcalendar/year.html",
        year=year,
        status=status,
        months=_months(year, stored),
        form=form,
        confirm=confirm,
        preview=preview,
    )

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from coordination import permissions
from coordination.organizations.queries import current_mechanism
from coordination.plans.queries import unit_choices
from coordination.supervision import queries
from coordination.supervision.models import GeneratedReport  # noqa: F401  (the report job comes next)
from coordination.timeutil import local_today
from coordination.views_util import int_arg

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.route("/")
@permissions.require(permissions.reads_everything)
def overview() -> Any:
    mechanism = current_mechanism()
    today = local_today()
    years = queries.years(mechanism.id) or [today.year]
    year = int_arg(request.args, "year", low=2000, high=2100) or (
        today.year if today.year in years else years[0]
    )
    party = int_arg(request.args, "party")
    unit = int_arg(request.args, "unit")
    rows = queries.overview(mechanism.id, year, today, party_id=party, body_id=unit)
    return render_template(
        "supervision/overview.html",
        rows=rows,
        total=queries.totals(rows),
        year=year,
        years=years,
        party=party,
        unit=unit,
        parties=mechanism.parties,
        units=unit_choices(mechanism),
        today=today,
    )


@bp.route("/units")
@permissions.require(permissions.reads_everything)
def units() -> Any:
    mechanism = current_mechanism()
    today = local_today()
    years = queries.years(mechanism.id) or [today.year]
    year = int_arg(request.args, "year", low=2000, high=2100) or (
        today.year if today.year in years else years[0]
    )
    party = int_arg(request.args, "party")
    return render_template(
        "supervision/units.html",
        rows=queries.units(mechanism.id, year, today, party_id=party),
        year=year,
        years=years,
        party=party,
        parties=mechanism.parties,
    )


@bp.route("/report.xlsx")
@permissions.require(permissions.reads_everything)
def report() -> Any:
    from flask import send_file

    from coordination.supervision.report import workbook

    mechanism = current_mechanism()
    today = local_today()
    year = int_arg(request.args, "year", low=2000, high=2100) or today.year
    rows = queries.overview(mechanism.id, year, today)
    return send_file(
        workbook(mechanism.name_zh, year, rows),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{year}年度督查通报.xlsx",
    )

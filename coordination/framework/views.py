from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from coordination import permissions
from coordination.framework import bp, queries
from coordination.organizations.queries import current_mechanism


@bp.route("/framework")
@permissions.require(permissions.can_read_mechanism)
def index() -> ResponseReturnValue:
    mechanism = current_mechanism()
    return render_template(
        "framework/index.html", mechanism=mechanism, areas=queries.areas_with_tasks(mechanism.id)
    )

"""What the kept figures (coordination/datacache.py) follow beyond the tasks' own events: an
amended plan item may move its tasks to another key task without any task changing (new units,
removed units and moved deadlines send task events of their own). Meetings and visits change no
kept figure: only open ones can be edited, and their decisions and outcomes come after."""

from __future__ import annotations

from coordination import datacache, signals
from coordination.extensions import db
from coordination.plans.models import AnnualPlan


@signals.plan_amended.connect
def _plan_amended(plan_id: int, **_: object) -> None:
    plan = db.session.get(AnnualPlan, plan_id)  # the sender's row: no query
    if plan is not None:
        datacache.touch(datacache.tasks_version_name(plan.mechanism_id))

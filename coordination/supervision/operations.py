"""Changing how supervision judges tasks: the mechanism's traffic-light rule, audited."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from coordination import signals
from coordination.assignments.queries import traffic_rule_of
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.operations import OperationError
from coordination.organizations.models import Mechanism
from workflows.traffic import TrafficRule

RULE_PROBLEMS = {
    "warning_workdays out of range": _l("Working days before the deadline: between 0 and 30."),
    "at_risk_percent out of range": _l("Progress below which a near deadline is at risk: between 0 and 100."),
    "lag_points out of range": _l("Points behind schedule: between 1 and 100."),
}


def set_traffic_rule(mechanism: Mechanism, actor: User, rule: TrafficRule) -> None:
    problems = rule.problems()
    if problems:
        raise OperationError(str(RULE_PROBLEMS[problems[0]]))
    before = traffic_rule_of(mechanism).as_dict()
    if before == rule.as_dict():
        return
    mechanism.traffic_rule = rule.as_dict()
    record(
        "supervision.traffic_rule",
        mechanism,
        summary=mechanism.name_zh,
        before=before,
        after=rule.as_dict(),
        actor_id=actor.id,
    )
    signals.send(signals.reference_changed, mechanism.id, actor_id=actor.id, what="settings")

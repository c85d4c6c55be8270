"""Changing an evaluation: the rubric's weights and a unit's manual adjustment, both audited."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.evaluation.models import EvaluationAdjustment
from coordination.evaluation.queries import Scope, rubric_of
from coordination.extensions import db
from coordination.operations import OperationError
from coordination.organizations.models import Body, Mechanism
from workflows import evaluation

RUBRIC_PROBLEMS = {
    "negative weight": _l("Weights cannot be negative."),
    "weights not 100": _l("The weights must add up to 100."),
    "commend_top out of range": _l("Units proposed per party: between 0 and 50."),
    "commend_min out of range": _l("Minimum score for commendation: between 0 and 100."),
}


def set_rubric(mechanism: Mechanism, actor: User, rubric: evaluation.Rubric) -> None:
    problems = rubric.problems()
    if problems:
        raise OperationError(str(RUBRIC_PROBLEMS[problems[0]]))
    before = rubric_of(mechanism).as_dict()
    if before == rubric.as_dict():
        return
    mechanism.evaluation_rubric = rubric.as_dict()
    record(
        "evaluation.rubric",
        mechanism,
        summary=mechanism.name_zh,
        before=before,
        after=rubric.as_dict(),
        actor_id=actor.id,
    )


def adjust(mechanism: Mechanism, scope: Scope, body: Body, actor: User, points: float, reason: str) -> None:
    """Set the unit's adjustment for this evaluation (replacing an earlier one); 0 points with a
    reason withdraws it, and the audit log keeps both."""
    reason = reason.strip()
    if not reason:
        raise OperationError(_("A manual adjustment needs a reason."), "reason")
    if not evaluation.valid_adjustment(points):
        raise OperationError(_("An adjustment is between -20 and +20 points."), "points")
    if body.party.mechanism_id != mechanism.id:
        raise OperationError(_("This unit does not belong to the mechanism."))
    row = db.session.scalar(
        select(EvaluationAdjustment).where(
            EvaluationAdjustment.mechanism_id == mechanism.id,
            EvaluationAdjustment.scope == scope.key,
            EvaluationAdjustment.body_id == body.id,
        )
    )
    before = {"points": row.points, "reason": row.reason} if row else None
    if row is None:
        row = EvaluationAdjustment(mechanism_id=mechanism.id, scope=scope.key, body_id=body.id)
        db.session.add(row)
    row.points, row.reason, row.by_id = points, reason, actor.id
    record(
        "evaluation.adjust",
        body,
        summary=f"{scope.key} {body.name_zh} {points:+g}",
        before=before,
        after={"scope": scope.key, "points": points, "reason": reason},
        actor_id=actor.id,
    )

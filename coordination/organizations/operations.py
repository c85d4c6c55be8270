"""Changes to bodies: the tier rules live here so every entry point obeys them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from coordination import signals
from coordination.audit.operations import record, snapshot
from coordination.audit.operations import set_active as audit_set_active
from coordination.extensions import db
from coordination.operations import OperationError
from coordination.organizations.models import KIND_TIER, Body, BodyKind, Mechanism, Party, Tier

BODY_FIELDS = (
    "party_id",
    "tier",
    "kind",
    "name_zh",
    "name_en",
    "short_name",
    "parent_id",
    "sort_order",
    "active",
)


@dataclass
class BodyData:
    party_id: int
    tier: str
    kind: str
    name_zh: str
    name_en: str = ""
    short_name: str = ""
    parent_id: int | None = None
    sort_order: int = 0


def _check(mechanism: Mechanism, data: BodyData, body: Body | None) -> None:
    party = db.session.get(Party, data.party_id)
    if party is None or party.mechanism_id != mechanism.id:
        raise OperationError(_("Choose a party of this mechanism."), field="party_id")
    if KIND_TIER[BodyKind(data.kind)] != Tier(data.tier):
        raise OperationError(_("A body of this kind belongs on another tier."), field="tier")
    if data.parent_id:
        parent = db.session.get(Body, data.parent_id)
        if parent is None or parent.mechanism_id != mechanism.id:
            raise OperationError(_("Choose a parent unit of this mechanism."), field="parent_id")
        if parent.party_id != data.party_id or parent.tier != data.tier:
            raise OperationError(
                _("The parent unit must be on the same tier and the same side."), field="parent_id"
            )
        ancestor: Body | None = parent
        while ancestor is not None:
            if body is not None and ancestor.id == body.id:
                raise OperationError(_("A unit cannot be placed under itself."), field="parent_id")
            ancestor = ancestor.parent
    name = data.name_zh.strip()
    clash = db.session.scalar(
        select(Body.id).where(
            Body.party_id == data.party_id,
            func.lower(Body.name_zh) == name.lower(),
            Body.id != (body.id if body else -1),
        )
    )
    if clash:
        raise OperationError(
            _("A body named %(name)s already exists on this side.", name=name), field="name_zh"
        )


def create_body(mechanism: Mechanism, data: BodyData) -> Body:
    _check(mechanism, data, None)
    body = Body(mechanism_id=mechanism.id, **{**data.__dict__, "name_zh": data.name_zh.strip()})
    db.session.add(body)
    db.session.flush()
    record("body.create", body, summary=body.name_zh, after=snapshot(body, *BODY_FIELDS))
    _units_changed(body)
    return body


def update_body(body: Body, data: BodyData) -> None:
    _check(body.mechanism, data, body)
    before = snapshot(body, *BODY_FIELDS)
    for key, value in data.__dict__.items():
        setattr(body, key, value.strip() if isinstance(value, str) else value)
    db.session.flush()
    record("body.update", body, summary=body.name_zh, before=before, after=snapshot(body, *BODY_FIELDS))
    _units_changed(body)


def set_active(body: Body, active: bool) -> None:
    """Bodies are deactivated, never deleted: plans and tasks keep pointing at them."""
    audit_set_active(body, active, "body", body.name_zh)
    _units_changed(body)


def _units_changed(body: Body) -> None:
    signals.send(signals.reference_changed, body.mechanism_id, actor_id=None, what="units")

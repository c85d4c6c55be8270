"""Reads of the mechanism and its bodies, kept visible in one place."""

from __future__ import annotations

from collections import defaultdict

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordination.extensions import db
from coordination.organizations.models import Body, Mechanism, Party, Tier


def current_mechanism() -> Mechanism:
    """The mechanism the user works in; Shanghai–Dalian is the first and, for now, the only."""
    mechanism = db.session.scalar(
        select(Mechanism).where(Mechanism.active.is_(True)).order_by(Mechanism.id).limit(1)
    )
    if mechanism is None:
        abort(404)
    return mechanism


def bodies_of(mechanism: Mechanism, *, include_inactive: bool = False) -> list[Body]:
    query = (
        select(Body)
        .where(Body.mechanism_id == mechanism.id)
        .options(selectinload(Body.party))
        .order_by(Body.party_id, Body.sort_order, Body.id)
    )
    if not include_inactive:
        query = query.where(Body.active.is_(True))
    return list(db.session.scalars(query))


def bodies_by_tier_and_party(
    mechanism: Mechanism, *, include_inactive: bool = False
) -> dict[Tier, dict[Party, list[Body]]]:
    """Top-level bodies grouped by tier then party; children hang under their parents."""
    grouped: dict[Tier, dict[Party, list[Body]]] = {tier: defaultdict(list) for tier in Tier}
    bodies = bodies_of(mechanism, include_inactive=include_inactive)
    children: dict[int, list[Body]] = defaultdict(list)
    for body in bodies:
        if body.parent_id:
            children[body.parent_id].append(body)
    for body in bodies:
        body.visible_children = children.get(body.id, [])  # type: ignore[attr-defined]
        if not body.parent_id:
            grouped[Tier(body.tier)][body.party].append(body)
    return grouped


def body_choices(mechanism: Mechanism | None = None) -> list[tuple[int, str]]:
    mechanism = mechanism or current_mechanism()
    return [(b.id, f"{b.party.name_zh} · {b.name_zh}") for b in bodies_of(mechanism)]

"""Reads of the mechanism and its bodies, kept visible in one place."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import make_transient_to_detached, object_session, selectinload
from sqlalchemy.orm.util import identity_key

from coordination import datacache
from coordination.extensions import db
from coordination.organizations.models import Body, Mechanism, Party, Tier
from workflows import dates

MECHANISMS_VERSION = "mechanisms"  # any mechanism row written (its settings, its being active)
MECHANISM_COLUMNS = tuple(column.key for column in Mechanism.__table__.columns)


def current_mechanism() -> Mechanism:
    """The mechanism the user works in; Shanghai–Dalian is the first and, for now, the only.

    Read on nearly every page, changed a few times a year: its row is kept in this process until
    any process writes a mechanism (the mapper events below), and each request gets its own
    instance of it in its session, as if loaded (changes to it are saved as usual)."""
    values = datacache.in_process("active-mechanism", [MECHANISMS_VERSION], _active_mechanism)
    if values is None:
        abort(404)
    present = db.session.identity_map.get(identity_key(Mechanism, values["id"]))
    if present is not None:
        return present
    mechanism = Mechanism(**copy.deepcopy(values))  # its settings' dicts are the request's own
    make_transient_to_detached(mechanism)
    db.session.add(mechanism)
    return mechanism


def _active_mechanism() -> dict[str, object] | None:
    row = db.session.execute(
        select(*(getattr(Mechanism, key) for key in MECHANISM_COLUMNS))
        .where(Mechanism.active.is_(True))
        .order_by(Mechanism.id)
        .limit(1)
    ).first()
    return None if row is None else dict(zip(MECHANISM_COLUMNS, row, strict=True))


@event.listens_for(Mechanism, "after_insert")
@event.listens_for(Mechanism, "after_update")
@event.listens_for(Mechanism, "after_delete")
def _mechanism_written(_mapper: object, _connection: object, target: Mechanism) -> None:
    datacache.touch(MECHANISMS_VERSION, session=object_session(target))


def accepted_dates() -> dates.DateRange:
    """The dates users may give (workflows.dates): the active mechanism's period ± a year."""
    period = db.session.execute(
        select(Mechanism.period_start, Mechanism.period_end)
        .where(Mechanism.active.is_(True))
        .order_by(Mechanism.id)
        .limit(1)
    ).first()
    return dates.accepted_dates(*period) if period else dates.ANY_SANE_DATE


def date_refusal(day: date | None) -> str | None:
    """Why a date a user gave cannot be taken, in the user's language, or None when it can.
    The one check behind every date field, imported sheet and filter."""
    if day is None:
        return None
    accepted = accepted_dates()
    if day in accepted:
        return None
    return _(
        "Enter a date between %(first)s and %(last)s: the mechanism's period with one year either side.",
        first=accepted.first.isoformat(),
        last=accepted.last.isoformat(),
    )


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

"""Loads the mechanism and demo accounts: inserts what is missing, never rewrites what exists,
so running it again (or after an administrator's edits) changes nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from coordination.audit.operations import record
from coordination.auth.models import Membership, Role, User
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.labels import field_label
from coordination.organizations.models import KIND_TIER, Body, BodyKind, Mechanism, Party
from coordination.seed import data
from coordination.seed.demo import load_demo_plans
from coordination.workcalendar.operations import load_package_years


def load_mechanism() -> Counter[str]:
    created: Counter[str] = Counter()
    mechanism = db.session.scalar(select(Mechanism).where(Mechanism.code == data.MECHANISM["code"]))
    if mechanism is None:
        mechanism = Mechanism(**data.MECHANISM)
        db.session.add(mechanism)
        db.session.flush()
        created["mechanisms"] += 1

    parties = {p.code: p for p in db.session.scalars(select(Party).where(Party.mechanism_id == mechanism.id))}
    for spec in data.PARTIES:
        if spec["code"] not in parties:
            parties[spec["code"]] = Party(mechanism_id=mechanism.id, **spec)
            db.session.add(parties[spec["code"]])
            created["parties"] += 1
    db.session.flush()

    existing = {
        (b.party_id, b.name_zh): b
        for b in db.session.scalars(select(Body).where(Body.mechanism_id == mechanism.id))
    }
    for party_code, bodies in data.BODIES.items():
        party = parties[party_code]
        for order, (kind, name_zh, short, name_en, parent_name) in enumerate(bodies):
            if (party.id, name_zh) in existing:
                continue
            parent = existing.get((party.id, parent_name)) if parent_name else None
            body = Body(
                mechanism_id=mechanism.id,
                party_id=party.id,
                tier=KIND_TIER[BodyKind(kind)].value,
                kind=kind,
                name_zh=name_zh,
                short_name=short,
                name_en=name_en,
                parent=parent,
                sort_order=order * 10,
            )
            db.session.add(body)
            existing[(party.id, name_zh)] = body
            created["bodies"] += 1
    db.session.flush()

    areas = {a.number: a for a in db.session.scalars(select(Area).where(Area.mechanism_id == mechanism.id))}
    for number, numeral, title_zh, title_en in data.AREAS:
        if number not in areas:
            areas[number] = Area(
                mechanism_id=mechanism.id,
                number=number,
                numeral_zh=numeral,
                title_zh=title_zh,
                title_en=title_en,
            )
            db.session.add(areas[number])
            created["areas"] += 1
    db.session.flush()

    tasks = set(db.session.scalars(select(KeyTask.number).where(KeyTask.mechanism_id == mechanism.id)))
    for number, area_number, title_zh, title_en in data.KEY_TASKS:
        if number not in tasks:
            db.session.add(
                KeyTask(
                    mechanism_id=mechanism.id,
                    area_id=areas[area_number].id,
                    number=number,
                    title_zh=title_zh,
                    title_en=title_en,
                )
            )
            created["key_tasks"] += 1
    if created:
        record("seed.mechanism", mechanism, summary=_summary(created), after=dict(created))
    if years := load_package_years():
        created["calendar years"] += years
    return created


def _seeded_mechanism() -> Mechanism:
    mechanism = db.session.scalar(select(Mechanism).where(Mechanism.code == data.MECHANISM["code"]))
    if mechanism is None:
        raise LookupError("the mechanism is not loaded yet: run load_mechanism() first")
    return mechanism


def load_demo_users() -> Counter[str]:
    created: Counter[str] = Counter()
    mechanism = _seeded_mechanism()
    bodies = {b.name_zh: b for b in db.session.scalars(select(Body).where(Body.mechanism_id == mechanism.id))}
    usernames = set(db.session.scalars(select(User.username)))
    for username, name, roles, body_names, email in data.DEMO_USERS:
        if username in usernames:
            continue
        user = User(username=username, name=name, email=email)
        user.set_password(data.DEMO_PASSWORD)
        user.set_roles({Role(r) for r in roles})
        user.memberships = [Membership(body=bodies[b]) for b in body_names]
        db.session.add(user)
        created["users"] += 1
    if created:
        db.session.flush()
        record("seed.demo_users", summary=_summary(created), after=dict(created), object_type="users")
    return created


def load_demo_work() -> Counter[str]:
    """Last year's closed plan, this year's worked on up to now, next year's in consultation."""
    return load_demo_plans(_seeded_mechanism())


def _summary(created: Counter[str]) -> str:
    """For the audit log, in the interface's words."""
    return "、".join(f"{field_label(name)} {count}" for name, count in sorted(created.items()))


def _describe(created: Counter[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in sorted(created.items()))

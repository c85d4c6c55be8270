"""Who the audiences of workflows.notifications are, as people (and the bodies whose robots are
told), looked up in a few queries for a whole batch of notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from coordination.auth.models import Membership, User, UserRole
from coordination.events.models import Attendee
from coordination.extensions import db
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.plans.models import AnnualPlan, ItemUnit, PlanItem, PlanRevision
from workflows.notifications import Audience, audiences_of
from workflows.roles import Role


@dataclass(frozen=True)
class Told:
    """The people told, and the bodies whose robots are told."""

    user_ids: tuple[int, ...]
    body_ids: tuple[int, ...]

    def __or__(self, other: Told) -> Told:
        return Told(
            tuple(dict.fromkeys(self.user_ids + other.user_ids)),
            tuple(dict.fromkeys(self.body_ids + other.body_ids)),
        )


NOBODY = Told((), ())


class Directory:
    """The mechanism's people by unit and role, read once (a mechanism has hundreds of people,
    not millions: one query)."""

    def __init__(self, mechanism_id: int) -> None:
        self.mechanism = db.session.get(Mechanism, mechanism_id)
        self._liaisons: dict[int, list[int]] = {}
        self._heads: dict[int, list[int]] = {}
        self._lead_staff: dict[int, list[int]] = {}  # party → users (coordination tier)
        self._leaders: dict[int, list[int]] = {}  # party → users (decision tier)
        self.coordination_bodies: dict[int, list[int]] = {}  # party → lead departments
        self.decision_bodies: dict[int, list[int]] = {}
        self.party_of: dict[int, int] = {}
        rows = db.session.execute(
            select(Body.id, Body.party_id, Body.tier, Membership.is_head, User.id, UserRole.role)
            .join(Membership, Membership.body_id == Body.id)
            .join(User, User.id == Membership.user_id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(Body.mechanism_id == mechanism_id, User.active.is_(True))
            .order_by(User.id)
        ).all()
        for body_id, party_id, tier, is_head, user_id, role in rows:
            self.party_of[body_id] = party_id
            if role == Role.LIAISON.value:
                _add(self._liaisons, body_id, user_id)
            if is_head:
                _add(self._heads, body_id, user_id)
            if tier == Tier.COORDINATION.value and role == Role.LEAD_STAFF.value:
                _add(self._lead_staff, party_id, user_id)
                _add(self.coordination_bodies, party_id, body_id)
            if tier == Tier.DECISION.value and role == Role.LEADER.value:
                _add(self._leaders, party_id, user_id)
                _add(self.decision_bodies, party_id, body_id)
        for body_id, party_id in db.session.execute(
            select(Body.id, Body.party_id).where(Body.mechanism_id == mechanism_id)
        ):
            self.party_of[body_id] = party_id

    @property
    def overrides(self) -> dict[str, list[str]]:
        return dict(getattr(self.mechanism, "notification_audiences", None) or {})

    def audiences(self, kind: str) -> frozenset[Audience]:
        return audiences_of(kind, self.overrides)

    def unit(self, body_id: int, audiences: Iterable[Audience]) -> Told:
        """The audiences that concern one unit's task: its liaisons, its head, the verifiers of its
        party, the lead departments and leading groups."""
        told = NOBODY
        for audience in audiences:
            if audience is Audience.UNIT_LIAISONS:
                told |= Told(tuple(self._liaisons.get(body_id, [])), (body_id,))
            elif audience is Audience.UNIT_HEADS:
                told |= Told(tuple(self._heads.get(body_id, [])), (body_id,))
            elif audience is Audience.VERIFIERS:
                party = self.party_of.get(body_id)
                staff = self._lead_staff.get(party, []) if party is not None else []
                bodies = self.coordination_bodies.get(party, []) if party is not None else []
                told |= (
                    Told(tuple(staff), tuple(bodies))
                    if staff
                    else self.everywhere({Audience.LEAD_DEPARTMENTS})
                )
            else:
                told |= self.everywhere({audience})
        return told

    def everywhere(self, audiences: Iterable[Audience]) -> Told:
        """The audiences that are the same for the whole mechanism."""
        told = NOBODY
        for audience in audiences:
            if audience is Audience.LEAD_DEPARTMENTS:
                told |= Told(_flat(self._lead_staff), _flat(self.coordination_bodies))
            elif audience is Audience.LEADING_GROUP:
                told |= Told(_flat(self._leaders), _flat(self.decision_bodies))
        return told

    def liaisons(self, body_id: int) -> tuple[int, ...]:
        return tuple(self._liaisons.get(body_id, []))


def plan_units(plan_id: int) -> list[int]:
    """The units named in the plan's items, in the order of the items."""
    return list(
        dict.fromkeys(
            db.session.scalars(
                select(ItemUnit.body_id)
                .join(PlanItem, PlanItem.id == ItemUnit.item_id)
                .where(PlanItem.plan_id == plan_id)
                .order_by(PlanItem.position, ItemUnit.id)
            )
        )
    )


def plan_drafters(plan: AnnualPlan) -> tuple[int, ...]:
    """Who made the plan and who revised it."""
    authors = db.session.scalars(
        select(PlanRevision.author_id).where(
            PlanRevision.plan_id == plan.id, PlanRevision.author_id.is_not(None)
        )
    ).all()
    ids = {plan.created_by_id, *authors} - {None}
    active = set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.active.is_(True))))
    return tuple(i for i in dict.fromkeys([plan.created_by_id, *authors]) if i in active)


def attendees(*, meeting_id: int | None = None, visit_id: int | None = None) -> tuple[int, ...]:
    """The attendees with an account (guests from outside hear by their invitation e-mail)."""
    where = Attendee.meeting_id == meeting_id if meeting_id is not None else Attendee.visit_id == visit_id
    users = db.session.scalars(
        select(Attendee.user_id).join(User, User.id == Attendee.user_id).where(where, User.active.is_(True))
    )
    return tuple(dict.fromkeys(u for u in users if u is not None))


def _add(index: dict[int, list[int]], key: int, value: int) -> None:
    values = index.setdefault(key, [])
    if value not in values:
        values.append(value)


def _flat(index: dict[int, list[int]]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(v for values in index.values() for v in values))

"""Reads behind the plan screens, with their loading spelled out (no N+1 on big plans)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordination import datacache
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.plans.models import AnnualPlan, ItemComment, PlanItem


@dataclass
class KeyTaskGroup:
    key_task: KeyTask
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class AreaGroup:
    area: Area
    key_tasks: list[KeyTaskGroup] = field(default_factory=list)


def items_by_area(plan: AnnualPlan) -> list[AreaGroup]:
    items = db.session.scalars(
        select(PlanItem)
        .where(PlanItem.plan_id == plan.id)
        .options(selectinload(PlanItem.key_task).selectinload(KeyTask.area))
        .order_by(PlanItem.position)
    ).all()
    areas: dict[int, AreaGroup] = {}
    tasks: dict[int, KeyTaskGroup] = {}
    for item in sorted(items, key=lambda i: (i.key_task.number, i.position)):
        area = item.key_task.area
        group = areas.setdefault(area.id, AreaGroup(area))
        if item.key_task_id not in tasks:
            tasks[item.key_task_id] = KeyTaskGroup(item.key_task)
            group.key_tasks.append(tasks[item.key_task_id])
        tasks[item.key_task_id].items.append(item)
    return sorted(areas.values(), key=lambda g: g.area.number)


def comments_by_item(plan: AnnualPlan) -> dict[int, list[ItemComment]]:
    rows = db.session.scalars(
        select(ItemComment)
        .join(PlanItem)
        .where(PlanItem.plan_id == plan.id)
        .options(selectinload(ItemComment.author), selectinload(ItemComment.body))
        .order_by(ItemComment.created_at)
    ).all()
    grouped: dict[int, list[ItemComment]] = defaultdict(list)
    for c in rows:
        grouped[c.item_id].append(c)
    return grouped


def unit_choices(mechanism: Mechanism) -> list[tuple[int, str]]:
    """Read on every filtered list: kept in the process until the mechanism's units change."""

    def load() -> list[tuple[int, str]]:
        bodies = db.session.scalars(
            select(Body)
            .where(Body.mechanism_id == mechanism.id, Body.tier == Tier.EXECUTION, Body.active.is_(True))
            .options(selectinload(Body.party))
            .order_by(Body.party_id, Body.sort_order)
        ).all()
        return [(b.id, f"{b.party.name_zh} · {b.name_zh}") for b in bodies]

    return datacache.in_process(
        f"unit_choices:{mechanism.id}", [datacache.reference_version_name(mechanism.id)], load
    )

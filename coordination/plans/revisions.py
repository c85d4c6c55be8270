"""Item snapshots and the comparison of two plan revisions (pure functions over dicts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _

from coordination.plans.models import ItemSnapshot, PlanItem

COMPARED_FIELDS = (
    "key_task",
    "title",
    "content",
    "expected_results",
    "deadline",
    "priority",
    "lead_units",
    "cooperating_units",
    "milestones",
)


def snapshot_item(item: PlanItem) -> ItemSnapshot:
    """Everything a reader of the plan sees about an item, as plain JSON values."""
    return {
        "id": item.id,
        "key_task": item.key_task.label,
        "key_task_number": item.key_task.number,
        "title": item.title,
        "content": item.content,
        "expected_results": item.expected_results,
        "deadline": item.deadline.isoformat() if item.deadline else f"{item.deadline_workdays} workdays",
        "priority": item.priority,
        "lead_units": sorted(u.body.name_zh for u in item.lead_units),
        "cooperating_units": sorted(u.body.name_zh for u in item.cooperating_units),
        "milestones": [f"{m.due_on.isoformat()} {m.title}" for m in item.milestones],
    }


@dataclass
class ItemChange:
    item_id: int
    title: str
    fields: list[tuple[str, object, object]] = field(default_factory=list)


@dataclass
class RevisionDiff:
    added: list[ItemSnapshot] = field(default_factory=list)
    removed: list[ItemSnapshot] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def compare(old: Sequence[ItemSnapshot], new: Sequence[ItemSnapshot]) -> RevisionDiff:
    """Items are matched by id, so a renamed item shows as changed, not removed and added."""
    before = {i["id"]: i for i in old}
    after = {i["id"]: i for i in new}
    diff = RevisionDiff(
        added=[after[i] for i in after if i not in before],
        removed=[before[i] for i in before if i not in after],
    )
    for item_id in after.keys() & before.keys():
        fields = [
            (name, before[item_id].get(name), after[item_id].get(name))
            for name in COMPARED_FIELDS
            if before[item_id].get(name) != after[item_id].get(name)
        ]
        if fields:
            diff.changed.append(ItemChange(item_id, after[item_id]["title"], fields))
    diff.changed.sort(key=lambda c: c.item_id)
    return diff


def field_labels() -> dict[str, str]:
    return {
        "key_task": _("Key task"),
        "title": _("Item"),
        "content": _("Work content"),
        "expected_results": _("Expected results"),
        "deadline": _("Deadline"),
        "priority": _("Priority"),
        "lead_units": _("Lead units"),
        "cooperating_units": _("Co-operating units"),
        "milestones": _("Milestones"),
    }

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coordination import datacache
from coordination.extensions import db
from coordination.framework.models import Area, KeyTask
from coordination.organizations.models import Mechanism


def areas_with_tasks(mechanism_id: int) -> list[Area]:
    """The framework's areas in order, each with its key tasks loaded: two statements."""
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.mechanism_id == mechanism_id)
            .options(selectinload(Area.key_tasks))
            .order_by(Area.number)
        )
    )


def key_task_choices(mechanism: Mechanism) -> list[tuple[int, str]]:
    """Read on every task list: kept in the process until the mechanism's reference data changes."""

    def load() -> list[tuple[int, str]]:
        tasks = db.session.scalars(
            select(KeyTask).where(KeyTask.mechanism_id == mechanism.id).order_by(KeyTask.number)
        )
        return [(t.id, t.label) for t in tasks]

    return datacache.in_process(
        f"key_task_choices:{mechanism.id}", [datacache.reference_version_name(mechanism.id)], load
    )

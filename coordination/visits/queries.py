"""Lists of visits."""

from __future__ import annotations

from sqlalchemy import select

from coordination.extensions import db
from coordination.organizations.models import Mechanism
from coordination.visits.models import Visit


def visits_of(mechanism: Mechanism) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit).where(Visit.mechanism_id == mechanism.id).order_by(Visit.starts_on.desc())
        )
    )

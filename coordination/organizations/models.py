"""The mechanism (合作机制), its parties and the bodies on its three tiers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.extensions import Model
from coordination.timeutil import utcnow


class Tier(StrEnum):
    DECISION = "decision"  # 决策层
    COORDINATION = "coordination"  # 协调层
    EXECUTION = "execution"  # 执行层


class BodyKind(StrEnum):
    LEADING_GROUP = "leading_group"  # 对口合作工作领导小组
    LEAD_DEPARTMENT = "lead_department"  # 牵头部门
    MEMBER_UNIT = "member_unit"  # 成员单位
    DISTRICT = "district"  # 区（市）县
    ZONE = "zone"  # 新区、园区


# The tier a body of each kind must sit on: a lead department is never an execution unit.
KIND_TIER = {
    BodyKind.LEADING_GROUP: Tier.DECISION,
    BodyKind.LEAD_DEPARTMENT: Tier.COORDINATION,
    BodyKind.MEMBER_UNIT: Tier.EXECUTION,
    BodyKind.DISTRICT: Tier.EXECUTION,
    BodyKind.ZONE: Tier.EXECUTION,
}


class Mechanism(Model):
    __tablename__ = "mechanisms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[int]
    period_end: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    # Reminder offsets, urging and escalation (workflows.reminders.Policy); empty = defaults.
    reminder_policy: Mapped[dict | None] = mapped_column(JSON)
    # Evaluation weights and commendation rule (workflows.evaluation.Rubric); empty = defaults.
    evaluation_rubric: Mapped[dict | None] = mapped_column(JSON)
    # Who is told of each kind of event, where it differs from workflows.notifications.RULES.
    notification_audiences: Mapped[dict | None] = mapped_column(JSON)
    # Traffic-light thresholds and the time-proportional lag (workflows.traffic.TrafficRule);
    # empty = defaults.
    traffic_rule: Mapped[dict | None] = mapped_column(JSON)

    parties: Mapped[list[Party]] = relationship(back_populates="mechanism", order_by="Party.position")

    def __repr__(self) -> str:
        return f"<Mechanism {self.code}>"


class Party(Model):
    """One side of a mechanism: a city with its leading group, lead department and units."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("mechanism_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    mechanism: Mapped[Mechanism] = relationship(back_populates="parties")


class Body(Model):
    """A leading group, lead department or member unit; belongs to one party and one tier."""

    __tablename__ = "bodies"
    __table_args__ = (UniqueConstraint("party_id", "name_zh"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("mechanisms.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    tier: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    short_name: Mapped[str] = mapped_column(String(40), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    party: Mapped[Party] = relationship()
    mechanism: Mapped[Mechanism] = relationship()
    parent: Mapped[Body | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Body]] = relationship(back_populates="parent", order_by="Body.sort_order")

    @property
    def display_name(self) -> str:
        return self.short_name or self.name_zh

    def __repr__(self) -> str:
        return f"<Body {self.name_zh}>"

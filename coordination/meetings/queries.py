from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.assignments.queries import assessment_of, traffic_rule_of
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.organizations.models import Mechanism
from coordination.plans.models import AnnualPlan
from coordination.timeutil import local_today
from workflows.assignment import OPEN_VALUES
from workflows.traffic import Light


def meetings_of(mechanism: Mechanism) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.mechanism_id == mechanism.id)
            .options(joinedload(Meeting.host_party))
            .order_by(Meeting.starts_at.desc())
        )
    )


def answer_counts(meeting: Meeting) -> Counter[str]:
    return Counter(a.partstat for a in meeting.attendees)


def agenda_suggestions(meeting: Meeting) -> list[dict[str, Any]]:
    """Ready-to-add items for a new joint meeting: last year's plan results and every overdue
    or at-risk task (the meeting is where they get pushed)."""
    if meeting.kind != "joint":
        return []
    year = meeting.starts_at.year
    taken = {item.title for item in meeting.agenda}
    suggestions: list[dict[str, Any]] = []
    last = db.session.scalar(
        select(AnnualPlan).where(AnnualPlan.mechanism_id == meeting.mechanism_id, AnnualPlan.year == year - 1)
    )
    if last is not None and last.issued_at:
        counts = Counter(
            db.session.scalars(
                select(Assignment.state).where(Assignment.plan_item_id.in_([i.id for i in last.items]))
            )
        )
        total = sum(counts.values())
        suggestions.append(
            {
                "title": f"{last.year}年度计划执行情况（{total}项任务，已销号{counts.get('closed', 0)}项）",
                "kind": "results",
            }
        )
    today = local_today()
    pending = set(
        db.session.scalars(select(ExtensionRequest.assignment_id).where(ExtensionRequest.state == "pending"))
    )
    tasks = db.session.scalars(
        select(Assignment)
        .where(Assignment.mechanism_id == meeting.mechanism_id, Assignment.state.in_(OPEN_VALUES))
        .options(joinedload(Assignment.body))
        .order_by(Assignment.current_deadline)
    ).all()
    rule = traffic_rule_of(db.session.get(Mechanism, meeting.mechanism_id))
    for task in tasks:
        light = assessment_of(task, today, task.id in pending, rule).light
        if light in (Light.RED, Light.YELLOW):
            label = "逾期" if light == Light.RED else "有风险"
            title = f"督办：{task.title}（{task.body.name_zh}，{label}，时限{task.current_deadline}）"
            suggestions.append(
                {
                    "title": title,
                    "kind": light.value,
                }
            )
    return [s for s in suggestions if s["title"] not in taken]

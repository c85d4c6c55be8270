"""What the task page (/tasks/<id>) shows, read in a fixed number of statements whatever the
number of progress reports, files, extension requests, history rows or other units' tasks:

1. the task with its unit (and the unit's party and mechanism: the traffic rule), key task and
   who acknowledged it, joined;
2. its plan item with the plan and the milestones;
3. the progress reports with their authors' names;
4. every file of the task, shared out to its report (or kept as evidence): one statement, not
   one per report;
5. the extension requests with the names of who asked and who decided;
6. the history (history()), 7. the other units' tasks on the item (siblings()), 8. the
   reminders' escalations and next reminder (reminders.queries.task_supervision, called by the
   template).
A liaison may add 9. the item's units when the page asks whether a co-operating unit's task may be
opened by its lead unit's liaison (permissions.leads_item_of).

Users shown on the page are loaded by name only: their roles and memberships (which load
themselves, selectin, for the signed-in user) stay unloaded."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.strategy_options import _AbstractLoad

from coordination.assignments.models import Assignment, Attachment, ExtensionRequest, ProgressReport
from coordination.audit.models import AuditEvent
from coordination.auth.models import User
from coordination.extensions import db
from coordination.organizations.models import Body
from coordination.plans.models import PlanItem


def named(relationship: Any) -> _AbstractLoad:
    """A user the page names: joined, the name only."""
    return joinedload(relationship).options(
        load_only(User.name), lazyload(User.role_links), lazyload(User.memberships)
    )


@cache
def _options() -> dict[str, tuple[_AbstractLoad, ...]]:
    """The loader options, built once (they are immutable, and building them was a share of a
    draw), on first use: building them configures the mappers, which needs every model imported."""
    return {
        # Many-to-one only: planning a join grows steeply with its tables (a nine-table join
        # took 4 ms unprepared, this one and the item's below 1.9 ms together, and psycopg's
        # prepared statements do not outlive the ROLLBACK that ends each request).
        "task": (
            joinedload(Assignment.body).options(joinedload(Body.party), joinedload(Body.mechanism)),
            joinedload(Assignment.key_task),
            lazyload(Assignment.plan_item),
            named(Assignment.acknowledged_by),
        ),
        # The milestones are few; the item's units are read only for a liaison's question
        # (permissions.leads_item_of), its key task is the task's.
        "item": (
            joinedload(PlanItem.plan),
            joinedload(PlanItem.milestones),
            lazyload(PlanItem.units),
            lazyload(PlanItem.key_task),
        ),
        "report": (named(ProgressReport.author),),
        "extension": (named(ExtensionRequest.requested_by), named(ExtensionRequest.decided_by)),
        "history": (
            load_only(AuditEvent.at, AuditEvent.action, AuditEvent.summary, AuditEvent.actor_id),
            named(AuditEvent.actor),
        ),
    }


def task(assignment_id: int) -> Assignment | None:
    """The task and what hangs off it one to one (statement 1), and its plan item (statement 2)."""
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.id == assignment_id).options(*_options()["task"])
    )
    if assignment is not None and assignment.plan_item_id is not None:
        item = (
            db.session.scalars(
                select(PlanItem).where(PlanItem.id == assignment.plan_item_id).options(*_options()["item"])
            )
            .unique()
            .first()
        )
        set_committed_value(assignment, "plan_item", item)
    return assignment


def load_work(assignment: Assignment) -> None:
    """The reports, files and extension requests of a task its reader may open (statements 3–5),
    in the relationships' own order, set as loaded so that the template reads no further."""
    reports = list(
        db.session.scalars(
            select(ProgressReport)
            .where(ProgressReport.assignment_id == assignment.id)
            .options(*_options()["report"])
            .order_by(ProgressReport.created_at.desc())
        )
    )
    files = list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.assignment_id == assignment.id)
            .order_by(Attachment.created_at, Attachment.id)
        )
    )
    by_report: defaultdict[int, list[Attachment]] = defaultdict(list)
    for f in files:
        if f.report_id is not None:
            by_report[f.report_id].append(f)
    for report in reports:
        set_committed_value(report, "attachments", by_report.get(report.id, []))
    extensions = list(
        db.session.scalars(
            select(ExtensionRequest)
            .where(ExtensionRequest.assignment_id == assignment.id)
            .options(*_options()["extension"])
            .order_by(ExtensionRequest.created_at.desc())
        )
    )
    set_committed_value(assignment, "reports", reports)
    set_committed_value(assignment, "attachments", files)
    set_committed_value(assignment, "extensions", extensions)


def history(assignment: Assignment) -> list[AuditEvent]:
    """The task's audit trail, newest first, with what the timeline shows (not before/after)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "assignments", AuditEvent.object_id == assignment.id)
            .options(*_options()["history"])
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


@dataclass(frozen=True)
class Sibling:
    """Another unit's task on the same item, as the page lists it (a row, not an ORM object:
    an item may have a hundred)."""

    id: int
    body_id: int
    body_name: str
    role: str
    state: str
    plan_item: PlanItem | None


def siblings(assignment: Assignment) -> list[Sibling]:
    """The other units' tasks on the same plan item: the chain read sideways."""
    if assignment.plan_item_id is None:
        return []
    rows = db.session.execute(
        select(Assignment.id, Assignment.body_id, Body.name_zh, Assignment.role, Assignment.state)
        .join(Body, Body.id == Assignment.body_id)
        .where(Assignment.plan_item_id == assignment.plan_item_id, Assignment.id != assignment.id)
        .order_by(Assignment.role, Assignment.id)
    )
    item = assignment.plan_item
    return [Sibling(id, body_id, name, role, state, item) for id, body_id, name, role, state in rows]

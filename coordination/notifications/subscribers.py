"""The domain events, told to the people they concern (workflows.notifications says who).

Each receiver runs in the sender's transaction (coordination/signals.py) and turns its event into
Notices: what happened, in the words the users read (Chinese, as the e-mail and robots carry it),
with a link to the object. A batch of new tasks is one notice a unit, listing its tasks: a liaison
whose unit got 21 tasks from one plan reads one notification, not 21.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from sqlalchemy import func, select

from coordination import signals
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.auth.models import User
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.notifications import audiences
from coordination.notifications.audiences import NOBODY, Directory, Told
from coordination.notifications.notice import Notice
from coordination.notifications.telling import tell
from coordination.organizations.models import Body
from coordination.plans.models import AnnualPlan, ItemComment, ItemUnit, PlanItem
from coordination.text import single_line
from coordination.timeutil import to_local
from coordination.visits.models import Visit
from workflows.notifications import Audience, Urgency

ROLE_TEXT = {"lead": "牵头", "cooperating": "配合"}
SOURCE_TEXT = {
    "plan": "年度计划下达",
    "decision": "联席会议议定事项",
    "outcome": "高层互访成果",
    "amendment": "年度计划调整",
}
UNIT_AUDIENCES = frozenset({Audience.UNIT_LIAISONS, Audience.UNIT_HEADS, Audience.VERIFIERS})
MAX_LINES = 30  # a notice lists this many tasks, then says how many more


def _directory(mechanism_id: int) -> Directory:
    """One directory per mechanism and transaction: an amendment or a deadline recount tells many
    tasks one event each, and the people do not change in between."""
    transaction = db.session().get_transaction()
    cached = db.session.info.get("notification_directory")
    if cached is None or cached[0] is not transaction or cached[1] != mechanism_id:
        cached = (transaction, mechanism_id, Directory(mechanism_id))
        db.session.info["notification_directory"] = cached
    directory: Directory = cached[2]
    return directory


def _unit_name(body: Body) -> str:
    return body.short_name or body.name_zh


def _resolve(
    directory: Directory,
    kind: str,
    *,
    body_id: int | None = None,
    plan: AnnualPlan | None = None,
    meeting_id: int | None = None,
    visit_id: int | None = None,
) -> Told:
    """The kind's audiences (the mechanism's choice or the default) for this object."""
    told = NOBODY
    chosen = directory.audiences(kind)
    if body_id is not None:
        told |= directory.unit(
            body_id, chosen & {Audience.UNIT_LIAISONS, Audience.UNIT_HEADS, Audience.VERIFIERS}
        )
    told |= directory.everywhere(chosen)
    if plan is not None and Audience.PLAN_UNITS in chosen:
        units = audiences.plan_units(plan.id)
        told |= Told(tuple(u for b in units for u in directory.liaisons(b)), tuple(units))
    if plan is not None and Audience.PLAN_DRAFTERS in chosen:
        told |= Told(audiences.plan_drafters(plan), ())
    if Audience.ATTENDEES in chosen and (meeting_id is not None or visit_id is not None):
        told |= Told(audiences.attendees(meeting_id=meeting_id, visit_id=visit_id), ())
    return told


def _notice(
    kind: str,
    key: str,
    told: Told,
    *,
    title: str,
    object_key: str,
    lines: tuple[str, ...] = (),
    unit_id: int | None = None,
    mechanism_id: int | None = None,
    urgency: Urgency = Urgency.NORMAL,
) -> Notice | None:
    if not told.user_ids and not told.body_ids:
        return None
    return Notice(
        kind=kind,
        key=key,
        title=title,
        object_key=object_key,
        user_ids=told.user_ids,
        body_ids=told.body_ids,
        lines=lines,
        unit_id=unit_id,
        mechanism_id=mechanism_id,
        urgency=urgency,
    )


def _tell(notices: Sequence[Notice | None], actor_id: int | None) -> None:
    tell([n for n in notices if n is not None], actor_id)


# --- tasks ----------------------------------------------------------------------------------


def _task_line(task: Assignment) -> str:
    role = ROLE_TEXT.get(task.role, task.role)
    return f"{single_line(task.title)}（{role}，完成时限 {task.current_deadline:%Y-%m-%d}）"


@signals.assignments_created.connect
def _tell_new_tasks(
    mechanism_id: int, *, assignment_ids: Sequence[int], source: str, actor_id: int | None = None, **_: object
) -> None:
    """One notice a unit for the whole batch, listing its tasks."""
    tasks = [a for a in (db.session.get(Assignment, i) for i in assignment_ids) if a is not None]
    if not tasks:
        return
    directory = _directory(mechanism_id)
    by_unit: dict[int, list[Assignment]] = {}
    for task in tasks:
        by_unit.setdefault(task.body_id, []).append(task)
    origin = SOURCE_TEXT.get(source, "")
    plan = tasks[0].plan_item.plan if source in ("plan", "amendment") and tasks[0].plan_item else None
    what = f"《{single_line(plan.title)}》" if plan is not None else origin
    notices = []
    for body_id, mine in by_unit.items():
        lines = [_task_line(t) for t in mine[:MAX_LINES]]
        if len(mine) > MAX_LINES:
            lines.append(f"……另有 {len(mine) - MAX_LINES} 项")
        notices.append(
            _notice(
                "task_assigned",
                f"task_assigned:{mine[0].id}:{body_id}",
                _resolve(directory, "task_assigned", body_id=body_id),
                title=f"{what}向{_unit_name(mine[0].body)}分派了 {len(mine)} 项任务（{origin}）"
                if plan is not None
                else f"{origin}：向{_unit_name(mine[0].body)}分派了 {len(mine)} 项任务",
                object_key=f"assignment:{mine[0].id}" if len(mine) == 1 else "tasks:",
                lines=tuple(lines),
                unit_id=body_id,
                mechanism_id=mechanism_id,
            )
        )
    _tell(notices, actor_id)


def _tell_task(
    task: Assignment, kind: str, title: str, lines: Sequence[str], actor_id: int | None, key: str
) -> None:
    directory = _directory(task.mechanism_id)
    urgency = Urgency.URGENT if kind in ("task_returned", "extension_rejected") else Urgency.NORMAL
    _tell(
        [
            _notice(
                kind,
                key,
                _resolve(directory, kind, body_id=task.body_id),
                title=f"{title}：{single_line(task.title)}",
                object_key=f"assignment:{task.id}",
                lines=tuple(line for line in lines if line),
                unit_id=task.body_id,
                mechanism_id=task.mechanism_id,
                urgency=urgency,
            )
        ],
        actor_id,
    )


def _version_key(kind: str, task: Assignment) -> str:
    return f"{kind}:{task.id}:{task.version}"


@signals.assignment_returned.connect
def _tell_returned(assignment_id: int, *, actor_id: int | None = None, **_: object) -> None:
    task = db.session.get(Assignment, assignment_id)
    if task is not None:
        reason = f"退回理由：{single_line(task.return_reason)}" if task.return_reason else ""
        _tell_task(
            task,
            "task_returned",
            "任务被退回，请补充完善后重新提交",
            [reason],
            actor_id,
            _version_key("returned", task),
        )


@signals.assignment_cancelled.connect
def _tell_cancelled(assignment_id: int, *, actor_id: int | None = None, **_: object) -> None:
    task = db.session.get(Assignment, assignment_id)
    if task is not None:
        reason = f"撤销原因：{single_line(task.cancel_reason)}" if task.cancel_reason else ""
        _tell_task(task, "task_cancelled", "任务已撤销", [reason], actor_id, _version_key("cancelled", task))


@signals.assignment_closed.connect
def _tell_closed(assignment_id: int, *, actor_id: int | None = None, **_: object) -> None:
    task = db.session.get(Assignment, assignment_id)
    if task is not None:
        _tell_task(task, "task_closed", "任务已审核通过并办结", [], actor_id, _version_key("closed", task))


@signals.assignment_changed.connect
def _tell_deadline_moved(
    assignment_id: int, *, fields: Sequence[str] = (), actor_id: int | None = None, **_: object
) -> None:
    task = db.session.get(Assignment, assignment_id)
    if task is None or "current_deadline" not in fields:
        return
    _tell_task(
        task,
        "deadline_moved",
        "完成时限已调整",
        [f"新的完成时限：{task.current_deadline:%Y-%m-%d}"],
        actor_id,
        _version_key("deadline", task),
    )


@signals.extension_decided.connect
def _tell_extension_decided(
    assignment_id: int, *, request_id: int, granted: bool, actor_id: int | None = None, **_: object
) -> None:
    task = db.session.get(Assignment, assignment_id)
    request = db.session.get(ExtensionRequest, request_id)
    if task is None or request is None:
        return
    note = f"审核意见：{single_line(request.decision_note)}" if request.decision_note else ""
    if granted:
        kind, title = "extension_approved", "延期申请已同意"
        lines = [f"新的完成时限：{task.current_deadline:%Y-%m-%d}", note]
    else:
        kind, title = "extension_rejected", "延期申请未获同意，请按原时限办理"
        lines = [f"完成时限仍为：{task.current_deadline:%Y-%m-%d}", note]
    _tell_task(task, kind, title, lines, actor_id, f"{kind}:{request.id}")


@signals.completion_submitted.connect
def _tell_completion(assignment_id: int, *, actor_id: int | None = None, **_: object) -> None:
    task = db.session.get(Assignment, assignment_id)
    if task is not None:
        results = f"办理结果：{single_line(task.results)[:200]}" if task.results else ""
        _tell_task(
            task,
            "completion_submitted",
            f"{_unit_name(task.body)}提交办结，待审核",
            [results],
            actor_id,
            _version_key("completion", task),
        )


@signals.extension_requested.connect
def _tell_extension_requested(
    assignment_id: int, *, request_id: int, actor_id: int | None = None, **_: object
) -> None:
    task = db.session.get(Assignment, assignment_id)
    request = db.session.get(ExtensionRequest, request_id)
    if task is None or request is None:
        return
    _tell_task(
        task,
        "extension_requested",
        f"{_unit_name(task.body)}申请延期，待审核",
        [
            f"申请延至：{request.requested_date:%Y-%m-%d}（原时限 {request.deadline_at_request:%Y-%m-%d}）",
            f"理由：{single_line(request.reason)[:200]}",
        ],
        actor_id,
        f"extension_requested:{request.id}",
    )


# --- plans ----------------------------------------------------------------------------------


def _tell_plan(
    plan: AnnualPlan, kind: str, title: str, lines: Sequence[str], actor_id: int | None, key: str
) -> None:
    directory = _directory(plan.mechanism_id)
    _tell(
        [
            _notice(
                kind,
                key,
                _resolve(directory, kind, plan=plan),
                title=f"《{single_line(plan.title)}》{title}",
                object_key=f"plan:{plan.id}",
                lines=tuple(line for line in lines if line),
                mechanism_id=plan.mechanism_id,
            )
        ],
        actor_id,
    )


def _plan_figures(plan: AnnualPlan) -> str:
    items, tasks, units = db.session.execute(
        select(
            func.count(func.distinct(PlanItem.id)),
            func.count(ItemUnit.id),
            func.count(func.distinct(ItemUnit.body_id)),
        )
        .select_from(PlanItem)
        .outerjoin(ItemUnit, ItemUnit.item_id == PlanItem.id)
        .where(PlanItem.plan_id == plan.id)
    ).one()
    return f"共 {items} 个事项、{tasks} 项任务，涉及 {units} 家成员单位"


@signals.plan_consultation_started.connect
def _tell_consultation(plan_id: int, *, actor_id: int | None = None, **_: object) -> None:
    plan = db.session.get(AnnualPlan, plan_id)
    if plan is not None:
        _tell_plan(
            plan,
            "plan_consultation",
            "征求意见，请对涉及本单位的事项提出意见",
            [_plan_figures(plan)],
            actor_id,
            f"consultation:{plan.id}:{plan.version}",
        )


@signals.plan_commented.connect
def _tell_comment(plan_id: int, *, comment_id: int, actor_id: int | None = None, **_: object) -> None:
    plan = db.session.get(AnnualPlan, plan_id)
    comment = db.session.get(ItemComment, comment_id)
    if plan is None or comment is None:
        return
    author = db.session.get(User, comment.author_id)
    who = _unit_name(comment.body) if comment.body else (author.name if author else "")
    _tell_plan(
        plan,
        "plan_comment",
        f"收到{who}的意见",
        [f"事项：{single_line(comment.item.title)}", f"意见：{single_line(comment.text)[:200]}"],
        actor_id,
        f"comment:{comment.id}",
    )


@signals.plan_adopted.connect
def _tell_adopted(plan_id: int, *, actor_id: int | None = None, **_: object) -> None:
    plan = db.session.get(AnnualPlan, plan_id)
    if plan is not None:
        _tell_plan(
            plan,
            "plan_adopted",
            "已经联席会议审议通过",
            [_plan_figures(plan)],
            actor_id,
            f"adopted:{plan.id}",
        )


@signals.plan_issued.connect
def _tell_issued(plan_id: int, *, actor_id: int | None = None, **_: object) -> None:
    plan = db.session.get(AnnualPlan, plan_id)
    if plan is not None:
        number = f"文号：{plan.document_number}" if plan.document_number else ""
        _tell_plan(
            plan,
            "plan_issued",
            "已印发，任务已分派至各成员单位",
            [_plan_figures(plan), number],
            actor_id,
            f"issued:{plan.id}",
        )


# --- meetings and visits --------------------------------------------------------------------

EVENT_TEXT = {
    "meeting_scheduled": "联席会议通知",
    "meeting_changed": "联席会议安排有变",
    "meeting_cancelled": "联席会议已取消",
    "minutes_published": "联席会议纪要已印发",
    "visit_confirmed": "互访安排已确定",
    "visit_changed": "互访安排有变",
    "visit_cancelled": "互访已取消",
}


def _tell_event(kind: str, event: Meeting | Visit, actor_id: int | None) -> None:
    if kind.endswith("changed") and not event.is_announced:
        return  # a draft's changes are the organisers' business: attendees hear once it is announced
    directory = _directory(event.mechanism_id)
    if isinstance(event, Meeting):
        told = _resolve(directory, kind, meeting_id=event.id)
        when = f"{to_local(event.starts_at):%Y-%m-%d %H:%M}"
        place = f"地点：{single_line(event.venue)}" if event.venue else ""
    else:
        told = _resolve(directory, kind, visit_id=event.id)
        when, place = f"{event.starts_on:%Y-%m-%d} 至 {event.ends_on:%Y-%m-%d}", ""
    if kind.endswith("cancelled") and event.cancel_reason:
        place = f"取消原因：{single_line(event.cancel_reason)}"
    _tell(
        [
            _notice(
                kind,
                f"{kind}:{event.id}:{event.version}",
                told,
                title=f"{EVENT_TEXT[kind]}：{single_line(event.title)}",
                object_key=f"{'meeting' if isinstance(event, Meeting) else 'visit'}:{event.id}",
                lines=tuple(line for line in (f"时间：{when}", place) if line),
                mechanism_id=event.mechanism_id,
            )
        ],
        actor_id,
    )


def _event_receiver(kind: str, model: type[Meeting] | type[Visit]) -> Callable[..., None]:
    def receive(event_id: int, *, actor_id: int | None = None, **_: object) -> None:
        event = cast("Meeting | Visit | None", db.session.get(model, event_id))
        if event is not None:
            _tell_event(kind, event, actor_id)

    return receive


# Held in this list: blinker keeps weak references to receivers.
_RECEIVERS = [
    (signals.meeting_scheduled, _event_receiver("meeting_scheduled", Meeting)),
    (signals.meeting_changed, _event_receiver("meeting_changed", Meeting)),
    (signals.meeting_cancelled, _event_receiver("meeting_cancelled", Meeting)),
    (signals.minutes_published, _event_receiver("minutes_published", Meeting)),
    (signals.visit_confirmed, _event_receiver("visit_confirmed", Visit)),
    (signals.visit_changed, _event_receiver("visit_changed", Visit)),
    (signals.visit_cancelled, _event_receiver("visit_cancelled", Visit)),
]
for _signal, _receiver in _RECEIVERS:
    _signal.connect(_receiver)

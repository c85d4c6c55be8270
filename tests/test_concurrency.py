"""Two identical requests at the same moment do the work once. Each race runs the real operation
through the views' `attempt` in two threads, each with its own request context and database
connection: both read the rows first (as two open pages would), then a barrier lets them act at
once. Exactly one wins; the other is told in Chinese that someone else changed the record — on
PostgreSQL and on SQLite (WAL), never "database is locked" and never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, get_flashed_messages
from sqlalchemy import func, select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.audit.models import AuditEvent
from coordination.auth.models import User
from coordination.extensions import db
from coordination.meetings import operations as meetings
from coordination.meetings import plan_agenda
from coordination.meetings.models import Decision, Meeting
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan
from coordination.reminders.models import Reminder
from coordination.submissions import AlreadySubmitted, FormSubmission, claim_key, new_key
from coordination.views_util import attempt
from coordination.visits import operations as visits
from coordination.visits.models import Visit, VisitOutcome
from tests import factories as f

CONFLICT_ZH = "您打开此页面后，其他人修改了此记录"


def race(
    app: Flask, prepare: Callable[[], Callable[[], Any]], runners: int = 2
) -> list[tuple[bool, list[str]]]:
    """Runs `prepare` (reads the rows, returns the action) in each thread, then the actions at
    once; gives each thread's (succeeded, flashed messages)."""
    barrier = threading.Barrier(runners, timeout=30)
    results: list[Any] = [None] * runners

    def run(index: int) -> None:
        with app.test_request_context("/"):
            try:
                action = prepare()
                barrier.wait()
                done = attempt(action) is not None
                results[index] = (done, [m for _, m in get_flashed_messages(with_categories=True)])
            except Exception as error:  # noqa: BLE001 - reported below, the test must see it
                results[index] = error
            finally:
                db.session.remove()

    db.session.commit()  # the test's own session holds no lock while the threads run
    threads = [threading.Thread(target=run, args=(i,)) for i in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()  # see what the threads committed
    for result in results:
        assert not isinstance(result, BaseException), repr(result)
    return results


def one_winner(results: list[tuple[bool, list[str]]]) -> None:
    assert sorted(done for done, _ in results) == [False, True], results
    loser = next(messages for done, messages in results if not done)
    assert len(loser) == 1 and CONFLICT_ZH in loser[0], loser


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_issuing_a_plan_twice_at_once_creates_its_tasks_once(app):
    plan = f.draft_plan(items=2)
    meeting = f.meeting(-3)
    lead = f.user("lead.sh")
    plan_agenda.submit_to_meeting(plan, meeting, lead)
    f.hold(meeting)
    plans.adopt(plan, lead)
    expected = len(plans.preview_issue(plan))
    plan_id, lead_id = plan.id, lead.id

    def prepare() -> Callable[[], Any]:
        mine = db.session.get(AnnualPlan, plan_id)
        actor = db.session.get(User, lead_id)
        assert mine.state == "adopted" and mine.items and all(i.units for i in mine.items)
        return lambda: plans.issue(mine, actor, "沪合作办〔2026〕1号")

    one_winner(race(app, prepare))
    assert count(Assignment) == expected == 5
    assert count(AuditEvent, AuditEvent.action == "plan.issue") == 1
    assert db.session.get(AnnualPlan, plan_id).state == "issued"


def _held_meeting_with_decision() -> tuple[Meeting, Decision]:
    meeting = f.hold(f.meeting(-2))
    decision = meetings.add_decision(
        meeting,
        f.user("secretary.dl"),
        text="共同筹办招商活动",
        deadline=f.later(60),
        body_ids=[f.body("上海市商务委员会").id, f.body("大连市商务局").id],
    )
    db.session.commit()
    return meeting, decision


def test_turning_a_decision_into_tasks_twice_at_once_gives_each_unit_one_task(app):
    meeting, decision = _held_meeting_with_decision()
    ids = (meeting.id, decision.id, f.user("secretary.dl").id)

    def prepare() -> Callable[[], Any]:
        mine, made = db.session.get(Meeting, ids[0]), db.session.get(Decision, ids[1])
        actor = db.session.get(User, ids[2])
        assert made.assigned_at is None and mine.state == "held"
        return lambda: meetings.assign_decision(mine, actor, made)

    one_winner(race(app, prepare))
    made = db.session.scalars(select(Assignment).where(Assignment.decision_id == decision.id)).all()
    assert sorted(a.body.name_zh for a in made) == ["上海市商务委员会", "大连市商务局"]
    reminders = db.session.scalars(select(Reminder).where(Reminder.assignment_id.in_([a.id for a in made])))
    keys = [r.dedupe_key for r in reminders]
    assert keys and len(keys) == len(set(keys))
    assert count(AuditEvent, AuditEvent.action == "assignment.create") == 2


def _confirmed_visit_with_outcome() -> tuple[Visit, VisitOutcome]:
    secretary = f.user("secretary.sh")
    parties = {p.code: p.id for p in f.mechanism().parties}
    visit = visits.create_visit(
        f.mechanism(),
        secretary,
        visits.VisitData("考察", parties["sh"], parties["dl"], f.later(3), f.later(4), "王明远"),
    )
    visits.add_member(visit, secretary, user=f.user("leader.sh"), role="chair")
    day = f.later(3)
    visits.add_itinerary_item(
        visit,
        secretary,
        kind="meeting",
        title="座谈",
        starts_local=datetime(day.year, day.month, day.day, 9),
        ends_local=datetime(day.year, day.month, day.day, 11),
        place="大连",
    )
    visits.confirm(visit, secretary)
    outcome = visits.add_outcome(
        visit,
        secretary,
        kind="agreement",
        text="签署港航合作协议",
        deadline=f.later(120),
        body_ids=[f.body("大连港口与口岸局").id],
    )
    db.session.commit()
    return visit, outcome


def test_turning_a_visit_outcome_into_tasks_twice_at_once_gives_one_task(app):
    visit, outcome = _confirmed_visit_with_outcome()
    ids = (visit.id, outcome.id, f.user("secretary.sh").id)

    def prepare() -> Callable[[], Any]:
        mine, made = db.session.get(Visit, ids[0]), db.session.get(VisitOutcome, ids[1])
        actor = db.session.get(User, ids[2])
        assert made.assigned_at is None
        return lambda: visits.assign_outcome(mine, actor, made)

    one_winner(race(app, prepare))
    assert count(Assignment, Assignment.visit_outcome_id == outcome.id) == 1


def _acknowledged_port_task() -> Assignment:
    f.issued_plan()
    task = db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))
    tasks.acknowledge(task, f.user("liaison.dl.port"))
    db.session.commit()
    return task


def test_two_extension_requests_at_once_leave_one_pending_request(app):
    task = _acknowledged_port_task()
    ids = (task.id, f.user("liaison.dl.port").id)

    def prepare() -> Callable[[], Any]:
        mine = db.session.get(Assignment, ids[0])
        actor = db.session.get(User, ids[1])
        assert mine.extensions == []  # both pages were opened with no request waiting
        return lambda: tasks.request_extension(
            mine,
            actor,
            reason="审批周期长",
            requested_date=mine.current_deadline + timedelta(days=30),
            expected_version=mine.version,
        )

    one_winner(race(app, prepare))
    pending = db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.assignment_id == task.id)
    ).all()
    assert [e.state for e in pending] == ["pending"]
    # …and that one request can be decided.
    tasks.decide_extension(pending[0], f.user("lead.dl"), approve=True, note="同意")
    db.session.commit()
    assert db.session.get(Assignment, task.id).current_deadline == pending[0].requested_date


def test_one_time_key_claimed_twice_at_once_is_claimed_once(app):
    key = new_key()
    outcomes: list[str] = []
    barrier = threading.Barrier(2, timeout=30)

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait()
                claim_key(key, None)
                db.session.commit()
                outcomes.append("claimed")
            except AlreadySubmitted:
                db.session.rollback()
                outcomes.append("second")
            finally:
                db.session.remove()

    db.session.commit()
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()
    assert sorted(outcomes) == ["claimed", "second"]
    assert count(FormSubmission, FormSubmission.key == key) == 1

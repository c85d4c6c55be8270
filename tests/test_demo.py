"""The demo year (`flask seed --demo`) has the shape of a real one, counted straight from the
tables, and nothing in it is recorded before it happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from blinker import NamedSignal
from flask import Flask
from sqlalchemy import distinct, func, select

from coordination import seed, signals
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.audit.models import AuditEvent
from coordination.auth.models import Role, User
from coordination.extensions import db
from coordination.meetings.models import AgendaItem, Decision, Meeting
from coordination.organizations.models import Body, Party
from coordination.plans.models import AnnualPlan, ItemUnit, PlanItem
from coordination.seed.demo import demo_year
from coordination.timeutil import LOCAL_TZ, frozen_at, to_local
from coordination.visits.models import Visit, VisitOutcome
from tests.conftest import _empty_tables, _per_test_config, make_app

# The day the issue asks for the demo: December, this year's plan nearly done, next year's drafted.
DECEMBER = datetime(2026, 12, 1, 20, 0)


def _seed_demo(app, at: datetime) -> str:
    with frozen_at(at):
        result = app.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _utc(local: datetime) -> datetime:
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def _plan(year: int) -> AnnualPlan:
    return db.session.scalar(select(AnnualPlan).where(AnnualPlan.year == year))


def _tasks_of_year(year: int):
    """Plan tasks of the year's plan, and tasks from that year's meeting decisions and visit outcomes."""
    plan_tasks = select(Assignment.id).join(PlanItem).join(AnnualPlan).where(AnnualPlan.year == year)
    decision_tasks = (
        select(Assignment.id)
        .join(Decision, Assignment.decision_id == Decision.id)
        .join(Meeting)
        .where(func.extract("year", Meeting.starts_at) == year)
    )
    visit_tasks = (
        select(Assignment.id)
        .join(VisitOutcome, Assignment.visit_outcome_id == VisitOutcome.id)
        .join(Visit)
        .where(func.extract("year", Visit.starts_on) == year)
    )
    return Assignment.id.in_(plan_tasks.union(decision_tasks, visit_tasks).scalar_subquery())


@pytest.fixture(scope="module")
def december(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Loaded once for the module (the replay takes a while); the tests only read it."""
    app = make_app(database_url, **_per_test_config(tmp_path_factory.mktemp("demo")))
    sent: set[str] = set()

    receivers = []
    for signal in signals.every_signal().values():

        def receiver(sender: object, _signal: NamedSignal = signal, **payload: object) -> None:
            sent.add(_signal.name)

        signal.connect(receiver)
        receivers.append((signal, receiver))
    with app.app_context():
        _empty_tables()
        seed.load_mechanism()
        seed.load_demo_users()
        db.session.commit()
        assert "demo plans: 3" in _seed_demo(app, DECEMBER)
        for signal, receiver in receivers:
            signal.disconnect(receiver)
        app.extensions["domain_events_sent"] = sent
        yield app
        db.session.remove()


def test_this_years_plan_is_the_size_of_a_real_one(december):
    plan = _plan(2026)
    assert plan.state == "issued"
    items = db.session.scalar(select(func.count()).select_from(PlanItem).where(PlanItem.plan_id == plan.id))
    key_tasks = db.session.scalar(
        select(func.count(distinct(PlanItem.key_task_id))).where(PlanItem.plan_id == plan.id)
    )
    assert items >= 40 and key_tasks >= 20
    # Every item has a lead unit on each side (上海方牵头单位 and 大连方牵头单位).
    leads = db.session.execute(
        select(ItemUnit.item_id, func.count(distinct(Body.party_id)))
        .join(Body, ItemUnit.body_id == Body.id)
        .join(PlanItem, ItemUnit.item_id == PlanItem.id)
        .where(PlanItem.plan_id == plan.id, ItemUnit.role == "lead")
        .group_by(ItemUnit.item_id)
    ).all()
    assert len(leads) == items and all(parties == 2 for _, parties in leads)
    units = db.session.scalar(select(func.count(distinct(Assignment.body_id))).where(_tasks_of_year(2026)))
    assert units >= 30


def test_tasks_are_in_every_state_with_late_returned_extended_and_cancelled_ones(december):
    states = Counter(db.session.scalars(select(Assignment.state).where(_tasks_of_year(2026))))
    assert set(states) == {
        "assigned",
        "acknowledged",
        "in_progress",
        "submitted",
        "closed",
        "returned",
        "cancelled",
    }, states
    closed = db.session.execute(
        select(Assignment.closed_at, Assignment.original_deadline).where(
            _tasks_of_year(2026), Assignment.state == "closed"
        )
    ).all()
    assert any(to_local(at).date() > deadline for at, deadline in closed), "some task closed late"
    assert any(to_local(at).date() <= deadline for at, deadline in closed)
    extensions = Counter(
        db.session.scalars(select(ExtensionRequest.state).join(Assignment).where(_tasks_of_year(2026)))
    )
    assert extensions["approved"] >= 1 and extensions["pending"] >= 1 and extensions["rejected"] >= 1
    moved = db.session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(_tasks_of_year(2026), Assignment.current_deadline > Assignment.original_deadline)
    )
    assert moved >= 1, "an approved extension moves the current deadline, never the original"


def test_the_joint_meeting_was_held_minuted_and_its_decisions_became_tasks(december):
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "2026年沪连对口合作联席会议"))
    assert meeting.state == "minutes_published"
    outcomes = db.session.scalars(select(AgendaItem.outcome).where(AgendaItem.meeting_id == meeting.id)).all()
    assert len(outcomes) >= 3 and all(outcomes)
    decisions = db.session.scalars(select(Decision).where(Decision.meeting_id == meeting.id)).all()
    assert len(decisions) >= 2 and all(d.assigned_at for d in decisions)
    for decision in decisions:
        made = db.session.scalar(
            select(func.count()).select_from(Assignment).where(Assignment.decision_id == decision.id)
        )
        assert made == len(decision.body_ids)
    # Adopted at that meeting, on its day, before it was issued.
    plan = _plan(2026)
    assert plan.meeting_id == meeting.id
    assert meeting.starts_at <= plan.adopted_at < plan.issued_at


def test_two_visits_were_completed_and_their_outcomes_became_tasks(december):
    completed = db.session.scalars(
        select(Visit).where(Visit.state == "completed", func.extract("year", Visit.starts_on) == 2026)
    ).all()
    assert len(completed) == 2
    for visit in completed:
        outcomes = db.session.scalars(select(VisitOutcome).where(VisitOutcome.visit_id == visit.id)).all()
        assert outcomes and all(o.assigned_at for o in outcomes)
        made = db.session.scalar(
            select(func.count())
            .select_from(Assignment)
            .join(VisitOutcome, Assignment.visit_outcome_id == VisitOutcome.id)
            .where(VisitOutcome.visit_id == visit.id)
        )
        assert made == sum(len(o.body_ids) for o in outcomes)
    upcoming = db.session.scalar(select(Visit).where(Visit.state == "confirmed"))
    assert upcoming is not None and upcoming.starts_on > DECEMBER.date()


def test_last_year_is_closed_and_next_year_in_consultation(december):
    last = _plan(2025)
    assert last.state == "closed"
    states = set(
        db.session.scalars(select(Assignment.state).join(PlanItem).where(PlanItem.plan_id == last.id))
    )
    assert states <= {"closed", "cancelled"} and "closed" in states
    following = _plan(2027)
    assert following.state == "consultation"
    assert db.session.scalar(
        select(func.count())
        .select_from(PlanItem)
        .where(PlanItem.plan_id == following.id, PlanItem.deadline_workdays.is_not(None))
    )


def test_nothing_is_recorded_after_the_moment_it_is_seeded(december):
    now = _utc(DECEMBER)
    replayed = AuditEvent.action.not_like("seed.%")  # the fixture seeds accounts at the real time
    assert db.session.scalar(select(func.max(AuditEvent.at)).where(replayed)) <= now
    for column in (Assignment.acknowledged_at, Assignment.submitted_at, Assignment.closed_at):
        assert (db.session.scalar(select(func.max(column))) or now) <= now
    # A meeting is recorded as held only once it has started; a visit completed from its last day.
    held = db.session.execute(
        select(Meeting.starts_at, func.min(AuditEvent.at))
        .join(AuditEvent, (AuditEvent.object_id == Meeting.id) & (AuditEvent.object_type == "meetings"))
        .where(AuditEvent.action == "meeting.hold")
        .group_by(Meeting.id)
    ).all()
    assert len(held) == 2 and all(starts <= at for starts, at in held)
    completed = db.session.execute(
        select(Visit.ends_on, AuditEvent.at)
        .join(AuditEvent, (AuditEvent.object_id == Visit.id) & (AuditEvent.object_type == "visits"))
        .where(AuditEvent.action == "visit.complete")
    ).all()
    assert len(completed) == 2 and all(to_local(at).date() >= ends for ends, at in completed)


def test_the_demo_accounts_sign_in_and_every_unit_with_tasks_has_a_liaison(december):
    for username in ("leader.sh", "lead.dl", "liaison.dl.port", "liaison.sh.commerce", "liaison.dl.hr"):
        client = december.test_client()
        response = client.post("/login", data={"username": username, "password": "demo-pass-2026"})
        assert response.status_code == 302, username
    with_tasks = set(db.session.scalars(select(distinct(Assignment.body_id))))
    liaisons = {
        m.body_id for u in db.session.scalars(select(User)) if u.has_role(Role.LIAISON) for m in u.memberships
    }
    assert with_tasks <= liaisons


def test_a_second_run_adds_nothing(december):
    counts = {
        model: db.session.scalar(select(func.count()).select_from(model))
        for model in (AnnualPlan, Assignment, AuditEvent, User, Body, Party)
    }
    assert "nothing" in _seed_demo(december, DECEMBER)
    assert {model: db.session.scalar(select(func.count()).select_from(model)) for model in counts} == counts


@pytest.mark.parametrize(
    ("today", "year"),
    [
        (date(2026, 12, 1), 2026),
        (date(2026, 4, 1), 2026),
        (date(2027, 2, 15), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_before_april_the_demo_replays_the_year_whose_plan_has_run(today, year):
    assert demo_year(today) == year


# Sent where the demo year has no occasion: tests/test_domain_events.py drives each of them, and
# tests/test_work_calendar.py the calendar's.
NOT_IN_THE_DEMO = {
    "plan-amended",
    "plan-report-cadence-changed",
    "plan-returned-to-draft",
    "assignment-started",
    "assignment-changed",
    "meeting-cancelled",
    "visit-cancelled",
    "calendar-changed",
    "extension-withdrawn",
    "reference-changed",
}


def test_the_year_replayed_through_the_operations_sends_the_domain_events(december):
    """The demo replays a year through the real operations: every step a user takes in it sends
    its domain event, which the reminders, invitations and (next) notifications follow."""
    sent = december.extensions["domain_events_sent"]
    assert set(signals.every_signal()) - sent == NOT_IN_THE_DEMO

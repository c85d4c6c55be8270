"""The domain events the demo year has no occasion for (tests/test_demo.py checks the rest):
each is sent by its operation with the ids its declaration promises, and what follows it
(the agenda, the reminders) follows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from blinker import NamedSignal
from sqlalchemy import func, select

from coordination import signals
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.meetings import operations as meetings
from coordination.meetings import plan_agenda
from coordination.meetings.models import AgendaItem
from coordination.organizations.models import Party
from coordination.plans import operations as plans
from coordination.reminders.models import Reminder
from coordination.visits import operations as visits
from tests import factories as f

Sent = list[tuple[str, object, dict[str, object]]]


@contextmanager
def recording(*watched: NamedSignal) -> Iterator[Sent]:
    sent: Sent = []
    receivers = []
    for signal in watched:

        def receiver(sender: object, _name: str = signal.name, **payload: object) -> None:
            sent.append((_name, sender, payload))

        signal.connect(receiver)
        receivers.append((signal, receiver))
    try:
        yield sent
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)


def test_an_amended_deadline_is_sent_for_the_plan_and_for_its_tasks_whose_reminders_move(app):
    plan = f.issued_plan()
    item = plan.items[0]
    lead = f.user("lead.sh")
    task = db.session.scalars(select(Assignment).where(Assignment.plan_item_id == item.id)).first()
    on_the_day = select(Reminder.due_at).where(
        Reminder.assignment_id == task.id, Reminder.kind == "on_the_day", Reminder.status == "pending"
    )
    before = db.session.scalar(on_the_day)
    new_deadline = item.deadline + timedelta(days=30)
    with recording(signals.plan_amended, signals.assignment_changed) as sent:
        plans.update_item(
            item,
            f.item_data(deadline=new_deadline),
            lead,
            expected_version=item.version,
            amendment_reason="工作安排调整",
        )
        db.session.commit()
    assert ("plan-amended", plan.id) in [(name, sender) for name, sender, _ in sent]
    amended = next(payload for name, _, payload in sent if name == "plan-amended")
    assert amended["item_id"] == item.id and amended["change"] == "changed"
    assert amended["reason"] == "工作安排调整" and amended["actor_id"] == lead.id
    changed = {sender for name, sender, _ in sent if name == "assignment-changed"}
    assert task.id in changed
    assert task.current_deadline == new_deadline
    after = db.session.scalar(on_the_day)
    assert after - before >= timedelta(days=28)  # the reminders followed the new deadline


def test_a_new_report_cadence_is_sent_and_the_report_reminders_follow(app):
    plan = f.issued_plan()
    lead = f.user("lead.sh")
    count = (
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.kind.like("report%"), Reminder.status == "pending")
    )
    with recording(signals.plan_report_cadence_changed) as sent:
        plans.set_report_cadence(plan, lead, "none")
        db.session.commit()
    assert sent == [("plan-report-cadence-changed", plan.id, {"actor_id": lead.id, "cadence": "none"})]
    assert db.session.scalar(count) == 0


def test_a_plan_back_in_draft_leaves_the_agenda_of_the_meeting_it_was_on(app):
    plan = f.draft_plan()
    meeting = f.meeting(20)
    lead = f.user("lead.sh")
    plan_agenda.submit_to_meeting(plan, meeting, lead)
    db.session.commit()
    on_agenda = select(func.count()).select_from(AgendaItem).where(AgendaItem.plan_id == plan.id)
    assert db.session.scalar(on_agenda) == 1
    with recording(signals.plan_returned_to_draft) as sent:
        plans.return_to_draft(plan, lead)
        db.session.commit()
    assert sent == [("plan-returned-to-draft", plan.id, {"actor_id": lead.id, "meeting_id": meeting.id})]
    assert plan.state == "draft" and plan.meeting_id is None
    assert db.session.scalar(on_agenda) == 0


def test_starting_a_task_is_sent(app):
    plan = f.issued_plan()
    port = f.body("大连港口与口岸局")
    task = db.session.scalar(
        select(Assignment).where(Assignment.plan_item_id == plan.items[0].id, Assignment.body_id == port.id)
    )
    liaison = f.user("liaison.dl.port")
    tasks.acknowledge(task, liaison)
    with recording(signals.assignment_started) as sent:
        tasks.start(task, liaison)
        db.session.commit()
    assert sent == [("assignment-started", task.id, {"actor_id": liaison.id})]


def test_cancelling_a_meeting_or_a_visit_is_sent_with_the_reason_and_their_reminders_go(app):
    secretary = f.user("secretary.dl")
    meeting = f.meeting(20)
    with recording(signals.meeting_cancelled) as sent:
        meetings.cancel(meeting, secretary, "会期调整")
        db.session.commit()
    assert sent == [("meeting-cancelled", meeting.id, {"actor_id": secretary.id, "reason": "会期调整"})]
    shanghai, dalian = (db.session.scalar(select(Party).where(Party.code == c)) for c in ("sh", "dl"))
    visit = visits.create_visit(
        f.mechanism(),
        secretary,
        visits.VisitData(
            title="上海市代表团赴大连考察",
            visiting_party_id=shanghai.id,
            host_party_id=dalian.id,
            starts_on=f.later(30),
            ends_on=f.later(32),
            leader_name="王主任",
        ),
    )
    db.session.commit()
    with recording(signals.visit_cancelled) as sent:
        visits.cancel(visit, secretary, "行程调整")
        db.session.commit()
    assert sent == [("visit-cancelled", visit.id, {"actor_id": secretary.id, "reason": "行程调整"})]
    pending = (
        select(func.count())
        .select_from(Reminder)
        .where(
            Reminder.status == "pending",
            (Reminder.meeting_id == meeting.id) | (Reminder.visit_id == visit.id),
        )
    )
    assert db.session.scalar(pending) == 0

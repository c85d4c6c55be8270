"""Reminders kept in step with tasks and meetings, delivered on working mornings by a real
worker to a real SMTP server, with digests, notifications, retries and escalation notices."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from coordination import jobs
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.reminders import delivery, urging
from coordination.reminders.models import Reminder
from coordination.timeutil import frozen_at, local_today
from tests import factories as f
from workflows.reminders import send_time
from workflows.workdays import add_workdays


def _port_task() -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))


def _pending(assignment_id=None):
    query = select(Reminder).where(Reminder.status == "pending")
    if assignment_id:
        query = query.where(Reminder.assignment_id == assignment_id)
    return db.session.scalars(query).all()


def test_issuing_a_plan_schedules_reminders_for_the_units_liaisons(app):
    f.issued_plan()
    task = _port_task()
    rows = _pending(task.id)
    assert {r.user.username for r in rows if r.audience == "unit"} == {"liaison.dl.port"}
    kinds = {r.kind for r in rows if r.audience == "unit"}
    assert {"before_7", "before_3", "before_1", "on_the_day", "urge_1"} <= kinds
    # Urgings are written one at a time: urge_2 only once urge_1 has been delivered.
    assert not {k for k in kinds if k.startswith("urge_")} - {"urge_1"}
    for row in rows:  # always 09:00 on a working morning, Beijing time
        local = row.due_at + timedelta(hours=8)
        assert local.time().hour == 9 and send_time(local.date()) == local
    # Escalations reach the lead department and the leading group of Dalian.
    escalated = {r.user.username for r in rows if r.kind in ("escalation_2", "escalation_3")}
    assert escalated == {"lead.dl", "leader.dl"}


def test_reminders_follow_extensions_and_closure(app):
    f.issued_plan()
    task = _port_task()
    liaison = f.user("liaison.dl.port")
    tasks.acknowledge(task, liaison)
    old_keys = {r.dedupe_key for r in _pending(task.id)}
    new_deadline = task.current_deadline + timedelta(days=30)
    request = tasks.request_extension(task, liaison, reason="审批", requested_date=new_deadline)
    tasks.decide_extension(request, f.user("lead.dl"), approve=True)
    db.session.commit()
    pending = _pending(task.id)
    assert pending and all(new_deadline.isoformat() in r.dedupe_key or "report" in r.kind for r in pending)
    cancelled = db.session.scalars(select(Reminder).where(Reminder.status == "cancelled")).all()
    assert {r.dedupe_key for r in cancelled} == {k for k in old_keys if "report" not in k}
    tasks.report_progress(task, liaison, text="进展", percent=90)
    tasks.submit_completion(task, liaison, results="完成")
    db.session.commit()
    assert _pending(task.id) == []  # waiting for verification: nothing more to remind the unit of
    tasks.return_for_rework(task, f.user("lead.dl"), reason="补充材料")
    db.session.commit()
    assert _pending(task.id)  # open again, reminders again


def test_meeting_reminders_move_with_the_meeting_and_go_with_its_cancellation(client, login, app):
    from tests.test_meetings import _meeting_form, _when

    login("secretary.dl")
    client.post("/meetings/new", data=_meeting_form())
    from coordination.meetings.models import Meeting

    meeting = db.session.scalar(select(Meeting))
    client.post(
        f"/meetings/{meeting.id}/attendees", data={"user_id": f.user("leader.dl").id, "role": "chair"}
    )
    client.post(f"/meetings/{meeting.id}/schedule")
    first = {
        r.dedupe_key for r in db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id))
    }
    assert any("event_before_7" in k for k in first) and any("event_chase" in k for k in first)
    meeting = db.session.get(Meeting, meeting.id)
    client.post(
        f"/meetings/{meeting.id}/edit",
        data=_meeting_form(
            starts_at=_when(days=40), ends_at=_when(days=40, hour=11), version=meeting.version
        ),
    )
    rows = db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id)).all()
    assert {r.dedupe_key for r in rows if r.status == "cancelled"} == first
    assert {r.status for r in rows if r.dedupe_key not in first} == {"pending"}
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "取消"})
    assert {
        r.status for r in db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id))
    } == {"cancelled"}


def _make_due(at: datetime) -> None:
    db.session.execute(
        update(Reminder).where(Reminder.status == "pending").values(due_at=at - timedelta(hours=8))
    )
    db.session.commit()


def _working_morning() -> datetime:
    day = local_today() + timedelta(days=1)
    return send_time(day) + timedelta(minutes=5)


def test_delivery_sends_one_digest_and_fills_the_bell(client, login, app, smtp, run_jobs):
    f.issued_plan(items=3)
    morning = _working_morning()
    with frozen_at(morning):
        due = select(Reminder).where(
            Reminder.user_id == f.user("liaison.sh.commerce").id, Reminder.kind.in_(("before_7", "before_3"))
        )
        keys = {r.dedupe_key for r in db.session.scalars(due)}
        db.session.execute(
            update(Reminder).where(Reminder.dedupe_key.notin_(keys)).values(status="cancelled")
        )
        db.session.execute(
            update(Reminder)
            .where(Reminder.dedupe_key.in_(keys))
            .values(due_at=morning - timedelta(hours=8, minutes=1))
        )
        db.session.commit()
        assert len(keys) >= 2
        assert delivery.sweep() == len(keys)
        run_jobs()
        inbox = smtp.to("liaison.sh.commerce@hulian.example.cn")
        assert len(inbox) == 1  # several things due: one digest
        assert set(inbox[0]["X-Reminder-Keys"].split()) == keys
        text = inbox[0].get_body(("plain",)).get_content()
        assert "个工作日" in text and "http://coordination.test/tasks/" in text
        assert delivery.sweep() == 0
        run_jobs()
        assert len(smtp.messages) == 1  # never twice
    notes = db.session.scalars(
        select(Reminder).where(
            Reminder.user_id == f.user("liaison.sh.commerce").id, Reminder.status == "sent"
        )
    ).all()
    assert len(notes) == len(keys)
    told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == f.user("liaison.sh.commerce").id)
    ).all()
    # The bell: each reminder sent, and the plan's tasks assigned to the unit (one notice).
    assert sorted(told) == ["reminder"] * len(keys) + ["task_assigned"]
    login("liaison.sh.commerce")
    page = client.get("/").get_data(as_text=True)
    assert f">{len(keys) + 1}</span>" in page and 'class="bell-count"' in page
    client.post("/notifications/read")
    assert 'class="bell-count"' not in client.get("/").get_data(as_text=True)


def test_immediate_mode_sends_one_mail_per_reminder(app, smtp, run_jobs):
    f.issued_plan()
    user = f.user("liaison.dl.port")
    user.email_mode = "immediate"
    db.session.commit()
    morning = _working_morning()
    with frozen_at(morning):
        rows = db.session.scalars(
            select(Reminder).where(Reminder.user_id == user.id, Reminder.audience == "unit")
        ).all()[:3]
        db.session.execute(
            update(Reminder).where(Reminder.id.notin_([r.id for r in rows])).values(status="cancelled")
        )
        db.session.execute(
            update(Reminder)
            .where(Reminder.id.in_([r.id for r in rows]))
            .values(due_at=morning - timedelta(hours=9))
        )
        db.session.commit()
        delivery.sweep()
        run_jobs()
    assert len(smtp.messages) == 3


def test_nothing_is_sent_at_night(app, smtp, run_jobs):
    f.issued_plan()
    night = datetime.combine(local_today() + timedelta(days=1), datetime.min.time()) + timedelta(hours=23)
    with frozen_at(night):
        _make_due(night - timedelta(hours=1))
        delivery.sweep()
        run_jobs()
    assert smtp.messages == []
    assert db.session.scalar(select(func.count()).where(Reminder.status == "sent")) == 0


def test_failures_back_off_then_show_up_for_administrators(client, login, app, web_app, run_jobs):
    from tests.conftest import free_port

    f.issued_plan()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens: refused
    morning = _working_morning()
    user = f.user("liaison.dl.port")
    row = db.session.scalars(select(Reminder).where(Reminder.user_id == user.id)).first()
    for attempt in range(1, 7):
        with frozen_at(morning + timedelta(minutes=10 * attempt)):
            row = db.session.get(Reminder, row.id)
            row.due_at = morning - timedelta(hours=9)
            db.session.execute(update(Reminder).where(Reminder.id != row.id).values(status="cancelled"))
            db.session.commit()
            delivery.deliver([user.id])
        row = db.session.get(Reminder, row.id)
        assert (
            row.attempts == attempt and "Connection" in row.last_error or "refused" in row.last_error.lower()
        )
    assert row.status == "failed"
    login("admin")
    page = client.get("/admin/outbox?source=reminder&status=failed").get_data(as_text=True)
    assert row.subject in page and "重发" in page
    client.post(f"/admin/outbox/reminder/{row.id}/retry")
    assert db.session.get(Reminder, row.id).status == "pending"


def test_escalation_notices_show_on_the_task(client, login, app, smtp, run_jobs):
    f.issued_plan()
    task = _port_task()
    morning = _working_morning()
    with frozen_at(morning):
        db.session.execute(
            update(Reminder)
            .where(Reminder.assignment_id == task.id, Reminder.kind == "escalation_2")
            .values(due_at=morning - timedelta(hours=9))
        )
        db.session.execute(update(Reminder).where(Reminder.kind != "escalation_2").values(status="cancelled"))
        db.session.commit()
        delivery.sweep()
        run_jobs()
    login("lead.dl")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "第 2 级督办单" in page


def test_admin_page_says_when_redis_is_away(client, login, web_app):
    web_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    jobs.init_app(web_app)  # the app makes its one Redis client from the setting
    login("admin")
    assert "无法连接" in client.get("/admin/outbox?source=reminder").get_data(as_text=True)


def test_past_reminders_are_not_created_late(app):
    f.issued_plan()
    assert db.session.scalar(select(func.min(Reminder.due_at))) >= datetime.combine(
        local_today(), datetime.min.time()
    ) - timedelta(hours=8)
    assert date.today()  # the plan's items are due in 60 days; only future reminders exist


def test_administrators_change_the_rules_and_reminders_follow(client, login, app, run_jobs):
    f.issued_plan()
    task = _port_task()
    login("admin")
    form = {
        "before": "5，2",
        "on_the_day": "y",
        "urge_every": 2,
        "escalate_unit_head": 3,
        "escalate_lead_department": 6,
        "escalate_leading_group": 9,
        "report_before": 2,
        "report_urge_after": 1,
        "meeting_days_before": "3",
        "organiser_chase_days_before": 2,
    }
    page = client.post("/admin/reminder-policy", data={**form, "escalate_leading_group": 1}).get_data(
        as_text=True
    )
    assert "升级顺序" in page
    page = client.post("/admin/reminder-policy", data={**form, "before": "五天"}).get_data(as_text=True)
    assert "请用逗号分隔数字" in page
    assert client.post("/admin/reminder-policy", data=form).status_code == 302
    run_jobs()  # the resync job
    kinds = {r.kind for r in _pending(task.id) if r.audience == "unit"}
    assert {"before_5", "before_2"} <= kinds and "before_7" not in kinds
    assert f.mechanism().reminder_policy["before"] == [5, 2]


def test_report_cadence_and_unit_heads(client, login, app):
    plan = f.issued_plan()
    task = _port_task()
    monthly = {r.dedupe_key for r in _pending(task.id) if r.kind.startswith("report")}
    login("lead.sh")
    client.post(f"/plans/{plan.id}/cadence", data={"report_cadence": "quarterly"})
    quarterly = {r.dedupe_key for r in _pending(task.id) if r.kind.startswith("report")}
    assert quarterly < monthly or quarterly != monthly
    assert all(key.split(":")[2][5:7] in ("03", "06", "09", "12") for key in quarterly)
    login("admin")
    port = f.body("大连港口与口岸局").id
    user = f.user("liaison.dl.port")
    data = {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "phone": "",
        "roles": ["liaison"],
        "bodies": [port],
        "head_of": [f.body("大连市商务局").id],
        "password": "",
    }
    assert "负责人须同时是该单位成员" in client.post(f"/admin/users/{user.id}/edit", data=data).get_data(
        as_text=True
    )
    client.post(f"/admin/users/{user.id}/edit", data={**data, "head_of": [port]})
    from coordination.reminders.schedule import recipients

    assert [u.username for u in recipients(_port_task(), "unit_head")] == ["liaison.dl.port"]


def test_a_meeting_can_have_its_own_reminder_days(client, login, app):
    from coordination.meetings.models import Meeting
    from tests.test_meetings import _meeting_form

    login("secretary.sh")
    page = client.post("/meetings/new", data=_meeting_form(reminder_days="明天")).get_data(as_text=True)
    assert "请用逗号分隔数字" in page
    client.post("/meetings/new", data=_meeting_form(reminder_days="10，2"))
    meeting = db.session.scalar(select(Meeting))
    assert meeting.reminder_days == [10, 2]
    client.post(
        f"/meetings/{meeting.id}/attendees", data={"user_id": f.user("leader.sh").id, "role": "required"}
    )
    client.post(f"/meetings/{meeting.id}/schedule")
    kinds = {r.kind for r in db.session.scalars(select(Reminder).where(Reminder.meeting_id == meeting.id))}
    assert {"event_before_10", "event_before_2", "event_chase"} == kinds


def test_no_report_reminder_once_the_unit_has_reported_in_the_period(app, smtp, run_jobs):
    f.issued_plan()
    task = _port_task()
    liaison = f.user("liaison.dl.port")
    tasks.acknowledge(task, liaison)
    tasks.report_progress(task, liaison, text="本月进展", percent=20)
    db.session.commit()
    morning = _working_morning()
    with frozen_at(morning):
        first_report = db.session.scalars(
            select(Reminder)
            .where(Reminder.assignment_id == task.id, Reminder.kind.like("report%"))
            .order_by(Reminder.due_at)
        ).first()
        db.session.execute(update(Reminder).where(Reminder.id != first_report.id).values(status="cancelled"))
        db.session.execute(
            update(Reminder).where(Reminder.id == first_report.id).values(due_at=morning - timedelta(hours=9))
        )
        db.session.commit()
        delivery.sweep()
        run_jobs()
    assert smtp.messages == []
    assert db.session.get(Reminder, first_report.id).status == "cancelled"


def _urgings(task: Assignment, user_id: int) -> dict[str, Reminder]:
    rows = db.session.scalars(
        select(Reminder).where(
            Reminder.assignment_id == task.id, Reminder.user_id == user_id, Reminder.kind.like("urge_%")
        )
    )
    return {r.kind: r for r in rows}


def _deliver_on_its_morning(row: Reminder, run_jobs) -> datetime:
    """Freeze the clock five minutes after the row's morning, with only that row due, and run
    the sweep and the worker as production does."""
    morning = row.due_at + timedelta(hours=8, minutes=5)  # Beijing time
    with frozen_at(morning):
        db.session.execute(
            update(Reminder)
            .where(Reminder.status == "pending", Reminder.id != row.id)
            .values(due_at=morning + timedelta(days=400))
        )
        db.session.commit()
        assert delivery.sweep() == 1
        run_jobs()
    return morning


def test_delivering_an_urging_writes_the_next_one_on_its_working_morning(app, smtp, run_jobs):
    f.issued_plan()
    task = _port_task()
    liaison = f.user("liaison.dl.port")
    deadline = task.current_deadline
    first = _urgings(task, liaison.id)
    assert set(first) == {"urge_1"}
    assert first["urge_1"].due_at + timedelta(hours=8) == send_time(add_workdays(deadline, 3))
    _deliver_on_its_morning(first["urge_1"], run_jobs)
    (message,) = smtp.to(liaison.email)
    assert message["X-Reminder-Keys"] == first["urge_1"].dedupe_key
    assert "第 1 次催办" in message.get_body(("plain",)).get_content()
    db.session.expire_all()
    after = _urgings(task, liaison.id)
    assert after["urge_1"].status == "sent"
    # urge_every (3) working days on, at 09:00 Beijing time, keyed by the same deadline.
    assert after["urge_2"].status == "pending"
    assert after["urge_2"].dedupe_key == f"a{task.id}:urge_2:{deadline.isoformat()}:u{liaison.id}"
    assert after["urge_2"].due_at + timedelta(hours=8) == send_time(add_workdays(deadline, 6))
    assert set(after) == {"urge_1", "urge_2"}
    # The next morning's delivery goes on down the ladder.
    _deliver_on_its_morning(after["urge_2"], run_jobs)
    db.session.expire_all()
    assert _urgings(task, liaison.id)["urge_3"].due_at + timedelta(hours=8) == send_time(
        add_workdays(deadline, 9)
    )
    assert len(smtp.to(liaison.email)) == 2


def test_a_task_finished_meanwhile_gets_no_further_urging(app, smtp, run_jobs):
    f.issued_plan()
    task = _port_task()
    liaison = f.user("liaison.dl.port")
    deadline = task.current_deadline
    morning = _deliver_on_its_morning(_urgings(task, liaison.id)["urge_1"], run_jobs)
    db.session.expire_all()
    urge_2 = _urgings(task, liaison.id)["urge_2"]
    with frozen_at(morning + timedelta(hours=2)):  # later that day the unit hands in its results
        tasks.acknowledge(task, liaison)
        tasks.report_progress(task, liaison, text="进展", percent=100)
        tasks.submit_completion(task, liaison, results="完成")
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Reminder, urge_2.id).status == "cancelled"
    with frozen_at(urge_2.due_at + timedelta(hours=8, minutes=5)):
        assert delivery.sweep() == 0
        run_jobs()
    assert set(_urgings(task, liaison.id)) == {"urge_1", "urge_2"}  # no urge_3
    assert _urgings(task, liaison.id)["urge_1"].status == "sent"  # history stays
    assert len(smtp.to(liaison.email)) == 1

    # Between the claim and the send the task may still change: what the worker writes after
    # sending checks the task as it is then.
    def sent(kind: str, stamp: date) -> delivery.Claimed:
        key = f"a{task.id}:{kind}:{stamp.isoformat()}:u{liaison.id}"
        return delivery.Claimed(0, liaison.id, kind, key, task.title, 1, task.id, None, None)

    with frozen_at(urge_2.due_at + timedelta(hours=8, minutes=5)):
        assert urging.write_next([sent("urge_2", deadline)]) == 0  # waiting for verification
        assert urging.write_next([sent("urge_2", deadline - timedelta(days=1))]) == 0  # an old deadline's
        assert urging.write_next([sent("before_1", deadline)]) == 0  # not an urging
        # Returned for rework on urge_2's morning: open and overdue again, so the schedule holds
        # that morning's urging (revived) and the next; a delivery of urge_2 adds nothing to that.
        tasks.return_for_rework(task, f.user("lead.dl"), reason="补充材料")
        db.session.commit()
        assert urging.write_next([sent("urge_2", deadline)]) == 0
        db.session.commit()
    assert {r.kind: r.status for r in _urgings(task, liaison.id).values()} == {
        "urge_1": "sent",
        "urge_2": "pending",
        "urge_3": "pending",
    }
    assert _urgings(task, liaison.id)["urge_3"].due_at + timedelta(hours=8) == send_time(
        add_workdays(deadline, 9)
    )

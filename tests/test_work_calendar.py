"""The working-day calendar the administrators keep: seeded years, a new year entered as the
notice reads or imported, the warning while a year is not entered, and deadlines that follow."""

import html
import json
from datetime import date, datetime
from io import BytesIO

from sqlalchemy import func, select

from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.meetings import plan_agenda
from coordination.plans import operations as plans
from coordination.reminders.models import Reminder
from coordination.timeutil import frozen_at
from coordination.workcalendar import operations as calendar_ops
from coordination.workcalendar.models import CalendarDayRow, CalendarYear
from tests import factories as f
from tests.conftest import messages_in
from workflows.workdays import add_workdays, package_years, parse_notice

UNCONFIRMED_2027 = "2027 年节假日安排尚未录入，暂按周一至周五计算"
# A made-up 2027 arrangement for the tests (the real one is entered when it is published).
NOTICE_2027 = "\n".join(
    [
        "一、元旦：1月1日（周五）至3日（周日）放假，共3天。",
        "二、春节：2月6日至12日放假调休，共7天。2月20日（周六）上班。",
    ]
)
HOLIDAY_CN_2027 = {
    "year": 2027,
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-02", "isOffDay": True},
        {"name": "元旦", "date": "2027-01-03", "isOffDay": True},
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ],
}


def test_seed_holds_every_year_the_package_knows_and_loads_them_once(app):
    years = set(db.session.scalars(select(CalendarYear.year)))
    assert years == set(package_years())
    assert max(years) == 2026 and 2027 not in years
    rows = db.session.scalar(select(func.count()).select_from(CalendarDayRow))
    assert calendar_ops.load_package_years() == 0
    assert db.session.scalar(select(func.count()).select_from(CalendarDayRow)) == rows
    # The app counts on the stored calendar: Spring Festival 2026 and its working Saturday.
    assert add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_entering_a_year_previews_then_confirms(client, login, app):
    login("admin")
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "2027" in page and "未录入" in page
    page = client.get("/admin/calendar/2027").get_data(as_text=True)
    assert UNCONFIRMED_2027 in page

    preview = client.post("/admin/calendar/2027", data={"step": "preview", "notice": NOTICE_2027})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "确认前请核对" in text and "2027-01-01" in text and "2027-02-20" in text
    assert db.session.get(CalendarYear, 2027) is None  # a preview stores nothing

    payload = text.split('name="payload" type="hidden" value="')[1].split('"')[0]
    confirm = {"step": "confirm", "payload": html.unescape(payload)}
    confirmed = client.post("/admin/calendar/2027", data=confirm)
    assert confirmed.status_code == 302
    year = db.session.get(CalendarYear, 2027)
    assert year.source == "notice" and year.confirmed_by.username == "admin"
    assert add_workdays(date(2026, 12, 2), 30) == date(2027, 1, 14)  # 元旦 no longer counted
    assert add_workdays(date(2027, 2, 19), 1) == date(2027, 2, 20)  # the working Saturday
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.confirm"))
    assert event.object_id == 2027 and event.after["changes"]["2027-01-01"] == "休息日 · 元旦"
    assert event.before["changes"]["2027-01-01"] == "工作日"
    assert "未录入" not in client.get("/admin/calendar/2027").get_data(as_text=True)


def test_a_holiday_cn_file_is_imported_and_a_wrong_one_refused_in_chinese(client, login, app):
    login("admin")

    def upload(document, year=2027):
        raw = document if isinstance(document, bytes) else json.dumps(document).encode()
        return client.post(
            f"/admin/calendar/{year}",
            data={"step": "preview", "file": (BytesIO(raw), "2027.json")},
            content_type="multipart/form-data",
        )

    for bad, message in [
        (b"{not json", "不是 holiday-cn 格式的 JSON"),
        ({**HOLIDAY_CN_2027, "year": 2028}, "这个文件是 2028 年的"),
        ({"year": 2027, "days": [{"date": "2027-02-30", "isOffDay": True}]}, "第 1 项不是日期"),
    ]:
        response = upload(bad)
        assert response.status_code == 200
        assert any(message in "".join(m) for m in messages_in(response.get_data(as_text=True))), message
    assert db.session.get(CalendarYear, 2027) is None

    text = upload(HOLIDAY_CN_2027).get_data(as_text=True)
    assert "2027-01-02" in text
    payload = text.split('name="payload" type="hidden" value="')[1].split('"')[0]
    client.post("/admin/calendar/2027", data={"step": "confirm", "payload": html.unescape(payload)})
    assert db.session.get(CalendarYear, 2027).source == "holiday_cn"
    assert db.session.scalar(select(func.count()).where(CalendarDayRow.year == 2027)) == 4


def test_a_forged_confirmation_is_checked_again(client, login, app):
    login("admin")
    forged = json.dumps({"source": "notice", "days": [["2031-01-01", False, "x"]]})
    response = client.post("/admin/calendar/2027", data={"step": "confirm", "payload": forged})
    assert "不在 2027 年" in response.get_data(as_text=True)
    assert db.session.get(CalendarYear, 2027) is None
    response = client.post("/admin/calendar/2027", data={"step": "confirm", "payload": "[1, 2"})
    assert response.status_code == 200 and db.session.get(CalendarYear, 2027) is None


def _plan_issued_on(day: datetime, workdays: int):
    with frozen_at(day):
        plan = plans.create_plan(f.mechanism(), 2027, "2027年工作要点", f.user("lead.sh"))
        plans.add_item(plan, f.item_data(workdays=workdays), f.user("lead.sh"))
        meeting = f.meeting(-1)
        plan_agenda.submit_to_meeting(plan, meeting, f.user("lead.sh"))
        f.hold(meeting)
        plans.adopt(plan, f.user("lead.sh"))
        db.session.commit()
    return plan


def test_the_issue_preview_says_when_it_counts_over_a_year_not_entered(client, login, app):
    plan = _plan_issued_on(datetime(2026, 12, 2, 9, 0), 30)
    login("lead.sh")
    with frozen_at(datetime(2026, 12, 2, 10, 0)):
        page = client.get(f"/plans/{plan.id}/issue").get_data(as_text=True)
    assert "2027-01-13" in page
    assert UNCONFIRMED_2027 in page
    # A page that counts nothing in 2027 says nothing.
    assert UNCONFIRMED_2027 not in client.get("/mechanism").get_data(as_text=True)


def test_deadlines_counted_over_a_changed_year_are_reviewed_then_moved(client, login, app, run_jobs):
    plan = _plan_issued_on(datetime(2026, 12, 2, 9, 0), 30)
    with frozen_at(datetime(2026, 12, 2, 10, 0)):
        plans.issue(plan, f.user("lead.sh"), "沪合作办〔2026〕9号")
        db.session.commit()
    tasks = list(db.session.scalars(select(Assignment)))
    assert tasks and {t.current_deadline for t in tasks} == {date(2027, 1, 13)}
    db.session.commit()

    with frozen_at(datetime(2026, 12, 3, 10, 0)):
        calendar_ops.confirm_year(2027, parse_notice(2027, NOTICE_2027), "notice", None)
        db.session.commit()
        run_jobs()
        # Nothing moves by itself: the lead departments are told and review.
        assert {t.current_deadline for t in db.session.scalars(select(Assignment))} == {date(2027, 1, 13)}
        login("lead.sh")
        home = client.get("/").get_data(as_text=True)
        assert "需要复核" in home
        review = client.get("/tasks/calendar-review").get_data(as_text=True)
        assert "2027-01-13" in review and "2027-01-14" in review
        chosen = [t.id for t in tasks]
        refused = client.post("/tasks/calendar-review", data={"assignment": chosen, "reason": " "})
        assert refused.status_code == 200
        assert {t.current_deadline for t in db.session.scalars(select(Assignment))} == {date(2027, 1, 13)}

        moved = client.post(
            "/tasks/calendar-review",
            data={"assignment": [t.id for t in tasks], "reason": "2027年节假日安排已公布"},
        )
        assert moved.status_code == 302
    for task in db.session.scalars(select(Assignment)):
        assert task.current_deadline == date(2027, 1, 14)
        assert task.original_deadline == date(2027, 1, 13)  # evaluation counts against it
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assignment.deadline_recount"))
    assert {e.object_id for e in events} == {t.id for t in tasks}
    assert not db.session.get(CalendarYear, 2027).review_pending
    # Reminders follow: the day-of reminder is for the new deadline, none pending for the old.
    kinds = db.session.execute(
        select(Reminder.dedupe_key).where(Reminder.status == "pending", Reminder.kind == "on_the_day")
    ).scalars()
    keys = list(kinds)
    assert keys and all("2027-01-14" in k for k in keys)
    with frozen_at(datetime(2026, 12, 3, 11, 0)):
        assert "需要复核" not in client.get("/").get_data(as_text=True)
        assert "没有需要复核的期限" in client.get("/tasks/calendar-review").get_data(as_text=True)


def test_a_confirmed_year_moves_the_reminders_of_fixed_deadlines(app, run_jobs):
    with frozen_at(datetime(2026, 12, 2, 9, 0)):
        plan = f.issued_plan()
        task = db.session.scalar(select(Assignment))
        task.current_deadline = date(2027, 1, 5)
        from coordination.reminders.schedule import sync_assignment

        sync_assignment(task)
        db.session.commit()

        def before_1() -> set[datetime]:
            return set(
                db.session.scalars(
                    select(Reminder.due_at).where(
                        Reminder.assignment_id == task.id,
                        Reminder.kind == "before_1",
                        Reminder.status == "pending",
                    )
                )
            )

        assert {d.date() for d in before_1()} == {date(2027, 1, 4)}  # Monday–Friday: the day before
        calendar_ops.confirm_year(2027, parse_notice(2027, "元旦：1月1日至4日放假。"), "notice", None)
        db.session.commit()
        run_jobs()
        db.session.expire_all()
        assert {d.date() for d in before_1()} == {date(2026, 12, 31)}
    assert plan.id


def test_administrators_are_reminded_from_november_until_next_year_is_entered(client, login, app):
    login("admin")
    with frozen_at(datetime(2026, 10, 30, 9, 0)):
        assert "请录入 2027 年节假日安排" not in client.get("/").get_data(as_text=True)
    with frozen_at(datetime(2026, 11, 2, 9, 0)):
        assert "请录入 2027 年节假日安排" in client.get("/").get_data(as_text=True)
        login("lead.sh")
        assert "请录入 2027 年节假日安排" not in client.get("/").get_data(as_text=True)
        calendar_ops.confirm_year(2027, parse_notice(2027, NOTICE_2027), "notice", f.user("admin"))
        db.session.commit()
        login("admin")
        assert "请录入 2027 年节假日安排" not in client.get("/").get_data(as_text=True)


def test_command_line(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calendar", "add", "2026-12-02", "30"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2027-01-13"
    assert "2027 not confirmed" in result.stderr
    assert runner.invoke(args=["calendar", "add", "2026-02-24", "-1"]).stdout.strip() == "2026-02-14"
    status = runner.invoke(args=["calendar", "status"]).output
    assert "2027  not entered" in status and "2026  confirmed  chinesecalendar" in status

    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "days": [{"date": "2027-01-01"}]}')
    refused = runner.invoke(args=["calendar", "import", str(bad)])
    assert refused.exit_code != 0 and "not imported" in refused.output
    good = tmp_path / "2027.json"
    good.write_text(json.dumps(HOLIDAY_CN_2027, ensure_ascii=False), encoding="utf-8")
    imported = runner.invoke(args=["calendar", "import", str(good)])
    assert imported.exit_code == 0, imported.output
    assert "2027 confirmed" in imported.output
    assert runner.invoke(args=["calendar", "add", "2026-12-02", "30"]).stdout.strip() == "2027-01-14"
    assert "2027  confirmed  holiday_cn" in runner.invoke(args=["calendar", "status"]).output


def test_forms_that_count_working_days_say_when_the_year_is_not_entered(client, login, app):
    plan = f.draft_plan(year=2027)
    login("lead.sh")
    assert UNCONFIRMED_2027 in client.get(f"/plans/{plan.id}/items/new").get_data(as_text=True)
    item = plan.items[0]
    assert UNCONFIRMED_2027 in client.get(f"/plans/{plan.id}/items/{item.id}/edit").get_data(as_text=True)
    login("admin")
    with frozen_at(datetime(2026, 12, 2, 9, 0)):
        assert UNCONFIRMED_2027 in client.get("/admin/reminder-policy").get_data(as_text=True)
    calendar_ops.confirm_year(2027, parse_notice(2027, NOTICE_2027), "notice", None)
    db.session.commit()
    login("lead.sh")
    assert UNCONFIRMED_2027 not in client.get(f"/plans/{plan.id}/items/new").get_data(as_text=True)

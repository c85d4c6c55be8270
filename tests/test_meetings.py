"""Joint meetings through the screens, with invitations delivered by a real RQ worker to a real
SMTP server, and the calendar data parsed back."""

import re
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from coordination import jobs
from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.meetings.models import Attendee, Meeting
from coordination.outbox.models import OutgoingMail
from coordination.plans.models import AnnualPlan
from coordination.timeutil import frozen_at, local_today, to_local
from tests import factories as f
from tests.conftest import messages_in


def _when(days: int = 20, hour: int = 9) -> str:
    day = local_today() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 30).strftime("%Y-%m-%dT%H:%M")


def _meeting_form(**overrides):
    data = {
        "kind": "joint",
        "title": "沪连对口合作联席会议",
        "starts_at": _when(),
        "ends_at": _when(hour=11),
        "host_party_id": f.mechanism().parties[1].id,
        "venue": "大连市人民政府第一会议室",
        "chair_name": "刘振华",
    }
    return {**data, **overrides}


def _scheduled(client, login, guests=(("Zhang Wei", "zhang.wei@partner.example.com"),)):
    login("secretary.dl")
    client.post("/meetings/new", data=_meeting_form())
    meeting = db.session.scalar(select(Meeting))
    client.post(
        f"/meetings/{meeting.id}/attendees",
        data={"user_id": f.user("liaison.dl.commerce").id, "role": "required"},
    )
    client.post(
        f"/meetings/{meeting.id}/attendees", data={"user_id": f.user("leader.dl").id, "role": "chair"}
    )
    for name, email in guests:
        client.post(
            f"/meetings/{meeting.id}/attendees",
            data={"user_id": 0, "name": name, "email": email, "role": "optional"},
        )
    client.post(f"/meetings/{meeting.id}/agenda", data={"title": "审议年度工作要点", "presenter_body_id": 0})
    client.post(f"/meetings/{meeting.id}/schedule")
    return db.session.get(Meeting, meeting.id)


def _calendar(message):
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return part, Calendar.from_ical(part.get_content())


def test_invitations_arrive_with_a_standalone_text_and_a_calendar(client, login, smtp, run_jobs):
    meeting = _scheduled(client, login)
    assert meeting.state == "scheduled"
    run_jobs()
    assert len(smtp.messages) == 3
    message = smtp.to("liaison.dl.commerce@hulian.example.cn")[0]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    part, calendar = _calendar(message)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"meeting-{meeting.id}@hulian-coordination"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART").tzinfo is not None and event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Shanghai"
    assert calendar.walk("VALARM")
    assert str(event["ORGANIZER"]) == "mailto:secretary.dl@hulian.example.cn"
    attendees = {str(a): a.params for a in event.get("ATTENDEE")}
    assert attendees["mailto:leader.dl@hulian.example.cn"]["ROLE"] == "CHAIR"
    assert attendees["mailto:zhang.wei@partner.example.com"]["RSVP"] == "TRUE"
    raw = part.get_content()
    assert 'CN="刘振华"' in raw and 'CN="张丽娟"' in raw  # non-ASCII names quoted
    text = message.get_body(("plain",)).get_content()
    starts = datetime.strptime(_when(), "%Y-%m-%dT%H:%M")
    for expected in (
        starts.strftime("%Y年%m月%d日 09:30"),
        "大连市人民政府第一会议室",
        "1. 审议年度工作要点",
        "接受：",
    ):
        assert expected in text
    assert "大连市人民政府第一会议室" in message.get_body(("html",)).get_content()
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert {r.status for r in rows} == {"sent"} and {r.transport for r in rows} == {"smtp"}


def test_update_and_cancellation_keep_the_uid_and_raise_the_sequence(client, login, smtp, run_jobs):
    meeting = _scheduled(client, login, guests=())
    run_jobs()
    client.post(
        f"/meetings/{meeting.id}/edit",
        data=_meeting_form(
            starts_at=_when(hour=14),
            ends_at=_when(hour=16),
            version=meeting.version,
            venue="大连国际会议中心",
        ),
    )
    run_jobs()
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "因故推迟"})
    run_jobs()
    inbox = smtp.to("leader.dl@hulian.example.cn")
    assert len(inbox) == 3
    calendars = [_calendar(m)[1] for m in inbox]
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert {str(e["UID"]) for e in events} == {f"meeting-{meeting.id}@hulian-coordination"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert [c["METHOD"] for c in calendars] == ["REQUEST", "REQUEST", "CANCEL"]
    assert events[1].decoded("DTSTART").hour == 14 and str(events[1]["LOCATION"]) == "大连国际会议中心"
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert _calendar(inbox[2])[0].get_param("method") == "CANCEL"
    assert "因故推迟" in inbox[2].get_body(("plain",)).get_content()
    assert "变更" in inbox[1]["Subject"] and "取消" in inbox[2]["Subject"]


def test_rsvp_through_the_signed_link(client, login, smtp, run_jobs):
    meeting = _scheduled(client, login)
    run_jobs()
    text = smtp.to("zhang.wei@partner.example.com")[0].get_body(("plain",)).get_content()
    accept = re.search(r"接受：(\S+)", text).group(1)
    path = accept.replace("http://coordination.test", "")
    client.post("/logout")  # external guests have no account
    assert "请确认您的回复" in client.get(path).get_data(as_text=True)
    guest = db.session.scalar(select(Attendee).where(Attendee.email == "zhang.wei@partner.example.com"))
    assert guest.partstat == "NEEDS-ACTION"  # a GET (mail scanners follow links) records nothing
    assert "已记录" in client.post(path).get_data(as_text=True)
    assert db.session.get(Attendee, guest.id).partstat == "ACCEPTED"
    client.post(path.replace("/accepted", "/declined"))
    assert db.session.get(Attendee, guest.id).partstat == "DECLINED"
    forged = path[: path.rindex("/") - 3] + "xyz/accepted"
    response = client.post(forged)
    assert response.status_code == 404 and "链接无效" in response.get_data(as_text=True)
    assert db.session.get(Attendee, guest.id).partstat == "DECLINED"
    login("secretary.dl")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "谢绝" in page and "Zhang Wei" in page
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "取消"})
    client.post("/logout")
    assert "不再接受回复" in client.post(path).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "rsvp.answer")) == 2


def test_a_token_is_bound_to_its_attendee(client, login, smtp, run_jobs, app):
    _scheduled(client, login)
    from coordination.events import rsvp

    guest = db.session.scalar(select(Attendee).where(Attendee.email == "zhang.wei@partner.example.com"))
    token = rsvp.token_for(guest)
    guest.rsvp_nonce = rsvp.new_nonce()  # revoked
    db.session.commit()
    assert client.post(f"/rsvp/{token}/accepted").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": _when(hour=8)}, "结束时间必须晚于开始时间"),
        ({"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-01T10:00"}, "会议开始时间不能早于现在"),
        ({"title": ""}, "此项为必填项"),
        ({"starts_at": "明天"}, "不是有效的日期时间"),
    ],
)
def test_bad_meeting_input(client, login, overrides, message):
    login("secretary.sh")
    page = client.post("/meetings/new", data=_meeting_form(**overrides)).get_data(as_text=True)
    assert message in page, messages_in(page)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_bad_attendees_and_changes_to_a_cancelled_meeting(client, login):
    login("secretary.sh")
    client.post("/meetings/new", data=_meeting_form())
    meeting = db.session.scalar(select(Meeting))
    page = client.post(
        f"/meetings/{meeting.id}/attendees",
        data={"user_id": 0, "name": "李四", "email": "not-an-address", "role": "required"},
    ).get_data(as_text=True)
    assert "不是有效的电子邮件地址" in page
    client.post(
        f"/meetings/{meeting.id}/attendees",
        data={"user_id": 0, "name": "李四", "email": "li@example.com", "role": "required"},
    )
    page = client.post(
        f"/meetings/{meeting.id}/attendees",
        data={"user_id": 0, "name": "李四", "email": "LI@example.com", "role": "required"},
    ).get_data(as_text=True)
    assert "已在邀请名单中" in page
    assert len(db.session.get(Meeting, meeting.id).attendees) == 1
    page = client.post(f"/meetings/{meeting.id}/schedule", follow_redirects=True).get_data(as_text=True)
    assert db.session.get(Meeting, meeting.id).state == "scheduled"
    client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "取消"})
    page = client.post(
        f"/meetings/{meeting.id}/agenda", data={"title": "新议题", "presenter_body_id": 0}
    ).get_data(as_text=True)
    assert "不能再修改" in page
    response = client.post(
        f"/meetings/{meeting.id}/edit",
        data=_meeting_form(version=db.session.get(Meeting, meeting.id).version),
    )
    assert "不能再修改" in response.get_data(as_text=True)
    assert db.session.get(Meeting, meeting.id).state == "cancelled"


def test_schedule_needs_attendees(client, login):
    login("secretary.sh")
    client.post("/meetings/new", data=_meeting_form())
    meeting = db.session.scalar(select(Meeting))
    page = client.post(f"/meetings/{meeting.id}/schedule", follow_redirects=True).get_data(as_text=True)
    assert "请先添加至少一名参会人员" in page
    assert db.session.get(Meeting, meeting.id).state == "draft"


def test_meeting_adopts_the_plan_and_its_decisions_become_tasks(client, login, smtp, run_jobs):
    plan = f.draft_plan()
    meeting = _scheduled(client, login, guests=())
    login("lead.sh")
    client.post(f"/plans/{plan.id}/submit", data={"meeting_id": meeting.id})
    login("secretary.dl")
    item = next(i for i in db.session.get(Meeting, meeting.id).agenda if i.plan_id)
    # Nothing is recorded before it happens: not held before it starts, not adopted before held.
    page = client.post(f"/meetings/{meeting.id}/hold", follow_redirects=True).get_data(as_text=True)
    assert "会议尚未开始" in page and db.session.get(Meeting, meeting.id).state == "scheduled"
    page = client.post(f"/meetings/{meeting.id}/agenda/{item.id}/adopt", follow_redirects=True)
    assert db.session.get(AnnualPlan, plan.id).state == "submitted"
    started = to_local(meeting.starts_at).replace(tzinfo=None)
    with frozen_at(started + timedelta(minutes=5)):
        client.post(f"/meetings/{meeting.id}/hold")
    assert db.session.get(Meeting, meeting.id).state == "held"
    with frozen_at(started + timedelta(days=2)):  # recorded two days later, adopted on the day
        client.post(f"/meetings/{meeting.id}/agenda/{item.id}/adopt")
    adopted = db.session.get(AnnualPlan, plan.id)
    assert adopted.state == "adopted" and adopted.adopted_at == meeting.starts_at
    client.post(f"/meetings/{meeting.id}/agenda/{item.id}/outcome", data={"outcome": "审议通过年度计划。"})
    deadline = (local_today() + timedelta(days=90)).isoformat()
    units = [f.body("上海市商务委员会").id, f.body("大连市商务局").id]
    client.post(
        f"/meetings/{meeting.id}/decisions",
        data={
            "text": "共同筹办“大连行”招商活动",
            "deadline": deadline,
            "body_ids": units,
            "agenda_item_id": item.id,
            "key_task_id": f.key_task(8).id,
        },
    )
    decision = db.session.get(Meeting, meeting.id).decisions[0]
    client.post(f"/meetings/{meeting.id}/decisions/{decision.id}/assign")
    client.post(f"/meetings/{meeting.id}/decisions/{decision.id}/assign")  # twice: no duplicates
    tasks = db.session.scalars(select(Assignment).where(Assignment.decision_id == decision.id)).all()
    assert sorted(t.body.name_zh for t in tasks) == ["上海市商务委员会", "大连市商务局"]
    assert {t.source for t in tasks} == {"decision"} and {t.state for t in tasks} == {"assigned"}
    client.post(f"/meetings/{meeting.id}/publish")
    run_jobs()
    minutes = [m for m in smtp.messages if "会议纪要" in m["Subject"]]
    assert len(minutes) == 2
    assert "审议通过年度计划。" in minutes[0].get_body(("plain",)).get_content()
    login("liaison.dl.commerce")
    assert "共同筹办“大连行”招商活动" in client.get("/tasks").get_data(as_text=True)


def test_suggestions_for_a_new_joint_meeting(client, login, app):
    plan = f.issued_plan()
    port = db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))
    port.current_deadline = local_today() - timedelta(days=3)
    db.session.commit()
    login("secretary.sh")
    client.post("/meetings/new", data=_meeting_form())
    meeting = db.session.scalar(select(Meeting).where(Meeting.organiser_id == f.user("secretary.sh").id))
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "督办：推进两地港航物流合作（大连港口与口岸局，逾期" in page
    assert plan.id


def test_without_redis_the_meeting_is_scheduled_and_the_mail_waits_for_the_sweep(
    client, login, smtp, run_jobs, app, web_app
):
    web_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    jobs.init_app(web_app)  # the app makes its one Redis client from the setting
    meeting = _scheduled(client, login, guests=())
    assert meeting.state == "scheduled"
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert len(rows) == 2 and {r.status for r in rows} == {"pending"}
    run_jobs()
    assert smtp.messages == []  # nothing reached the queue
    from coordination.outbox import mail

    assert mail.sweep() == 2
    run_jobs()
    assert len(smtp.messages) == 2
    assert mail.sweep() == 0
    run_jobs()
    assert len(smtp.messages) == 2  # never twice


def test_no_smtp_server_means_the_local_outbox(client, login, run_jobs, app):
    _scheduled(client, login, guests=())
    run_jobs()
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert {r.transport for r in rows} == {"outbox"} and {r.status for r in rows} == {"sent"}
    login("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "会议通知" in page
    page = client.get(f"/admin/outbox/{rows[0].id}").get_data(as_text=True)
    assert "日历邀请（iCalendar 原文）" in page and "METHOD:REQUEST" in page

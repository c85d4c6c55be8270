"""High-level visits, the personal calendar feed, and a real CalDAV server accepting our events."""

import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from coordination.assignments.models import Assignment
from coordination.calendar import ics
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.timeutil import local_today
from coordination.visits.models import Visit
from tests import factories as f
from tests.conftest import free_port, messages_in


def _day(days: int):
    return local_today() + timedelta(days=days)


def _at(days: int, hour: int) -> str:
    d = _day(days)
    return datetime(d.year, d.month, d.day, hour, 0).strftime("%Y-%m-%dT%H:%M")


def _visit(client, login):
    login("secretary.sh")
    parties = {p.code: p.id for p in f.mechanism().parties}
    client.post(
        "/visits/new",
        data={
            "title": "上海市党政代表团赴大连考察",
            "visiting_party_id": parties["sh"],
            "host_party_id": parties["dl"],
            "starts_on": _day(30).isoformat(),
            "ends_on": _day(31).isoformat(),
            "leader_name": "王明远",
            "host_contact": "孙海燕 0411-0000000",
        },
    )
    visit = db.session.scalar(select(Visit))
    client.post(f"/visits/{visit.id}/members", data={"user_id": f.user("leader.sh").id, "role": "chair"})
    client.post(
        f"/visits/{visit.id}/members",
        data={"user_id": 0, "name": "Li Hua", "email": "li.hua@example.org", "role": "required"},
    )
    client.post(
        f"/visits/{visit.id}/itinerary",
        data={
            "kind": "meeting",
            "title": "两市座谈会",
            "starts_at": _at(30, 9),
            "ends_at": _at(30, 11),
            "place": "大连宾馆",
        },
    )
    client.post(
        f"/visits/{visit.id}/itinerary",
        data={
            "kind": "site_visit",
            "title": "考察大连港",
            "starts_at": _at(30, 14),
            "ends_at": _at(30, 16),
            "place": "大连港",
        },
    )
    return db.session.get(Visit, visit.id)


def test_visit_itinerary_rules(client, login):
    visit = _visit(client, login)
    assert len(visit.itinerary) == 2
    page = client.post(
        f"/visits/{visit.id}/itinerary",
        data={
            "kind": "signing",
            "title": "签约仪式",
            "starts_at": _at(30, 10),
            "ends_at": _at(30, 12),
            "place": "大连宾馆",
        },
    ).get_data(as_text=True)
    assert "时间重叠" in page and "两市座谈会" in page, messages_in(page)
    page = client.post(
        f"/visits/{visit.id}/itinerary",
        data={
            "kind": "signing",
            "title": "签约仪式",
            "starts_at": _at(40, 10),
            "ends_at": _at(40, 12),
            "place": "x",
        },
    ).get_data(as_text=True)
    assert "行程须在互访日期之内" in page
    page = client.post(
        f"/visits/{visit.id}/itinerary",
        data={
            "kind": "signing",
            "title": "签约仪式",
            "starts_at": _at(31, 12),
            "ends_at": _at(31, 10),
            "place": "x",
        },
    ).get_data(as_text=True)
    assert "结束时间必须晚于开始时间" in page
    page = client.post(
        f"/visits/{visit.id}/members",
        data={"user_id": 0, "name": "无邮箱", "email": "nope", "role": "required"},
    ).get_data(as_text=True)
    assert "不是有效的电子邮件地址" in page
    assert len(db.session.get(Visit, visit.id).itinerary) == 2
    same_city = {
        "title": "x",
        "visiting_party_id": visit.host_party_id,
        "host_party_id": visit.host_party_id,
        "starts_on": _day(5).isoformat(),
        "ends_on": _day(6).isoformat(),
        "leader_name": "x",
    }
    assert "前往另一方城市" in client.post("/visits/new", data=same_city).get_data(as_text=True)


def test_confirmed_visit_sends_one_event_per_itinerary_item(client, login, smtp, run_jobs):
    visit = _visit(client, login)
    client.post(f"/visits/{visit.id}/confirm")
    run_jobs()
    assert len(smtp.messages) == 2
    message = smtp.to("li.hua@example.org")[0]
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    events = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and len(events) == 2
    assert sorted(str(e["UID"]) for e in events) == sorted(i.uid for i in visit.itinerary)
    text = message.get_body(("plain",)).get_content()
    assert "两市座谈会" in text and "大连港" in text and "王明远" in text
    client.post(f"/visits/{visit.id}/cancel", data={"reason": "日程调整"})
    run_jobs()
    cancel = smtp.to("li.hua@example.org")[-1]
    calendar = Calendar.from_ical(
        next(p for p in cancel.walk() if p.get_content_type() == "text/calendar").get_content()
    )
    assert calendar["METHOD"] == "CANCEL" and {e["SEQUENCE"] for e in calendar.walk("VEVENT")} == {1}


def test_visit_outcomes_become_tasks(client, login, smtp, run_jobs):
    visit = _visit(client, login)
    client.post(f"/visits/{visit.id}/confirm")
    units = [f.body("大连港口与口岸局").id]
    response = client.post(
        f"/visits/{visit.id}/outcomes",
        data={
            "kind": "agreement",
            "text": "签署港航合作框架协议",
            "deadline": _day(120).isoformat(),
            "body_ids": units,
            "key_task_id": f.key_task(7).id,
        },
    )
    assert response.status_code == 302, messages_in(response.get_data(as_text=True))
    outcome = db.session.get(Visit, visit.id).outcomes[0]
    client.post(f"/visits/{visit.id}/outcomes/{outcome.id}/assign")
    task = db.session.scalar(select(Assignment).where(Assignment.visit_outcome_id == outcome.id))
    assert task.body.name_zh == "大连港口与口岸局" and task.source == "visit" and task.key_task.number == 7


def test_personal_feed_is_secret_and_revocable(client, login, app):
    f.issued_plan()
    login("liaison.dl.port")
    assert client.get("/account/calendar").status_code == 200
    client.post("/account/calendar")
    token = f.user("liaison.dl.port").ics_token
    client.post("/logout")
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert "METHOD" not in calendar
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert any("推进两地港航物流合作" in s for s in summaries)
    assert client.get("/calendar/not-a-real-token-but-long-enough-000000.ics").status_code == 404
    login("liaison.dl.port")
    client.post("/account/calendar")  # renew
    client.post("/logout")
    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.fixture
def radicale(tmp_path):
    port = free_port()
    config = tmp_path / "radicale.conf"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = none\n"
        f"[storage]\nfilesystem_folder = {tmp_path / 'collections'}\n"
        "[rights]\ntype = authenticated\n[logging]\nlevel = warning\n"
    )
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)])
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/.web/", timeout=1)  # noqa: S310 - loopback test server
            break
        except OSError:
            time.sleep(0.1)
    collection = f"{base}/tester/events/"
    for url, method in ((f"{base}/tester/", "PROPFIND"), (collection, "MKCALENDAR")):
        request = urllib.request.Request(url, method=method)  # noqa: S310
        request.add_header("Authorization", "Basic dGVzdGVyOng=")  # tester:x
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    yield collection
    process.terminate()
    process.wait(timeout=10)


def _put(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="PUT")  # noqa: S310
    request.add_header("Content-Type", "text/calendar; charset=utf-8")
    request.add_header("Authorization", "Basic dGVzdGVyOng=")
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.status


def test_a_real_caldav_server_accepts_our_events(client, login, radicale):
    visit = _visit(client, login)
    login("secretary.dl")
    client.post(
        "/meetings/new",
        data={
            "kind": "joint",
            "title": "联席会议",
            "starts_at": _at(20, 9),
            "ends_at": _at(20, 11),
            "host_party_id": visit.host_party_id,
            "venue": "大连",
            "chair_name": "刘振华",
        },
    )
    meeting = db.session.scalar(select(Meeting))
    client.post(
        f"/meetings/{meeting.id}/attendees", data={"user_id": f.user("leader.dl").id, "role": "chair"}
    )
    meeting = db.session.get(Meeting, meeting.id)
    # CalDAV stores events without METHOD (it is an iTIP, i.e. e-mail, property).
    assert _put(radicale + "meeting.ics", ics.calendar([ics.meeting_event(meeting)], None).to_ical()) == 201
    for item, event in zip(visit.itinerary, ics.visit_events(visit), strict=True):
        assert _put(radicale + f"visit-item-{item.id}.ics", ics.calendar([event], None).to_ical()) == 201
    cancelled = ics.calendar([ics.meeting_event(meeting, cancelled=True)], None).to_ical()
    assert _put(radicale + "meeting.ics", cancelled) in (201, 204)

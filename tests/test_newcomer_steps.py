"""Forms that start valid and steps that need no explaining."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.timeutil import local_today
from coordination.visits.models import Visit
from tests import factories as f
from tests.conftest import messages_in


def _selected_value(page: str, name: str) -> str:
    select_tag = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    option = next(o for o in re.findall(r"<option[^>]*>", select_tag) if "selected" in o)
    return re.search(r'value="([^"]*)"', option).group(1)


def test_the_new_visit_form_offers_a_valid_direction_from_the_users_own_city(client, login):
    parties = {p.code: str(p.id) for p in f.mechanism().parties}
    for username, visiting, host in (
        ("secretary.dl", "dl", "sh"),
        ("lead.sh", "sh", "dl"),
        ("admin", "sh", "dl"),
    ):
        login(username)
        page = client.get("/visits/new").get_data(as_text=True)
        assert _selected_value(page, "visiting_party_id") == parties[visiting], username
        assert _selected_value(page, "host_party_id") == parties[host], username
    # Filled in without touching the two cities, the form is accepted.
    login("secretary.dl")
    page = client.get("/visits/new").get_data(as_text=True)
    start = local_today() + timedelta(days=30)
    response = client.post(
        "/visits/new",
        data={
            "title": "大连市党政代表团赴上海考察",
            "visiting_party_id": _selected_value(page, "visiting_party_id"),
            "host_party_id": _selected_value(page, "host_party_id"),
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=1)).isoformat(),
            "leader_name": "刘振华",
        },
    )
    assert response.status_code == 302, messages_in(response.get_data(as_text=True))
    assert db.session.scalar(select(Visit)).title == "大连市党政代表团赴上海考察"


def test_after_a_return_the_liaison_submits_again_without_an_extra_step(client, login):
    f.issued_plan()
    task = db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))
    liaison = f.user("liaison.dl.port")
    tasks.acknowledge(task, liaison)
    tasks.start(task, liaison)
    tasks.submit_completion(task, liaison, results="航线开通。")
    tasks.return_for_rework(task, f.user("lead.sh"), reason="请补充运营数据。")
    db.session.commit()
    login("liaison.dl.port")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert task.state == "returned" and "请补充运营数据。" in page
    assert 'id="returned-next-step"' in page and f"/tasks/{task.id}/complete" in page
    assert f"/tasks/{task.id}/resume" not in page  # no unexplained 继续办理 in between
    response = client.post(
        f"/tasks/{task.id}/complete",
        data={"version": db.session.get(Assignment, task.id).version, "results": "已补充运营数据。"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, messages_in(response.get_data(as_text=True))
    again = db.session.get(Assignment, task.id)
    assert again.state == "submitted" and again.results == "已补充运营数据。"


def test_held_and_completed_are_offered_only_once_they_can_be_recorded(client, login, app):
    from coordination.timeutil import frozen_at
    from coordination.visits import operations as visits

    meeting = f.meeting(3)
    meeting.state = "scheduled"
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
    db.session.commit()
    login("secretary.sh")
    hold, complete = f"/meetings/{meeting.id}/hold", f"/visits/{visit.id}/complete"
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert hold not in page and "会议开始后" in page
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert complete not in page and "方可登记为已完成" in page
    with frozen_at(datetime.combine(f.later(4), datetime.min.time()).replace(hour=18)):
        assert hold in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
        assert complete in client.get(f"/visits/{visit.id}").get_data(as_text=True)

"""Far-future and ancient dates: every date a user gives is bounded by the mechanism's period
(2017–2030 in the seed, so 2016-01-01 … 2031-12-31 are accepted) and refused in Chinese."""

from datetime import date

import pytest
from sqlalchemy import func, select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.plans.models import PlanItem
from coordination.reminders.models import Reminder
from tests import factories as f
from tests.conftest import messages_in
from workflows.dates import accepted_dates
from workflows.reminders import MAX_REPORT_PERIODS, Policy, deadline_reminders, period_ends

REFUSAL = "请填写 2016-01-01 至 2031-12-31 之间的日期"


def _port_task() -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))


@pytest.fixture
def acknowledged(app):
    f.issued_plan()
    task = _port_task()
    tasks.acknowledge(task, f.user("liaison.dl.port"))
    db.session.commit()
    return task


def test_the_rule_is_the_period_with_a_year_either_side():
    accepted = accepted_dates(2017, 2030)
    assert (accepted.first, accepted.last) == (date(2016, 1, 1), date(2031, 12, 31))
    assert date(2031, 12, 31) in accepted and date(2032, 1, 1) not in accepted
    assert date(1, 1, 1) not in accepted and date(9999, 12, 31) not in accepted_dates(2017, 9999)


@pytest.mark.parametrize("far", ["9999-12-31", "2299-12-31", "2032-01-01"])
def test_a_liaison_cannot_ask_for_an_extension_to_a_far_date(client, login, acknowledged, far):
    login("liaison.dl.port")
    response = client.post(
        f"/tasks/{acknowledged.id}/extension",
        data={"version": acknowledged.version, "requested_date": far, "reason": "无限期延长"},
        follow_redirects=True,
    )
    assert response.status_code in (200, 422)
    assert REFUSAL in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExtensionRequest)) == 0


def test_a_far_request_stored_before_the_bound_is_refused_not_approved(client, login, acknowledged):
    # As a request asked before dates were bounded would sit in the database.
    request = ExtensionRequest(
        assignment=acknowledged,
        requested_by_id=f.user("liaison.dl.port").id,
        reason="x",
        requested_date=date(2299, 12, 31),
        deadline_at_request=acknowledged.current_deadline,
    )
    db.session.add(request)
    db.session.commit()
    reminders_before = db.session.scalar(select(func.count()).select_from(Reminder))
    login("lead.dl")
    response = client.post(
        f"/extensions/{request.id}/approve", data={"version": request.version}, follow_redirects=True
    )
    assert response.status_code == 200 and REFUSAL in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExtensionRequest, request.id).state == "pending"
    assert _port_task().current_deadline == acknowledged.original_deadline
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == reminders_before


def test_a_meeting_in_year_one_or_year_9999_is_refused(client, login, app):
    login("secretary.sh")
    page = client.get("/meetings/new").get_data(as_text=True)
    host = int(page.split('name="host_party_id"')[1].split('value="')[1].split('"')[0])
    for start, end in (("0001-01-01T09:00", "0001-01-01T10:00"), ("9999-12-31T09:00", "9999-12-31T10:00")):
        response = client.post(
            "/meetings/new",
            data={
                "kind": "joint",
                "title": "联席会议",
                "starts_at": start,
                "ends_at": end,
                "host_party_id": host,
            },
        )
        assert response.status_code in (200, 422)
        assert REFUSAL in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_plan_item_deadline_and_milestone_beyond_the_period_are_refused(client, login, app):
    plan = f.draft_plan(items=0)
    login("lead.sh")
    base = {
        "key_task_id": f.key_task(7).id,
        "title": "推进两地港航物流合作",
        "lead_body_ids": [f.body("上海市交通委员会").id],
        "priority": "normal",
    }
    for form in (
        {"deadline": "2299-12-31"},
        {"deadline": f.later().isoformat(), "milestones": "9999-12-31 完成方案"},
    ):
        response = client.post(f"/plans/{plan.id}/items/new", data=base | form)
        assert response.status_code in (200, 422)
        page = response.get_data(as_text=True)
        assert REFUSAL in page, messages_in(page)
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/admin/audit?since=0001-01-01", "admin"),
        ("/admin/audit?until=9999-12-31", "admin"),
        ("/tasks?due_before=0001-01-01", "lead.sh"),
    ],
)
def test_a_filter_date_out_of_range_is_refused_not_a_500(client, login, app, url, who):
    login(who)
    response = client.get(url)
    assert response.status_code in (200, 422)
    assert REFUSAL in response.get_data(as_text=True)


def test_a_scope_outside_the_period_is_not_found(client, login, app):
    login("leader.sh")
    assert client.get("/evaluation/?scope=9999").status_code == 404
    assert client.get("/supervision/print?scope=2299").status_code == 404


def test_no_deadline_or_policy_writes_thousands_of_reminders():
    # Even a policy stored with absurd numbers and a deadline centuries away stays small.
    policy = Policy.from_dict({"urge_every": 1, "urge_horizon": 100_000})
    assert len(deadline_reminders(date(2026, 6, 30), policy)) < 100
    assert len(period_ends("monthly", date(2026, 1, 1), date(2299, 12, 31))) == MAX_REPORT_PERIODS

"""Going back in the browser and sending a form again creates nothing twice: every creating form
carries a one-time key made when the page is rendered, and the second submission of that key is
shown the first result with a notice."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment, ExtensionRequest, ProgressReport
from coordination.extensions import db
from coordination.meetings.models import AgendaItem, Attendee, Decision, Meeting
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan, ItemComment, PlanItem
from coordination.submissions import FormSubmission
from coordination.visits import operations as visits
from coordination.visits.models import ItineraryItem, Visit, VisitOutcome
from tests import factories as f

NOTICE = "该表单此前已提交，未重复保存"


@pytest.fixture
def world(app) -> dict[str, Any]:
    issued = f.issued_plan()
    draft = f.draft_plan(year=issued.year + 1)
    plans.start_consultation(draft, f.user("lead.sh"))
    open_meeting = f.meeting()
    held = f.hold(f.meeting(-2))
    secretary = f.user("secretary.sh")
    parties = {p.code: p.id for p in f.mechanism().parties}
    visit = visits.create_visit(
        f.mechanism(),
        secretary,
        visits.VisitData("考察", parties["sh"], parties["dl"], f.later(30), f.later(31), "王明远"),
    )
    port_task = db.session.scalar(
        select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id)
    )
    tasks.acknowledge(port_task, f.user("liaison.dl.port"))
    db.session.commit()
    return {
        "issued": issued,
        "draft": draft.id,
        "draft_item": draft.items[0].id,
        "meeting": open_meeting.id,
        "held": held.id,
        "visit": visit.id,
        "task": port_task.id,
        "parties": parties,
    }


def _day(days: int, hour: int) -> str:
    d = f.later(days)
    return datetime(d.year, d.month, d.day, hour, 30).strftime("%Y-%m-%dT%H:%M")


# name: (who, page that shows the form, where it posts, data, what one submission creates)
Case = tuple[str, str, str, Callable[[dict[str, Any]], dict[str, Any]], Any]
CASES: dict[str, Case] = {
    "plan": (
        "lead.sh",
        "/plans/new",
        "/plans/new",
        lambda w: {"year": w["issued"].year + 2, "title": "工作要点", "report_cadence": "monthly"},
        AnnualPlan,
    ),
    "plan item": (
        "lead.sh",
        "/plans/{draft}/items/new",
        "/plans/{draft}/items/new",
        lambda w: {
            "key_task_id": f.key_task(15).id,
            "title": "组织科技成果对接交流",
            "deadline": f.later(90).isoformat(),
            "priority": "normal",
            "lead_body_ids": [f.body("上海市科学技术委员会").id],
        },
        PlanItem,
    ),
    "consultation comment": (
        "liaison.dl.port",
        "/plans/{draft}",
        "/plans/{draft}/items/{draft_item}/comments",
        lambda w: {"text": "建议明确航线数量。"},
        ItemComment,
    ),
    "meeting": (
        "secretary.sh",
        "/meetings/new",
        "/meetings/new",
        lambda w: {
            "kind": "topic",
            "title": "专题会议",
            "starts_at": _day(20, 9),
            "ends_at": _day(20, 11),
            "host_party_id": w["parties"]["sh"],
        },
        Meeting,
    ),
    "attendee": (
        "secretary.sh",
        "/meetings/{meeting}",
        "/meetings/{meeting}/attendees",
        lambda w: {"user_id": f.user("leader.dl").id, "role": "chair"},
        Attendee,
    ),
    "agenda item": (
        "secretary.sh",
        "/meetings/{meeting}",
        "/meetings/{meeting}/agenda",
        lambda w: {"title": "听取工作汇报", "presenter_body_id": 0},
        AgendaItem,
    ),
    "decision": (
        "secretary.sh",
        "/meetings/{held}",
        "/meetings/{held}/decisions",
        lambda w: {
            "text": "共建航运中心",
            "deadline": f.later(90).isoformat(),
            "body_ids": [f.body("大连港口与口岸局").id],
            "agenda_item_id": 0,
            "key_task_id": 0,
        },
        Decision,
    ),
    "visit": (
        "secretary.sh",
        "/visits/new",
        "/visits/new",
        lambda w: {
            "title": "上海市党政代表团赴大连考察",
            "visiting_party_id": w["parties"]["sh"],
            "host_party_id": w["parties"]["dl"],
            "starts_on": f.later(40).isoformat(),
            "ends_on": f.later(41).isoformat(),
            "leader_name": "王明远",
        },
        Visit,
    ),
    "delegation member": (
        "secretary.sh",
        "/visits/{visit}",
        "/visits/{visit}/members",
        lambda w: {"user_id": f.user("leader.sh").id, "role": "chair"},
        Attendee,
    ),
    "itinerary item": (
        "secretary.sh",
        "/visits/{visit}",
        "/visits/{visit}/itinerary",
        lambda w: {"kind": "meeting", "title": "座谈会", "starts_at": _day(30, 9), "ends_at": _day(30, 11)},
        ItineraryItem,
    ),
    "progress report": (
        "liaison.dl.port",
        "/tasks/{task}",
        "/tasks/{task}/report",
        lambda w: {"percent": 40, "text": "航线方案已报批。", "period": "11月"},
        ProgressReport,
    ),
    "extension request": (
        "liaison.dl.port",
        "/tasks/{task}",
        "/tasks/{task}/extension",
        lambda w: {
            "requested_date": f.later(200).isoformat(),
            "reason": "审批周期长",
            "version": db.session.get(Assignment, w["task"]).version,
        },
        ExtensionRequest,
    ),
}


def _rendered_key(page: str, target: str) -> str:
    """The one-time key of the form on `page` that posts to `target`."""
    forms = [(x.split(">", 1)[0], x) for x in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S)]
    matches = [x for head, x in forms if f'action="{target}"' in head] or [
        x for head, x in forms if "action=" not in head and "once_key" in x
    ]
    form = matches[0] if matches else None
    assert form, f"no form posting to {target}"
    key = re.search(r'name="once_key"[^>]*value="([^"]+)"', form)
    assert key, f"the form posting to {target} carries no one-time key"
    return key[1]


def _outcome_visit(world: dict[str, Any]) -> None:
    # An outcome needs a confirmed visit; confirming needs a member and the itinerary.
    visit = db.session.get(Visit, world["visit"])
    secretary = f.user("secretary.sh")
    visits.add_member(visit, secretary, user=f.user("leader.dl"), role="chair")
    d = f.later(30)
    visits.add_itinerary_item(
        visit,
        secretary,
        kind="meeting",
        title="座谈",
        starts_local=datetime(d.year, d.month, d.day, 14),
        ends_local=datetime(d.year, d.month, d.day, 16),
        place="大连",
    )
    visits.confirm(visit, secretary)
    db.session.commit()


CASES["visit outcome"] = (
    "secretary.sh",
    "/visits/{visit}",
    "/visits/{visit}/outcomes",
    lambda w: {
        "kind": "agreement",
        "text": "签署港航合作协议",
        "deadline": f.later(120).isoformat(),
        "body_ids": [f.body("大连港口与口岸局").id],
        "key_task_id": 0,
    },
    VisitOutcome,
)


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("name", CASES)
def test_sending_a_creating_form_twice_creates_one_record(client, login, world, name):
    who, page, target, data, model = CASES[name]
    if name == "visit outcome":
        _outcome_visit(world)
    ids = {k: v for k, v in world.items() if isinstance(v, int)}
    page, target = page.format(**ids), target.format(**ids)
    login(who)
    key = _rendered_key(client.get(page).get_data(as_text=True), target)
    form = {**data(world), "once_key": key}
    before = _count(model)
    first = client.post(target, data=form)
    assert first.status_code == 302, first.get_data(as_text=True)[:2000]
    assert _count(model) == before + 1
    # Back in the browser, the same page (the same key) sent again:
    second = client.post(target, data=form)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert _count(model) == before + 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert NOTICE in shown
    entry = db.session.scalar(select(FormSubmission).where(FormSubmission.key == key))
    assert entry.object_type == model.__tablename__ and entry.location == first.headers["Location"]
    # A fresh page has a fresh key (where the form is still offered): doing it again on purpose
    # is still possible.
    fresh = client.get(page).get_data(as_text=True)
    if f'action="{target}"' in fresh:
        assert _rendered_key(fresh, target) != key


def test_a_refused_form_keeps_its_key_and_the_corrected_one_is_saved_once(client, login, world):
    login("lead.sh")
    draft = world["draft"]
    key = _rendered_key(
        client.get(f"/plans/{draft}/items/new").get_data(as_text=True), f"/plans/{draft}/items/new"
    )
    form = {**CASES["plan item"][3](world), "once_key": key}
    refused = client.post(f"/plans/{draft}/items/new", data={**form, "lead_body_ids": []})
    assert refused.status_code == 200 and _rendered_key(refused.get_data(as_text=True), "") == key
    before = _count(PlanItem)
    assert client.post(f"/plans/{draft}/items/new", data=form).status_code == 302
    assert client.post(f"/plans/{draft}/items/new", data=form).status_code == 302
    assert _count(PlanItem) == before + 1


def test_a_key_no_form_of_ours_made_is_never_stored(client, login, world):
    login("secretary.sh")
    data = {**CASES["agenda item"][3](world), "once_key": "x" * 3000}
    meeting = world["meeting"]
    before = _count(AgendaItem)
    assert client.post(f"/meetings/{meeting}/agenda", data=data).status_code == 302
    assert client.post(f"/meetings/{meeting}/agenda", data=data).status_code == 302
    assert _count(AgendaItem) == before + 2  # nothing to recognise it by
    assert all(len(k) < 64 for k in db.session.scalars(select(FormSubmission.key)))

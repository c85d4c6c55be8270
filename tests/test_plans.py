import re
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.meetings.models import Meeting
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan, PlanItem, PlanRevision
from coordination.timeutil import local_today
from tests import factories as f
from tests.conftest import messages_in
from workflows.workdays import add_workdays


def _item_form(**overrides):
    data = {
        "key_task_id": f.key_task(7).id,
        "title": "推进两地港航物流合作",
        "content": "共建物流通道",
        "expected_results": "开通航线1条",
        "deadline": f.later().isoformat(),
        "priority": "high",
        "lead_body_ids": [f.body("上海市交通委员会").id, f.body("大连港口与口岸局").id],
        "cooperating_body_ids": [f.body("上海市商务委员会").id],
        "milestones": f"{f.later(30).isoformat()} 完成方案",
    }
    return {**data, **overrides}


def test_lead_department_creates_a_plan_and_adds_an_item(client, login):
    login("lead.dl")
    year = local_today().year + 1
    response = client.post("/plans/new", data={"year": year, "title": f"{year}年工作要点"})
    plan = db.session.scalar(select(AnnualPlan))
    assert response.headers["Location"].endswith(f"/plans/{plan.id}")
    assert client.post(f"/plans/{plan.id}/items/new", data=_item_form()).status_code == 302
    item = db.session.scalar(select(PlanItem))
    assert item.priority == "high" and [m.title for m in item.milestones] == ["完成方案"]
    assert {u.body.name_zh for u in item.lead_units} == {"上海市交通委员会", "大连港口与口岸局"}
    assert db.session.scalar(select(func.count()).select_from(PlanRevision)) == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"plan.create", "plan.item_add"} <= actions


def test_duplicate_year_and_year_outside_the_period(client, login):
    login("lead.sh")
    f.draft_plan(year=2027)
    page = client.post("/plans/new", data={"year": 2027, "title": "重复"}).get_data(as_text=True)
    assert "2027 年已有年度计划" in page
    page = client.post("/plans/new", data={"year": 2099, "title": "太远"}).get_data(as_text=True)
    assert "合作期" in page
    assert db.session.scalar(select(func.count()).select_from(AnnualPlan)) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"deadline": "2020-01-01"}, "已过"),
        ({"deadline": "明年"}, "请输入日期"),
        ({"deadline": "0个工作日"}, "工作日须在 1 至 500 之间"),
        ({"lead_body_ids": []}, "至少指定一个牵头单位"),
        ({"lead_body_ids": "TWO_SH"}, "每方至多一个牵头单位"),
        ({"cooperating_body_ids": "SAME_AS_LEAD"}, "不能同时"),
        ({"lead_body_ids": "LEAD_DEPARTMENT"}, "不是此项的有效选项"),
        ({"key_task_id": 99999}, "不是有效的选项"),
        ({"title": ""}, "此项为必填项"),
        ({"title": "项" * 201}, "最多 200 个字符"),
        ({"milestones": "六月底 完成方案"}, "第 1 行"),
        ({"milestones": "2020-06-30 完成方案"}, "已过"),
    ],
)
def test_bad_item_input_is_explained_and_nothing_is_saved(client, login, overrides, message):
    plan = f.draft_plan(items=0)
    login("lead.sh")
    overrides = dict(overrides)
    special = {
        "TWO_SH": [f.body("上海市交通委员会").id, f.body("上海市科学技术委员会").id],
        "SAME_AS_LEAD": [f.body("上海市交通委员会").id],
        "LEAD_DEPARTMENT": [f.body("上海市人民政府合作交流办公室").id],
    }
    for key, value in overrides.items():
        if isinstance(value, str) and value in special:
            overrides[key] = special[value]
    response = client.post(f"/plans/{plan.id}/items/new", data=_item_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, messages_in(page)
    assert "共建物流通道" in page  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0
    assert db.session.scalar(select(func.count()).select_from(PlanRevision)) == 0


def test_liaisons_do_not_see_drafts_but_comment_in_consultation(client, login):
    plan = f.draft_plan()
    login("liaison.dl.port")
    assert client.get(f"/plans/{plan.id}").status_code == 403
    plans.start_consultation(plan, f.user("lead.sh"))
    db.session.commit()
    assert client.get(f"/plans/{plan.id}").status_code == 200
    item = plan.items[0]
    response = client.post(f"/plans/{plan.id}/items/{item.id}/comments", data={"text": "建议明确航线数量。"})
    assert response.status_code == 302
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "建议明确航线数量。" in page and "大连港口与口岸局" in page
    assert client.post(f"/plans/{plan.id}/items/{item.id}/edit", data=_item_form()).status_code == 403


def test_full_cycle_through_the_screens(client, login):
    plan = f.draft_plan(items=3)
    meeting = f.meeting(-2)
    login("lead.dl")
    # each step is offered on the page before it is taken, and confirmed in Chinese
    assert f"/plans/{plan.id}/actions/start_consultation" in client.get(f"/plans/{plan.id}").get_data(
        as_text=True
    )
    page = client.post(f"/plans/{plan.id}/actions/start_consultation", follow_redirects=True).get_data(
        as_text=True
    )
    assert db.session.get(AnnualPlan, plan.id).state == "consultation" and "计划已发起征求意见" in page
    assert f"/plans/{plan.id}/submit" in page
    client.post(f"/plans/{plan.id}/submit", data={"meeting_id": meeting.id})
    assert db.session.get(AnnualPlan, plan.id).state == "submitted"
    assert "年度计划" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    f.hold(db.session.get(Meeting, meeting.id))
    assert f"/plans/{plan.id}/actions/adopt" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    client.post(f"/plans/{plan.id}/actions/adopt")
    assert db.session.get(AnnualPlan, plan.id).state == "adopted"
    preview = client.get(f"/plans/{plan.id}/issue").get_data(as_text=True)
    assert "7 项任务" in preview and "6 个单位" in preview
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0  # preview only
    client.post(f"/plans/{plan.id}/issue", data={"document_number": "连发改〔2026〕3号"})
    plan = db.session.get(AnnualPlan, plan.id)
    assert plan.state == "issued" and plan.document_number == "连发改〔2026〕3号"
    events = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("plan.start_consultation", "plan.submit", "plan.adopt", "plan.issue"):
        assert action in events


def test_issue_creates_exactly_one_task_per_responsible_unit(app):
    plan = f.issued_plan(items=3)
    rows = db.session.execute(
        select(PlanItem.title, Assignment.role, Assignment.original_deadline, Assignment.current_deadline)
        .join(Assignment, Assignment.plan_item_id == PlanItem.id)
        .order_by(PlanItem.position, Assignment.role)
    ).all()
    units = sorted((a.body.name_zh, a.role) for a in db.session.scalars(select(Assignment)))
    assert units == sorted(
        [
            ("上海市交通委员会", "lead"),
            ("大连港口与口岸局", "lead"),
            ("上海市商务委员会", "cooperating"),
            ("上海市科学技术委员会", "lead"),
            ("大连市科学技术局", "lead"),
            ("上海市商务委员会", "lead"),
            ("大连市商务局", "cooperating"),
        ]
    )
    # "20 working days" is counted from the issue date on the PRC calendar.
    workday_rows = [r for r in rows if r.title == "联合举办招商推介活动"]
    assert {r.original_deadline for r in workday_rows} == {add_workdays(plan.issued_on, 20)}
    assert all(r.original_deadline == r.current_deadline for r in rows)


def test_plans_without_items_or_meeting_cannot_move_on(client, login):
    plan = f.draft_plan(items=0)
    login("lead.sh")
    client.post(f"/plans/{plan.id}/actions/start_consultation")
    assert "计划还没有任何事项" in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert db.session.get(AnnualPlan, plan.id).state == "draft"
    client.post(f"/plans/{plan.id}/actions/adopt")
    assert db.session.get(AnnualPlan, plan.id).state == "draft"


def test_issued_plan_changes_only_by_amendment(client, login):
    plan = f.issued_plan()
    item = plan.items[0]
    login("lead.sh")
    new_deadline = f.later(90)
    form = _item_form(
        deadline=new_deadline.isoformat(),
        cooperating_body_ids=[f.body("大连市商务局").id],  # 上海市商务委员会 out, 大连市商务局 in
        version=item.version,
        milestones="",
    )
    page = client.post(f"/plans/{plan.id}/items/{item.id}/edit", data=form).get_data(as_text=True)
    assert "需要填写修订理由" in page
    response = client.post(
        f"/plans/{plan.id}/items/{item.id}/edit", data={**form, "amendment_reason": "联席会议后调整"}
    )
    assert response.status_code == 302
    by_unit = {a.body.name_zh: a for a in db.session.scalars(select(Assignment))}
    lead = by_unit["上海市交通委员会"]
    assert lead.current_deadline == new_deadline and lead.original_deadline != new_deadline
    assert by_unit["上海市商务委员会"].state == "cancelled"
    assert by_unit["上海市商务委员会"].cancel_reason == "联席会议后调整"
    assert by_unit["大连市商务局"].state == "assigned"
    revision = db.session.scalar(select(PlanRevision).order_by(PlanRevision.number.desc()))
    assert revision.amendment and "联席会议后调整" in revision.note
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.amend")) is not None
    # Removing items of an issued plan is not an amendment we allow.
    client.post(f"/plans/{plan.id}/items/{item.id}/delete", data={"version": item.version})
    assert db.session.get(PlanItem, item.id) is not None


def test_revisions_compare_added_removed_changed(client, login):
    plan = f.draft_plan(items=2)
    lead = f.user("lead.sh")
    first = plan.items[0]
    plans.update_item(
        first, f.item_data(title="推进港航物流合作（修改）"), lead, expected_version=first.version
    )
    plans.delete_item(plan.items[1], lead, expected_version=plan.items[1].version)
    plans.add_item(plan, f.item_data(27, "人力资源共享", ("上海市人力资源和社会保障局",), ()), lead)
    db.session.commit()
    numbers = [r.number for r in db.session.get(AnnualPlan, plan.id).revisions]
    assert numbers == [1, 2, 3, 4, 5]
    login("lead.dl")
    page = client.get(f"/plans/{plan.id}/compare?a=2&b=5").get_data(as_text=True)
    assert "新增（1）" in page and "人力资源共享" in page
    assert "删除（1）" in page and "组织科技成果对接交流" in page
    assert "修改（1）" in page and "推进港航物流合作（修改）" in page


def test_concurrent_edits_do_not_overwrite(client, login):
    plan = f.draft_plan()
    item = plan.items[0]
    stale_version = item.version
    login("lead.sh")
    first = client.post(
        f"/plans/{plan.id}/items/{item.id}/edit", data=_item_form(title="甲的修改", version=stale_version)
    )
    assert first.status_code == 302
    second = client.post(
        f"/plans/{plan.id}/items/{item.id}/edit", data=_item_form(title="乙的修改", version=stale_version)
    )
    assert "其他人修改了此记录" in second.get_data(as_text=True)
    assert db.session.get(PlanItem, item.id).title == "甲的修改"


def test_excel_round_trip(client, login, run_jobs):
    source = f.draft_plan(items=3)
    login("lead.sh")
    exported = client.get(f"/plans/{source.id}/export.xlsx")
    assert exported.status_code == 200
    sheet = load_workbook(BytesIO(exported.data)).active
    assert [c.value for c in sheet[1]][:3] == ["序号", "重点任务编号", "事项名称"]
    target = plans.create_plan(f.mechanism(), source.year + 1, "导入目标", f.user("lead.sh"))
    db.session.commit()
    response = client.post(
        f"/plans/{target.id}/import",
        data={"file": (BytesIO(exported.data), "计划.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    run_jobs()  # the sheet is read in the background
    from coordination.plans.revisions import snapshot_item

    def comparable(plan_id):
        items = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan_id)).all()
        return sorted(({**snapshot_item(i), "id": None} for i in items), key=lambda s: s["title"])

    assert comparable(target.id) == comparable(source.id)
    assert len(db.session.get(AnnualPlan, target.id).revisions) == 1  # one revision for the import


def _sheet(rows, headers=None):
    from openpyxl import Workbook

    from coordination.plans.excel import HEADERS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_excel_import_lists_row_problems_and_imports_nothing(client, login, run_jobs):
    plan = f.draft_plan(items=0)
    login("lead.sh")
    good = [1, 7, "好的一行", "", "", "上海市交通委员会", "", "", f.later().isoformat(), "高", ""]
    rows = [
        good,
        [2, 99, "坏的任务编号", "", "", "上海市交通委员会", "", "", f.later().isoformat(), "", ""],
        [3, 8, "", "", "", "", "", "", "2020-01-01", "", ""],
        [4, 8, "未知单位", "", "", "不存在的局", "", "", "20个工作日", "很高", ""],
        [5, 8, "歧义简称", "", "", "", "", "市国资委", f.later().isoformat(), "", ""],
    ]
    response = client.post(
        f"/plans/{plan.id}/import",
        data={"file": (_sheet(rows), "x.xlsx")},
        content_type="multipart/form-data",
    )
    run_jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未导入任何内容" in page
    for expected in (
        "请填写 1 至 27 的重点任务编号",
        "未知单位“不存在的局”",
        "请填写“高”“一般”或“低”",
        "“市国资委”有歧义",
    ):
        assert expected in page
    assert '<td class="num">3</td>' in page and '<td class="num">5</td>' in page
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (lambda: _sheet([], headers=["名称", "时间"]), "缺少以下列"),
        (lambda: BytesIO(b"not a spreadsheet"), "不是 Excel"),
        (lambda: _sheet([]), "没有任何事项"),
    ],
)
def test_excel_import_rejects_bad_files(client, login, payload, message, run_jobs):
    plan = f.draft_plan(items=0)
    login("lead.sh")
    response = client.post(
        f"/plans/{plan.id}/import", data={"file": (payload(), "x.xlsx")}, content_type="multipart/form-data"
    )
    run_jobs()  # a file that is not a zip is refused at once; a workbook is read by the job
    page = client.get(response.headers["Location"]) if response.status_code == 302 else response
    page = page.get_data(as_text=True)
    assert message in page, messages_in(page)


def test_key_task_page_links_plan_items_and_tasks(client, login):
    plan = f.issued_plan()
    login("leader.sh")
    page = client.get("/framework/key-tasks/7").get_data(as_text=True)
    assert "推进两地港航物流合作" in page and f"/plans/{plan.id}#item-" in page
    assert "/tasks/" in page and "大连港口与口岸局" in page
    assert client.get("/framework/key-tasks/99").status_code == 404


def test_non_lead_roles_cannot_manage_plans(client, login):
    plan = f.draft_plan()
    for username in ("leader.sh", "secretary.sh", "liaison.sh.commerce"):
        login(username)
        assert client.post("/plans/new", data={"year": 2028, "title": "x"}).status_code == 403
        assert client.post(f"/plans/{plan.id}/actions/start_consultation").status_code == 403
        assert client.get(f"/plans/{plan.id}/issue").status_code == 403
    assert db.session.get(AnnualPlan, plan.id).state == "draft"


def test_deadline_in_working_days_is_kept_until_issue(app):
    plan = f.draft_plan(items=3)
    item = next(i for i in plan.items if i.deadline_workdays)
    assert item.deadline is None and item.deadline_workdays == 20
    issued_on = local_today() + timedelta(days=3)
    planned = plans.preview_issue(plan, issued_on)
    assert {p.deadline for p in planned if p.item is item} == {add_workdays(issued_on, 20)}


def test_a_draft_plan_s_year_and_title_can_be_edited_and_are_audited(client, login):
    plan = f.draft_plan()
    plan_id, year = plan.id, plan.year
    login("lead.sh")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f"/plans/{plan_id}/edit" in page
    form = client.get(f"/plans/{plan_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', form)[1]
    response = client.post(
        f"/plans/{plan_id}/edit", data={"year": year + 1, "title": "新标题", "version": version}
    )
    assert response.status_code == 302, messages_in(response.get_data(as_text=True))
    edited = db.session.get(AnnualPlan, plan_id)
    assert (edited.year, edited.title) == (year + 1, "新标题")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.update"))
    assert event.before["title"] == "工作要点" and event.after["year"] == year + 1
    # A page opened before that save cannot overwrite it.
    stale = client.post(f"/plans/{plan_id}/edit", data={"year": year, "title": "旧页面", "version": version})
    assert "其他人修改了此记录" in stale.get_data(as_text=True)
    assert db.session.get(AnnualPlan, plan_id).title == "新标题"


def test_a_plan_beyond_drafting_keeps_its_year_and_title(client, login):
    plan = f.issued_plan()
    login("lead.sh")
    assert f"/plans/{plan.id}/edit" not in client.get(f"/plans/{plan.id}").get_data(as_text=True)
    response = client.post(f"/plans/{plan.id}/edit", data={"year": plan.year, "title": "改名", "version": 1})
    assert "只有草稿状态的计划才能修改年度和标题" in response.get_data(as_text=True)
    assert db.session.get(AnnualPlan, plan.id).title == "工作要点"


def test_a_draft_with_nothing_but_drafting_behind_it_can_be_withdrawn(client, login):
    plan = f.draft_plan(items=2)
    plan_id, year = plan.id, plan.year
    login("lead.sh")
    page = client.post(
        f"/plans/{plan_id}/withdraw", data={"version": plan.version}, follow_redirects=True
    ).get_data(as_text=True)
    assert "草稿已撤回" in page, messages_in(page)
    assert db.session.get(AnnualPlan, plan_id) is None
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.withdraw"))
    assert event.object_id == plan_id and len(event.before["items"]) == 2
    # The year is free again.
    assert (
        client.post(
            "/plans/new", data={"year": year, "title": "重新起草", "report_cadence": "monthly"}
        ).status_code
        == 302
    )


def test_a_plan_that_went_to_consultation_or_was_issued_cannot_be_withdrawn(client, login):
    consulted = f.draft_plan(year=local_today().year + 2)
    lead = f.user("lead.sh")
    plans.start_consultation(consulted, lead)
    plans.return_to_draft(consulted, lead)
    issued = f.issued_plan()
    db.session.commit()
    login("lead.sh")
    page = client.post(f"/plans/{consulted.id}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "只有从未征求意见、也未提交会议的草稿才能撤回" in page
    assert f"/plans/{consulted.id}/withdraw" not in client.get(f"/plans/{issued.id}").get_data(as_text=True)
    client.post(f"/plans/{issued.id}/withdraw")
    assert (
        db.session.get(AnnualPlan, consulted.id) and db.session.get(AnnualPlan, issued.id).state == "issued"
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan.withdraw")
        )
        == 0
    )

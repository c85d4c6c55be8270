"""End-to-end journeys in a real browser, through the screens as people use them (Chinese UI).

The database and the factories only set up what is not part of a journey and check the end state.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import func, select

from coordination import inbox
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment, ExtensionRequest
from coordination.auth.models import User
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.jobs import get_queue, run_in_app
from coordination.meetings import plan_agenda
from coordination.meetings.models import Attendee, Meeting
from coordination.notifications import mail as notification_mail
from coordination.notifications.models import NotificationMail
from coordination.organizations.models import Body
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan, ItemComment, PlanItem
from coordination.timeutil import frozen_at, local_today, to_local, utcnow
from tests import factories as f
from tests.browser.conftest import sign_in
from workflows.notifications import next_digest
from workflows.reminders import next_sending_moment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GUEST = "zhang.wei@partner.example.com"


def nav(page: Page, label: str) -> None:
    page.locator("#site-nav").get_by_role("link", name=label, exact=True).click()


def flash(page: Page) -> Locator:
    return page.locator(".flashes")


def heading(page: Page) -> Locator:
    return page.locator(".page-header h1")


def form(page: Page, action: str) -> Locator:
    """The form that posts to a URL ending with this path."""
    return page.locator(f"form[action$='{action}']")


def fresh() -> None:
    """Forget what the test's session has loaded: the live server wrote since."""
    db.session.rollback()
    db.session.expire_all()


# --- 1 ---------------------------------------------------------------------------------------


def add_item(
    page: Page,
    key_task: str,
    title: str,
    deadline: str,
    leads: tuple[str, ...],
    cooperating: tuple[str, ...] = (),
    priority: str | None = None,
) -> None:
    page.get_by_role("link", name="新增事项", exact=True).click()
    expect(heading(page)).to_have_text("新增事项")
    page.get_by_label("重点任务").select_option(label=key_task)
    page.get_by_label("事项").fill(title)
    page.get_by_label("工作内容").fill(f"{title}：工作内容")
    page.get_by_label("预期成果").fill("形成成果1项")
    page.get_by_label("完成时限").fill(deadline)
    if priority:
        page.get_by_label("优先级").select_option(label=priority)
    page.get_by_label("牵头单位").select_option(label=list(leads))
    if cooperating:
        page.get_by_label("配合单位").select_option(label=list(cooperating))
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("事项已新增。")
    expect(page.locator("article.plan-item", has_text=title)).to_be_visible()


def test_lead_department_drafts_a_plan_a_unit_comments_and_it_goes_to_the_joint_meeting(page, app):
    meeting = f.meeting()  # set-up: the joint meeting being prepared
    year = local_today().year + 1
    title = f"{year}年沪连对口合作工作要点"

    sign_in(page, "lead.sh")
    nav(page, "年度计划")
    page.get_by_role("link", name="新建年度计划").click()
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("标题").fill(title)
    page.get_by_role("button", name="创建").click()
    expect(flash(page)).to_contain_text("计划已创建，请添加事项。")
    expect(heading(page)).to_contain_text(title)
    expect(heading(page).locator(".badge")).to_have_text("草稿")

    add_item(
        page,
        "7. 国际航运中心和物流中心建设",
        "推进两地港航物流合作",
        f"{year}-10-31",
        ("上海 · 上海市交通委员会", "大连 · 大连港口与口岸局"),
        ("上海 · 上海市商务委员会",),
        priority="高",
    )
    add_item(
        page,
        "8. 国际贸易中心建设",
        "联合举办招商推介活动",
        "20个工作日",
        ("上海 · 上海市商务委员会",),
        ("大连 · 大连市商务局",),
    )
    add_item(
        page,
        "15. 科技研发与转化合作",
        "组织科技成果对接交流",
        f"{year}-09-30",
        ("上海 · 上海市科学技术委员会", "大连 · 大连市科学技术局"),
    )
    expect(page.get_by_text("共 3 项")).to_be_visible()
    expect(page.locator("article.plan-item", has_text="联合举办招商推介活动")).to_contain_text(
        "印发后 20 个工作日"
    )
    page.get_by_role("button", name="发起征求意见").click()
    expect(flash(page)).to_contain_text("计划已发起征求意见")
    expect(heading(page).locator(".badge")).to_have_text("征求意见中")

    # A member unit reads the plan and comments on the item it leads.
    sign_in(page, "liaison.dl.port")
    nav(page, "年度计划")
    page.get_by_role("link", name=title).click()
    item = page.locator("article.plan-item", has_text="推进两地港航物流合作")
    item.locator("summary", has_text="成员单位意见").click()
    item.get_by_label("您的意见").fill("建议明确航线数量，并注明运营主体。")
    item.get_by_role("button", name="提交意见").click()
    expect(flash(page)).to_contain_text("意见已提交。")
    item = page.locator("article.plan-item", has_text="推进两地港航物流合作")
    expect(item.locator("details.comments li")).to_contain_text("大连港口与口岸局")
    expect(item.locator("details.comments li")).to_contain_text("建议明确航线数量，并注明运营主体。")

    # The lead department puts the plan on the joint meeting's agenda.
    sign_in(page, "lead.sh")
    nav(page, "年度计划")
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="提交联席会议审议").click()
    page.get_by_label("联席会议").select_option(label=meeting.title)
    page.get_by_role("button", name="列入议程").click()
    expect(flash(page)).to_contain_text("计划已列入会议议程。")
    expect(heading(page).locator(".badge")).to_have_text("已提交会议审议")
    expect(page.get_by_role("link", name=meeting.title)).to_be_visible()
    item = page.locator("article.plan-item", has_text="推进两地港航物流合作")
    expect(item.locator("details.comments")).to_contain_text("建议明确航线数量，并注明运营主体。")
    expect(item.locator("details.comments summary")).to_have_text("成员单位意见 (1)")

    page.get_by_role("link", name=meeting.title).click()
    agenda = page.locator("#agenda")
    expect(agenda.get_by_role("link", name=title)).to_be_visible()
    expect(agenda.locator(".badge")).to_have_text("已提交会议审议")

    fresh()
    plan = db.session.scalar(select(AnnualPlan).where(AnnualPlan.year == year))
    assert plan.state == "submitted" and plan.meeting_id == meeting.id
    items = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id)).all()
    assert len(items) == 3 and len({i.key_task_id for i in items}) == 3
    parties = {u.body.party.code for i in items for u in i.lead_units}
    assert parties == {"sh", "dl"}
    comment = db.session.scalar(select(ItemComment))
    assert comment.author.username == "liaison.dl.port" and comment.item.title == "推进两地港航物流合作"


# --- 2 ---------------------------------------------------------------------------------------


def test_secretary_schedules_the_meeting_a_guest_accepts_the_plan_is_adopted_and_issued(
    page, new_page, live_server, app, smtp, run_jobs
):
    plan = f.draft_plan(items=3)  # set-up: a plan in consultation
    plans.start_consultation(plan, f.user("lead.sh"))
    db.session.commit()
    plan_title = plan.title
    day = local_today() + timedelta(days=20)
    meeting_title = f"{day.year}年沪连对口合作联席会议"

    sign_in(page, "secretary.dl")
    nav(page, "会议与互访")
    page.get_by_role("link", name="新建会议").click()
    page.get_by_label("类别").select_option(label="联席会议")
    page.get_by_label("承办方").select_option(label="大连")
    page.get_by_label("标题").fill(meeting_title)
    page.get_by_label("开始时间").fill(f"{day.isoformat()}T09:30")
    page.get_by_label("结束时间").fill(f"{day.isoformat()}T11:30")
    page.get_by_label("地点").fill("大连市人民政府第一会议室")
    page.get_by_label("主持").fill("刘振华")
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("会议已创建")
    expect(heading(page)).to_contain_text(meeting_title)

    attendees = page.locator("#attendees")
    attendees.get_by_label("系统用户").select_option(label="刘振华（leader.dl）")
    attendees.get_by_label("角色").select_option(label="主持")
    attendees.get_by_role("button", name="邀请").click()
    expect(flash(page)).to_contain_text("已添加参会人员。")
    attendees = page.locator("#attendees")
    attendees.get_by_label("或外部嘉宾：姓名").fill("Zhang Wei")
    attendees.get_by_label("嘉宾邮箱").fill(GUEST)
    attendees.get_by_label("角色").select_option(label="列席")
    attendees.get_by_role("button", name="邀请").click()
    expect(flash(page)).to_contain_text("已添加参会人员。")
    rows = page.locator("#attendees tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Zhang Wei")).to_contain_text("外部嘉宾")
    expect(rows.filter(has_text="Zhang Wei")).to_contain_text("未回复")
    meeting_url = page.url

    # The lead department puts the plan on this meeting's agenda before the invitations go out.
    sign_in(page, "lead.sh")
    nav(page, "年度计划")
    page.get_by_role("link", name=plan_title).click()
    page.get_by_role("link", name="提交联席会议审议").click()
    page.get_by_label("联席会议").select_option(label=meeting_title)
    page.get_by_role("button", name="列入议程").click()
    expect(heading(page).locator(".badge")).to_have_text("已提交会议审议")

    sign_in(page, "secretary.dl")
    page.goto(meeting_url)
    expect(page.locator("#agenda").get_by_role("link", name=plan_title)).to_be_visible()
    page.get_by_role("button", name="发送会议通知").click()
    expect(flash(page)).to_contain_text("会议通知正在发送给全体参会人员。")
    expect(heading(page).locator(".badge")).to_have_text("已安排")

    fresh()
    run_jobs()
    inbox = smtp.to(GUEST)
    assert inbox, [m["To"] for m in smtp.messages]
    invitation = inbox[0]
    assert "text/calendar" in [p.get_content_type() for p in invitation.walk()]
    assert smtp.to("leader.dl@hulian.example.cn")
    text = invitation.get_body(("plain",)).get_content()
    assert meeting_title in text
    accept = re.search(r"接受：(\S+)", text).group(1)
    accept = accept.replace(app.config["SERVER_BASE_URL"], live_server)

    # The guest (no account) opens the link from the e-mail in their own browser and confirms.
    guest = new_page()
    guest.goto(accept)
    expect(guest.get_by_role("heading", name=meeting_title)).to_be_visible()
    expect(guest.get_by_text("请确认您的回复：")).to_contain_text("接受")
    guest.get_by_role("button", name="确认").click()
    expect(guest.get_by_role("heading", name="谢谢")).to_be_visible()
    expect(guest.get_by_text("的回复已记录：接受")).to_be_visible()

    page.reload()
    guest_row = page.locator("#attendees tbody tr", has_text="Zhang Wei")
    expect(guest_row.locator(".badge")).to_have_text("接受")
    expect(page.locator(".badge-accepted").first).to_contain_text("接受 1")

    # Not before it has started: the page says when it can be recorded, and offers no button yet…
    expect(page.get_by_role("button", name="登记为已召开")).to_have_count(0)
    expect(page.get_by_text("会议开始后")).to_be_visible()
    expect(heading(page).locator(".badge")).to_have_text("已安排")
    # …so, as set-up, the meeting's day comes: it is moved to this morning.
    fresh()
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == meeting_title))
    meeting.starts_at, meeting.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
    db.session.commit()
    # The meeting is held and adopts the plan.
    page.reload()
    page.get_by_role("button", name="登记为已召开").click()
    expect(flash(page)).to_contain_text("已登记会议召开")
    expect(heading(page).locator(".badge")).to_have_text("已召开")
    page.locator("#agenda").get_by_role("button", name="审议通过").click()
    expect(page.locator("#agenda .badge")).to_have_text("已审议通过")

    # The lead department issues the plan with its document number.
    sign_in(page, "lead.sh")
    nav(page, "年度计划")
    page.get_by_role("link", name=plan_title).click()
    expect(heading(page).locator(".badge")).to_have_text("已审议通过")
    page.get_by_role("link", name="印发计划……").click()
    expect(heading(page)).to_have_text("印发计划：向 6 个单位分解 7 项任务")
    page.get_by_label("文号").fill("沪合作办〔2027〕1号")
    page.get_by_role("button", name="印发并分解任务").click()
    expect(flash(page)).to_contain_text("计划已印发，任务已分解到各单位。")
    expect(heading(page).locator(".badge")).to_have_text("已印发")
    expect(page.get_by_text("沪合作办〔2027〕1号")).to_be_visible()
    port_row = page.locator("article.plan-item", has_text="推进两地港航物流合作").locator(
        "tr", has_text="大连港口与口岸局"
    )
    expect(port_row).to_contain_text("待签收")

    # The member unit finds its task under "my tasks".
    sign_in(page, "liaison.dl.port")
    nav(page, "任务")
    expect(heading(page)).to_have_text("我的任务")
    row = page.locator("table.data tbody tr", has_text="推进两地港航物流合作")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待签收")
    expect(page.locator("table.data tbody tr")).to_have_count(1)

    fresh()
    plan = db.session.get(AnnualPlan, plan.id)
    assert plan.state == "issued" and plan.document_number == "沪合作办〔2027〕1号"
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == meeting_title))
    assert meeting.state == "held" and plan.meeting_id == meeting.id
    answer = db.session.scalar(select(Attendee).where(Attendee.email == GUEST))
    assert answer.partstat == "ACCEPTED"
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 7


# --- 3 ---------------------------------------------------------------------------------------


def open_task(page: Page, username: str, menu: str, title: str = "推进两地港航物流合作") -> None:
    """Sign in as someone and open the task from their menu (我的任务 or 审核销号)."""
    sign_in(page, username)
    nav(page, menu)
    page.get_by_role("link", name=title).click()


def open_action(page: Page, summary: str) -> None:
    page.locator("summary", has_text=summary).click()


def submit_completion(page: Page, results: str) -> None:
    open_action(page, "报送办结")
    completion = form(page, "/complete")
    completion.get_by_label("完成情况").fill(results)
    completion.get_by_role("button", name="提交审核").click()


def test_a_unit_carries_a_task_through_extension_and_rework_to_closure(page, app, tmp_path):
    f.issued_plan()  # set-up: an issued plan with a task for 大连港口与口岸局
    port = f.body("大连港口与口岸局")
    task = db.session.scalar(select(Assignment).where(Assignment.body_id == port.id))
    original = task.original_deadline
    requested = original + timedelta(days=30)
    pdf = tmp_path / "进展材料.pdf"
    pdf.write_bytes(PDF)

    open_task(page, "liaison.dl.port", "任务")
    badge = page.locator(".page-header .actions .badge").first  # the state; "overdue" would follow
    expect(badge).to_have_text("待签收")
    page.get_by_role("button", name="签收").click()
    expect(flash(page)).to_contain_text("已签收")
    expect(badge).to_have_text("已签收")

    open_action(page, "报送进展")
    report = form(page, "/report")
    report.get_by_label("报送期间").fill("2026年11月")
    report.get_by_label("完成进度").fill("40")
    report.get_by_label("进展").last.fill("航线方案已报批。")
    report.locator("input[type=file]").set_input_files(pdf)
    report.get_by_role("button", name="报送").click()
    expect(flash(page)).to_contain_text("进展已报送。")
    expect(badge).to_have_text("办理中")
    reports = page.locator("article.report")
    expect(reports).to_contain_text("航线方案已报批。")
    expect(reports.get_by_role("link", name="进展材料.pdf")).to_be_visible()

    open_action(page, "申请延期")
    extension = form(page, "/extension")
    extension.get_by_label("申请延期至").fill(requested.isoformat())
    extension.get_by_label("理由").fill("航线审批周期较长。")
    extension.get_by_role("button", name="提交申请").click()
    expect(flash(page)).to_contain_text("延期申请已提交")
    expect(page.get_by_role("cell", name="待审批")).to_be_visible()

    # The lead department approves the extension from its verification queue.
    sign_in(page, "lead.dl")
    nav(page, "审核销号")
    row = page.locator("tr", has_text="航线审批周期较长。")
    row.get_by_label("备注").fill("同意延期。")
    row.get_by_role("button", name="同意").click()
    expect(flash(page)).to_contain_text("已同意延期，完成时限已调整。")

    open_task(page, "liaison.dl.port", "任务")
    expect(page.locator("dl.facts")).to_contain_text(f"{requested}")
    expect(page.locator("dl.facts")).to_contain_text(f"原定 {original}")
    submit_completion(page, "航线已开通。")
    expect(flash(page)).to_contain_text("已报送办结")
    expect(badge).to_have_text("已报办结")

    # The lead department returns it once, with a reason.
    open_task(page, "lead.dl", "审核销号")
    open_action(page, "退回")
    back = form(page, "/return")
    back.get_by_label("理由").fill("请补充航线运营数据。")
    back.get_by_role("button", name="退回责任单位").click()
    expect(flash(page)).to_contain_text("已退回责任单位并附理由。")
    expect(badge).to_have_text("已退回")

    open_task(page, "liaison.dl.port", "任务")
    expect(page.locator("dl.facts")).to_contain_text("请补充航线运营数据。")
    # The page says what to do next, and the completion goes straight back in.
    expect(page.locator("#returned-next-step")).to_contain_text("直接重新报送办结")
    submit_completion(page, "航线已开通，附运营数据。")
    expect(badge).to_have_text("已报办结")

    # The lead department verifies and closes it with a quality score.
    open_task(page, "lead.dl", "审核销号")
    close = form(page, "/close")
    close.get_by_label("质量评分").select_option("4")
    close.get_by_label("审核意见").fill("材料齐全。")
    close.get_by_role("button", name="审核销号").click()
    expect(flash(page)).to_contain_text("已审核销号。")
    expect(badge).to_have_text("已销号")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("4 / 5")
    expect(facts).to_contain_text(f"原定 {original}")  # the original deadline is still shown
    history = page.locator(".timeline li")
    for step in (
        "分解了任务",
        "签收了任务",
        "报送了进展",
        "申请了延期",
        "同意了延期",
        "报送了办结",
        "退回了任务",
        "审核销号",
    ):
        expect(history.filter(has_text=step).first).to_be_visible()
    expect(history.filter(has_text="报送了办结")).to_have_count(2)

    fresh()
    task = db.session.get(Assignment, task.id)
    assert task.state == "closed" and task.quality == 4 and task.closed_by.username == "lead.dl"
    assert task.original_deadline == original and task.current_deadline == requested
    assert db.session.scalar(select(ExtensionRequest.state)) == "approved"
    assert [a.filename for a in task.attachments] == ["进展材料.pdf"]


# --- 4 ---------------------------------------------------------------------------------------


def test_a_leader_reads_the_overview_and_downloads_the_generated_report(page, app, run_jobs, tmp_path):
    f.issued_plan(items=3)  # set-up: a year of work to supervise
    year = local_today().year + 1
    tasks = db.session.scalar(
        select(func.count()).select_from(Assignment).where(Assignment.state != "cancelled")
    )

    sign_in(page, "leader.sh")
    nav(page, "督查总览")
    expect(heading(page)).to_have_text(f"{year} 年督查总览")
    expect(page.locator(".card-body svg")).to_be_visible()
    expect(page.locator(".stat-value").first).to_have_text(str(tasks))
    expect(page.get_by_text("任务（3 个事项）")).to_be_visible()

    page.get_by_role("link", name="打印版").click()
    expect(page).to_have_url(re.compile(rf"/supervision/print\?scope={year}$"))
    expect(page.locator(".print-report svg")).to_be_visible()
    expect(page.locator(".print-report .stat-value").first).to_have_text(str(tasks))

    page.go_back()
    page.locator(".page-header").get_by_role("link", name="报告", exact=True).click()
    expect(heading(page)).to_have_text("督查通报")
    page.locator("select[name=scope]").select_option(str(year))
    page.get_by_role("button", name="生成报告（Excel）").click()
    expect(flash(page)).to_contain_text("报告正在生成")
    row = page.locator("tr[data-report-status]")
    expect(row.locator("[data-report-label]")).to_have_text("排队中")

    fresh()
    run_jobs()
    # static/js/app.js polls the status and reveals the download link.
    expect(row.locator("[data-report-label]")).to_have_text("已生成", timeout=15_000)
    link = row.get_by_role("link", name="下载")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{year}年度督查通报.xlsx"
    saved = tmp_path / "report.xlsx"
    download.save_as(saved)

    book = load_workbook(saved)
    assert "汇总" in book.sheetnames
    total = next(r for r in book["汇总"].iter_rows(values_only=True) if r[0] == "合计")
    assert total[2] == tasks == 7
    page.reload()
    expect(page.locator("tbody tr").first).to_contain_text("已生成")
    expect(page.locator("tbody tr").first).to_contain_text(f"{year}年度督查通报.xlsx")


# --- 5 ---------------------------------------------------------------------------------------


def adopted_plan(items: int = 3) -> AnnualPlan:
    """Set-up: a plan the joint meeting adopted yesterday, ready to be issued."""
    plan = f.draft_plan(items=items)
    lead = f.user("lead.sh")
    m = f.meeting(-1)
    plan_agenda.submit_to_meeting(plan, m, lead)
    f.hold(m)
    plans.adopt(plan, lead)
    db.session.commit()
    return plan


def pending_mail(username: str) -> list[NotificationMail]:
    fresh()
    return list(
        db.session.scalars(
            select(NotificationMail)
            .join(User, User.id == NotificationMail.user_id)
            .where(User.username == username, NotificationMail.status == "pending")
        )
    )


def send_mail_when_due(run_jobs, due: datetime) -> None:
    """The mail job of a moment, run by the real worker as of that moment (Beijing time): the
    e-mail of a digest, or of a notification made in quiet hours, goes out then."""
    get_queue().enqueue(run_in_app, notification_mail.deliver_due)
    with frozen_at(to_local(due).replace(tzinfo=None)):
        run_jobs()


def bell(page: Page) -> Locator:
    return page.locator(".user-menu .bell")


def test_the_liaison_is_told_of_the_issued_plan_in_the_bell_and_by_one_email(
    page, live_server, app, smtp, run_jobs
):
    plan = adopted_plan()
    plan_title = plan.title
    port = "liaison.dl.port@hulian.example.cn"

    # The liaison wants every notification by e-mail at once.
    sign_in(page, "liaison.dl.port")
    expect(bell(page).locator(".bell-count")).to_have_count(0)
    page.locator(".user-menu").get_by_role("link", name="通知设置").click()
    expect(heading(page)).to_have_text("通知设置")
    expect(page.get_by_label("每日汇总（工作日9:00）")).to_be_checked()  # the default
    page.get_by_label("即时发送（每条一封）").check()
    page.get_by_role("button", name="保存").click()
    expect(flash(page)).to_contain_text("已保存。")
    expect(page.get_by_label("即时发送（每条一封）")).to_be_checked()

    # The lead department issues the plan.
    sign_in(page, "lead.sh")
    nav(page, "年度计划")
    page.get_by_role("link", name=plan_title).click()
    page.get_by_role("link", name="印发计划……").click()
    page.get_by_label("文号").fill("沪合作办〔2027〕2号")
    page.get_by_role("button", name="印发并分解任务").click()
    expect(flash(page)).to_contain_text("计划已印发，任务已分解到各单位。")
    issued_at = to_local(utcnow()).replace(tzinfo=None)

    fresh()
    task = db.session.scalar(
        select(Assignment).join(Body, Body.id == Assignment.body_id).where(Body.name_zh == "大连港口与口岸局")
    )
    line = f"推进两地港航物流合作（牵头，完成时限 {task.current_deadline:%Y-%m-%d}）"
    # Exactly one e-mail is waiting for the liaison: now, or the next working morning if the
    # plan was issued at night or on a rest day (quiet hours).
    (waiting,) = pending_mail("liaison.dl.port")
    assert not waiting.digest
    due = to_local(waiting.due_at).replace(tzinfo=None)
    assert abs(due - next_sending_moment(issued_at)) < timedelta(seconds=30)
    run_jobs()
    if pending_mail("liaison.dl.port"):
        send_mail_when_due(run_jobs, waiting.due_at)
    assert len(smtp.to(port)) == 1, [m["To"] for m in smtp.messages]
    (email,) = smtp.to(port)
    assert "分派了 1 项任务" in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    assert plan_title in text and line in text
    link = re.search(r"查看：(\S+)", text).group(1)
    assert link.endswith(f"/tasks/{task.id}")

    # The liaison signs in: the bell shows one unread notification.
    sign_in(page, "liaison.dl.port")
    expect(bell(page).locator(".bell-count")).to_have_text("1")
    bell(page).click()
    expect(heading(page)).to_have_text("通知")
    rows = page.locator("table.notifications tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("市港口与口岸局")
    expect(rows).to_contain_text("分派了 1 项任务")
    expect(rows.locator(".notification-lines li")).to_have_text([line])
    expect(rows.locator(".badge", has_text="新")).to_be_visible()
    rows.get_by_role("link", name=re.compile("分派了 1 项任务")).click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task.id}$"))
    expect(heading(page)).to_contain_text("推进两地港航物流合作")
    expect(bell(page).locator(".bell-count")).to_have_count(0)  # read now
    bell(page).click()
    expect(rows.locator(".badge", has_text="新")).to_have_count(0)
    expect(page.get_by_role("button", name="全部标为已读")).to_have_count(0)

    # The link in the e-mail opens the task.
    page.goto(link.replace(app.config["SERVER_BASE_URL"], live_server))
    expect(heading(page)).to_contain_text("推进两地港航物流合作")
    expect(page.locator(".page-header .actions .badge").first).to_have_text("待签收")

    fresh()
    assert len(smtp.to(port)) == 1  # still one: opening the page sends nothing more
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .join(User)
            .where(User.username == "liaison.dl.port", Notification.read_at.is_(None))
        )
        == 0
    )


def test_the_lead_department_is_told_of_a_submitted_completion_in_the_bell_and_the_morning_digest(
    page, app, smtp, run_jobs
):
    f.issued_plan()  # set-up: the task of 上海市交通委员会, which its liaison has started
    transport = f.user("liaison.sh.transport")
    task = db.session.scalar(
        select(Assignment).join(Body, Body.id == Assignment.body_id).where(Body.name_zh == "上海市交通委员会")
    )
    tasks.acknowledge(task, transport)
    tasks.start(task, transport)
    db.session.commit()
    run_jobs()  # what the issue queued goes out first
    lead_mail_before = len(smtp.to("lead.sh@hulian.example.cn"))
    fresh()
    inbox.mark_read(f.user("lead.sh").id)  # set-up: lead.sh has read everything told so far
    db.session.commit()

    open_task(page, "liaison.sh.transport", "任务")
    submit_completion(page, "航线已开通，运营数据附后。")
    expect(flash(page)).to_contain_text("已报送办结")
    submitted_at = to_local(utcnow()).replace(tzinfo=None)

    sign_in(page, "lead.sh")
    expect(bell(page).locator(".bell-count")).to_have_text("1")
    bell(page).click()
    page.get_by_label("类别").select_option(label="提交办结待审核")
    page.get_by_label("仅看未读").check()
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("table.notifications tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("提交办结，待审核：推进两地港航物流合作")
    expect(rows.locator(".notification-lines li")).to_have_text(["办理结果：航线已开通，运营数据附后。"])
    rows.get_by_role("link", name=re.compile("提交办结")).click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task.id}$"))
    expect(page.locator(".page-header .actions .badge").first).to_have_text("已报办结")
    expect(bell(page).locator(".bell-count")).to_have_count(0)

    # lead.sh keeps the default, the daily digest: nothing by e-mail now, one row for 09:00 on
    # the next working day.
    run_jobs()
    assert len(smtp.to("lead.sh@hulian.example.cn")) == lead_mail_before
    (waiting,) = pending_mail("lead.sh")
    assert waiting.digest
    assert to_local(waiting.due_at).replace(tzinfo=None) in {
        next_digest(submitted_at),
        next_digest(to_local(utcnow()).replace(tzinfo=None)),
    }
    send_mail_when_due(run_jobs, waiting.due_at)
    sent = smtp.to("lead.sh@hulian.example.cn")[lead_mail_before:]
    assert len(sent) == 1, [m["Subject"] for m in sent]
    text = sent[0].get_body(("plain",)).get_content()
    assert "提交办结，待审核：推进两地港航物流合作" in text
    assert "办理结果：航线已开通，运营数据附后。" in text
    assert f"/tasks/{task.id}" in text
    assert pending_mail("lead.sh") == []

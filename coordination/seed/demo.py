"""A year of work replayed through the real operations, so the demo has an issued plan with
tasks in every state, a history on each, and next year's plan in consultation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.auth.models import User
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.meetings import operations as meetings
from coordination.organizations.models import Body, Mechanism, Party
from coordination.plans import operations as plans
from coordination.plans.models import AnnualPlan
from coordination.timeutil import frozen_at, local_today

# (key task, title, content, expected results, deadline, Shanghai lead, Dalian lead, co-operating)
ITEMS = [
    (
        7,
        "推进两地港航物流合作",
        "共建长三角与辽宁沿海城市间物流通道，推动国际贸易“单一窗口”互联互通。",
        "开通内贸集装箱航线1条；完成“单一窗口”数据互通方案",
        date(2026, 10, 31),
        "上海市交通委员会",
        "大连港口与口岸局",
        ["上海市商务委员会"],
    ),
    (
        8,
        "联合举办招商推介活动",
        "在沪举办大连投资环境推介会，组织两地企业对接。",
        "举办推介会1场，签约项目不少于5个",
        date(2026, 6, 30),
        "上海市商务委员会",
        "大连市商务局",
        [],
    ),
    (
        15,
        "组织科技成果对接交流",
        "定期组织两地科技成果转移转化对接活动。",
        "举办对接会2场，促成合作项目3项",
        date(2026, 9, 30),
        "上海市科学技术委员会",
        "大连市科学技术局",
        ["上海张江高新技术产业开发区管理委员会"],
    ),
    (
        20,
        "推动张江与大连高新区对接",
        "在产业互动、科技金融等方面开展合作，探索“基金+基地”模式。",
        "签署合作备忘录1份",
        date(2026, 12, 15),
        "上海张江高新技术产业开发区管理委员会",
        "大连高新技术产业园区管理委员会",
        ["大连市科学技术局"],
    ),
    (
        13,
        "共同开展旅游宣传推广",
        "互相参与旅游节事活动，联合开展旅游促销。",
        "联合推广活动不少于2次",
        date(2026, 11, 30),
        "上海市文化和旅游局",
        "大连市文化和旅游局",
        [],
    ),
    (
        9,
        "推动金融机构互设分支",
        "支持金融机构依法合规在大连设立分支机构。",
        "新增设立分支机构2家",
        date(2026, 12, 31),
        "上海市地方金融监督管理局",
        "大连市金融发展局",
        ["大连市商务局"],
    ),
    (
        25,
        "互派干部挂职交流",
        "围绕自贸试验区建设、金融和航运等领域互派干部挂职。",
        "互派挂职干部各不少于10名",
        date(2026, 12, 31),
        "中共上海市委组织部",
        "中共大连市委组织部",
        [],
    ),
    (
        12,
        "新兴产业供需对接",
        "推进软件和信息服务、生物医药等新兴产业对接合作。",
        "促成合作项目不少于3项",
        date(2026, 12, 15),
        "上海市经济和信息化委员会",
        "大连港口与口岸局",
        ["大连市商务局"],
    ),
]

NEXT_YEAR_ITEMS = [
    (
        18,
        "复制推广自贸试验区改革经验",
        "推动两市自贸试验区间资源、平台和信息共享。",
        "形成可复制经验清单1份",
        "40个工作日",
        "中国（上海）自由贸易试验区管理委员会",
        "中国（辽宁）自由贸易试验区大连片区管理委员会",
        [],
    ),
    (
        14,
        "大连农特优产品进沪“绿色通道”",
        "利用上海农产品展销平台和电商平台。",
        "举办产销对接活动2场",
        date(2027, 9, 30),
        "上海市农业农村委员会",
        "大连市农业农村局",
        ["大连市商务局"],
    ),
]


@contextmanager
def _at(day: date, hour: int = 10) -> Iterator[None]:
    """Replay the block on that day; flushing inside keeps the day's timestamps."""
    with frozen_at(datetime(day.year, day.month, day.day, hour)):
        yield
        db.session.flush()


def load_demo_plans(mechanism: Mechanism) -> bool:
    year = local_today().year
    if db.session.scalar(
        select(AnnualPlan.id).where(AnnualPlan.mechanism_id == mechanism.id, AnnualPlan.year == year)
    ):
        return False
    user = {u.username: u for u in db.session.scalars(select(User))}
    body = {b.name_zh: b for b in db.session.scalars(select(Body).where(Body.mechanism_id == mechanism.id))}
    task = {
        t.number: t.id
        for t in db.session.scalars(select(KeyTask).where(KeyTask.mechanism_id == mechanism.id))
    }
    party = {
        p.code: p.id for p in db.session.scalars(select(Party).where(Party.mechanism_id == mechanism.id))
    }
    lead_sh, lead_dl = user["lead.sh"], user["lead.dl"]

    def item_data(spec: tuple) -> plans.ItemData:
        number, title, content, expected, deadline, sh, dl, coop = spec
        return plans.ItemData(
            key_task_id=task[number],
            title=title,
            content=content,
            expected_results=expected,
            deadline=deadline if isinstance(deadline, date) else None,
            deadline_workdays=None if isinstance(deadline, date) else int(deadline.split("个")[0]),
            lead_body_ids=[body[sh].id, body[dl].id],
            cooperating_body_ids=[body[c].id for c in coop],
        )

    with _at(date(year, 1, 12)):
        plan = plans.create_plan(mechanism, year, f"{year}年沪连对口合作工作要点", lead_sh)
        for spec in ITEMS[:5]:
            plans.add_item(plan, item_data(spec), lead_sh)
    with _at(date(year, 1, 14)):
        for spec in ITEMS[5:]:
            plans.add_item(plan, item_data(spec), lead_dl)
    with _at(date(year, 1, 20)):
        plans.start_consultation(plan, lead_sh)
    with _at(date(year, 1, 26)):
        plans.add_comment(
            plan.items[0], user["liaison.dl.port"], "建议将航线开通数量明确为“不少于1条”，并注明运营主体。"
        )
    with _at(date(year, 2, 2)):
        meeting = meetings.create_meeting(
            mechanism,
            user["secretary.dl"],
            meetings.MeetingData(
                kind="joint",
                title=f"{year}年沪连对口合作联席会议",
                starts_local=datetime(year, 3, 5, 9, 30),
                ends_local=datetime(year, 3, 5, 12, 0),
                host_party_id=party["dl"],
                venue="大连市人民政府第一会议室",
                chair_name="刘振华",
            ),
        )
        for username, role in (
            ("leader.dl", "chair"),
            ("leader.sh", "required"),
            ("lead.sh", "required"),
            ("lead.dl", "required"),
        ):
            meetings.add_attendee(meeting, user["secretary.dl"], user=user[username], role=role)
        meetings.add_agenda_item(
            meeting,
            user["secretary.dl"],
            title=f"{year - 1}年度对口合作工作总结",
            presenter_body_id=body["上海市人民政府合作交流办公室"].id,
        )
        plans.submit_to_meeting(plan, meeting, lead_dl)
        meetings.schedule(meeting, user["secretary.dl"])
    with _at(date(year, 2, 4)):
        answers = ("accepted", "accepted", "tentative", "accepted")
        for attendee, answer in zip(meeting.attendees, answers, strict=True):
            meetings.answer(attendee, answer)
    with _at(date(year, 3, 5), 12):
        meetings.hold(meeting, user["secretary.dl"])
        plans.adopt(plan, lead_sh)
        meetings.record_outcome(
            meeting, user["secretary.dl"], meeting.agenda[0], "会议听取了上年度工作总结。"
        )
        meetings.record_outcome(
            meeting, user["secretary.dl"], meeting.agenda[1], "会议审议通过了年度工作要点。"
        )
        decision = meetings.add_decision(
            meeting,
            user["secretary.dl"],
            text="两地商务部门共同筹办“大连行”招商活动",
            deadline=date(year, 12, 20),
            body_ids=[body["上海市商务委员会"].id, body["大连市商务局"].id],
            key_task_id=task[8],
        )
        meetings.publish_minutes(meeting, user["secretary.dl"])
        meetings.assign_decision(meeting, user["secretary.dl"], decision)
    with _at(date(year, 3, 10)):
        plans.issue(plan, lead_sh, f"沪合作办〔{year}〕5号")
    db.session.flush()

    def find(title: str, unit: str) -> Assignment:
        return db.session.scalar(
            select(Assignment).where(Assignment.title == title, Assignment.body_id == body[unit].id)
        )

    def step(day: date, action: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with _at(day):
            action(*args, **kwargs)

    # 招商推介: both sides done and closed on time.
    for unit, liaison in (
        ("上海市商务委员会", "liaison.sh.commerce"),
        ("大连市商务局", "liaison.dl.commerce"),
    ):
        a = find("联合举办招商推介活动", unit)
        step(date(year, 3, 12), tasks.acknowledge, a, user[liaison])
        step(
            date(year, 4, 30),
            tasks.report_progress,
            a,
            user[liaison],
            text="推介会筹备完成，已确定会场和参会企业名单。",
            percent=60,
            period=f"{year}年4月",
        )
        step(
            date(year, 6, 20),
            tasks.submit_completion,
            a,
            user[liaison],
            results="6月18日在沪举办推介会，签约项目7个，总投资约42亿元。",
        )
        step(date(year, 6, 24), tasks.close, a, lead_sh if unit.startswith("上海") else lead_dl, quality=5)
    # 科技成果对接: Shanghai closed; Dalian submitted and waiting for verification.
    a = find("组织科技成果对接交流", "上海市科学技术委员会")
    step(date(year, 3, 13), tasks.acknowledge, a, user["liaison.sh.sci"])
    step(
        date(year, 9, 25),
        tasks.report_progress,
        a,
        user["liaison.sh.sci"],
        text="已举办对接会2场，促成合作项目4项。",
        percent=100,
        period=f"{year}年第三季度",
    )
    step(
        date(year, 9, 28),
        tasks.submit_completion,
        a,
        user["liaison.sh.sci"],
        results="举办对接会2场，促成合作项目4项。",
    )
    step(date(year, 10, 9), tasks.close, a, lead_sh, quality=4)
    a = find("组织科技成果对接交流", "大连市科学技术局")
    step(date(year, 3, 16), tasks.acknowledge, a, user["liaison.dl.sci"])
    step(date(year, 3, 17), tasks.start, a, user["liaison.dl.sci"])
    step(
        date(year, 9, 10),
        tasks.request_extension,
        a,
        user["liaison.dl.sci"],
        reason="第二场对接会因台风改期至11月。",
        requested_date=date(year, 11, 30),
        progress="第一场已举办。",
    )
    step(
        date(year, 9, 12),
        lambda: tasks.decide_extension(a.extensions[0], lead_dl, approve=True, note="同意延期至11月30日。"),
    )
    step(
        date(year, 11, 20),
        tasks.submit_completion,
        a,
        user["liaison.dl.sci"],
        results="两场对接会均已举办，促成合作项目3项。",
    )
    # 港航物流: Dalian overdue and in progress; Shanghai returned once.
    a = find("推进两地港航物流合作", "大连港口与口岸局")
    step(date(year, 3, 12), tasks.acknowledge, a, user["liaison.dl.port"])
    step(
        date(year, 8, 31),
        tasks.report_progress,
        a,
        user["liaison.dl.port"],
        text="航线方案已报批，“单一窗口”数据接口联调中。",
        percent=50,
        period=f"{year}年8月",
    )
    a = find("推进两地港航物流合作", "上海市交通委员会")
    step(date(year, 3, 12), tasks.acknowledge, a, user["liaison.sh.transport"])
    step(date(year, 3, 13), tasks.start, a, user["liaison.sh.transport"])
    step(
        date(year, 10, 28),
        tasks.submit_completion,
        a,
        user["liaison.sh.transport"],
        results="航线已开通试运营。",
    )
    step(
        date(year, 10, 30),
        tasks.return_for_rework,
        a,
        lead_sh,
        reason="请补充“单一窗口”数据互通方案及航线运营数据。",
    )
    # 张江与大连高新区: the Dalian science bureau (co-operating) has acknowledged; leads not yet.
    a = find("推动张江与大连高新区对接", "大连市科学技术局")
    step(date(year, 3, 20), tasks.acknowledge, a, user["liaison.dl.sci"])
    # 金融分支: Dalian commerce (co-operating) in progress with a pending extension request.
    a = find("推动金融机构互设分支", "大连市商务局")
    step(date(year, 3, 12), tasks.acknowledge, a, user["liaison.dl.commerce"])
    step(
        date(year, 7, 1),
        tasks.report_progress,
        a,
        user["liaison.dl.commerce"],
        text="已与两家银行完成初步洽谈。",
        percent=30,
        period=f"{year}年上半年",
    )
    step(
        date(year, 11, 18),
        tasks.request_extension,
        a,
        user["liaison.dl.commerce"],
        reason="监管审批周期较长，需顺延。",
        requested_date=date(year + 1, 3, 31),
        progress="一家已提交申请。",
    )
    # 新兴产业: cancelled by the lead department after the plan was adjusted.
    a = find("新兴产业供需对接", "大连市商务局")
    step(date(year, 5, 6), tasks.cancel, a, lead_dl, reason="该事项并入金融与产业合作专项，另行安排。")
    # 港航物流 co-operating unit: Shanghai commerce acknowledged and reported.
    a = find("推进两地港航物流合作", "上海市商务委员会")
    step(date(year, 3, 14), tasks.acknowledge, a, user["liaison.sh.commerce"])
    step(
        date(year, 9, 30),
        tasks.report_progress,
        a,
        user["liaison.sh.commerce"],
        text="配合做好航线招商宣传。",
        percent=70,
        period=f"{year}年第三季度",
    )

    # Next year's plan, in consultation, with a draft joint meeting to put it on.
    with _at(date(year, 11, 2)):
        draft = plans.create_plan(
            mechanism, year + 1, f"{year + 1}年沪连对口合作工作要点（征求意见稿）", lead_sh
        )
        for spec in NEXT_YEAR_ITEMS:
            plans.add_item(draft, item_data(spec), lead_sh)
        plans.start_consultation(draft, lead_sh)
        meetings.create_meeting(
            mechanism,
            user["secretary.sh"],
            meetings.MeetingData(
                kind="joint",
                title=f"{year + 1}年沪连对口合作联席会议",
                starts_local=datetime(year + 1, 3, 4, 9, 30),
                ends_local=datetime(year + 1, 3, 4, 12, 0),
                host_party_id=party["sh"],
                venue="上海市人民政府合作交流办公室会议室",
            ),
        )
    _demo_visit(mechanism, user, body, party, task)
    return True


def _demo_visit(mechanism: Mechanism, user: dict, body: dict, party: dict, task: dict) -> None:
    """A Dalian delegation's visit to Shanghai in three weeks, confirmed, itinerary sent."""
    from coordination.visits import operations as visits

    start = local_today() + timedelta(days=21)
    secretary = user["secretary.sh"]
    visit = visits.create_visit(
        mechanism,
        secretary,
        visits.VisitData(
            title="大连市党政代表团赴上海学习考察",
            visiting_party_id=party["dl"],
            host_party_id=party["sh"],
            starts_on=start,
            ends_on=start + timedelta(days=1),
            leader_name="刘振华",
            host_contact="周晓雯 021-00000000",
            reception_notes="按公务接待标准安排；住宿、用餐由接待方统一安排。",
        ),
    )
    for username, role in (("leader.dl", "chair"), ("lead.dl", "required"), ("leader.sh", "required")):
        visits.add_member(visit, secretary, user=user[username], role=role)
    day = datetime(start.year, start.month, start.day)
    for hours, length, kind, title, place in (
        (9, 2, "meeting", "沪连对口合作座谈会", "上海市人民政府合作交流办公室"),
        (14, 2, "site_visit", "考察张江科学城", "上海张江"),
        (33, 1, "signing", "港航合作项目签约", "上海国际会议中心"),
    ):
        starts = day + timedelta(hours=hours)
        visits.add_itinerary_item(
            visit,
            secretary,
            kind=kind,
            title=title,
            starts_local=starts,
            ends_local=starts + timedelta(hours=length),
            place=place,
        )
    visits.confirm(visit, secretary)

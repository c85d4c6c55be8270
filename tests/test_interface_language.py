"""The Chinese interface says things in words: no state codes, audit codes or English leftovers,
and no link to a page the reader may not open."""

from __future__ import annotations

import re

from sqlalchemy import select

from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.plans import operations as plans
from tests import factories as f


def _task_of(unit: str) -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body(unit).id))


def test_a_liaison_sees_every_unit_on_the_plan_but_links_only_to_tasks_it_may_open(client, login):
    plan = f.issued_plan(items=2)
    login("liaison.dl.port")  # leads item 1 (with a co-operating unit), has no part in item 2
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    own, cooperating = _task_of("大连港口与口岸局"), _task_of("上海市商务委员会")
    other = _task_of("上海市科学技术委员会")
    assert f'href="/tasks/{own.id}"' in page and f'href="/tasks/{cooperating.id}"' in page
    assert "上海市科学技术委员会" in page and f'href="/tasks/{other.id}"' not in page
    assert client.get(f"/tasks/{other.id}").status_code == 403  # which is why it is not a link
    # The task page lists the item's other units the same way; the key-task page too.
    page = client.get(f"/tasks/{own.id}").get_data(as_text=True)
    assert f'href="/tasks/{cooperating.id}"' in page
    login("liaison.sh.commerce")  # co-operates on item 1: the lead units' tasks are not its to open
    page = client.get(f"/tasks/{cooperating.id}").get_data(as_text=True)
    assert "大连港口与口岸局" in page and f'href="/tasks/{own.id}"' not in page
    page = client.get("/framework/key-tasks/7").get_data(as_text=True)
    assert "大连港口与口岸局" in page and f'href="/tasks/{own.id}"' not in page
    assert f'href="/tasks/{cooperating.id}"' in page


def test_the_audit_log_names_actions_objects_and_fields_in_chinese(client, login):
    f.draft_plan()
    login("lead.sh")
    login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "登录了系统" in text and "用户 #" in text
    assert "创建了年度计划" in text and "年度计划 #" in text and "新增了计划事项" in text
    assert "状态" in text and "草稿" in text  # the plan's snapshot, field and value in words
    for code in ("user.login", "plan.create", "users #", "annual_plans", '"state"', "\\u"):
        assert code not in text, code
    # The filter offers the actions in words and still filters by them.
    page = client.get("/admin/audit?action=plan.create").get_data(as_text=True)
    assert ">创建了年度计划</option>" in page and "新增了计划事项" not in re.sub(
        r"<option.*?</option>", "", page
    )


def test_the_revision_compare_says_working_days_and_priorities_in_words(client, login):
    plan = f.draft_plan(items=3)  # the third item is due 20 working days after issue
    item = plan.items[2]
    data = f.item_data(8, "联合举办招商推介活动", ("上海市商务委员会",), ("大连市商务局",), workdays=30)
    data.priority = "high"
    plans.update_item(item, data, f.user("lead.sh"), expected_version=item.version)
    db.session.commit()
    login("lead.sh")
    last = len(db.session.get(type(plan), plan.id).revisions)
    page = client.get(f"/plans/{plan.id}/compare?a={last - 1}&b={last}").get_data(as_text=True)
    assert "印发后 20 个工作日" in page and "印发后 30 个工作日" in page and "高" in page
    assert "workdays" not in page and ">high<" not in page


def test_outbox_and_reminder_pages_say_states_and_kinds_in_words(client, login):
    f.issued_plan()  # schedules the task reminders, the first urging (催办) once overdue among them
    login("admin")
    page = client.get("/admin/outbox?source=reminder&status=pending").get_data(as_text=True)
    assert "已逾期，请抓紧办理（第 1 次催办）" in page and "urge_" not in page
    from coordination.outbox.models import OutgoingMail

    db.session.add(
        OutgoingMail(
            kind="invitation",
            recipient="a@example.cn",
            subject="会议通知",
            message="Subject: x\r\n\r\nbody",
            dedupe_key="test-1",
        )
    )
    db.session.commit()
    page = client.get("/admin/outbox?source=mail").get_data(as_text=True)
    assert "待发送 (1)" in page and ">待发送" in page
    page = client.get("/admin/outbox").get_data(as_text=True)  # every kind, in words
    assert "会议通知" in page and "已逾期，请抓紧办理（第 1 次催办）" in page and ">提醒<" in page
    assert not re.search(r">\s*(pending|sending|sent|failed)\b", page)

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment, Attachment, ExtensionRequest, ProgressReport
from coordination.audit.models import AuditEvent
from coordination.extensions import db
from coordination.timeutil import frozen_at
from tests import factories as f
from tests.conftest import messages_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _task(unit: str = "大连港口与口岸局") -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body(unit).id))


def _fresh(a: Assignment) -> Assignment:
    db.session.expire_all()
    return db.session.get(Assignment, a.id)


@pytest.fixture
def issued(app):
    return f.issued_plan()


def test_the_full_life_of_a_task(client, login, issued):
    a = _task()
    login("liaison.dl.port")
    client.post(f"/tasks/{a.id}/acknowledge", data={"version": a.version})
    a = _fresh(a)
    assert a.state == "acknowledged" and a.acknowledged_by.username == "liaison.dl.port"
    response = client.post(
        f"/tasks/{a.id}/report",
        data={
            "version": a.version,
            "period": "2026年11月",
            "percent": 40,
            "text": "航线方案已报批。",
            "files": (BytesIO(PDF), "进展材料.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, messages_in(response.get_data(as_text=True))
    a = _fresh(a)
    assert a.state == "in_progress" and a.percent_complete == 40
    later = a.current_deadline + timedelta(days=30)
    client.post(
        f"/tasks/{a.id}/extension",
        data={"version": a.version, "requested_date": later.isoformat(), "reason": "审批周期长"},
    )
    extension = db.session.scalar(select(ExtensionRequest))
    login("lead.dl")
    client.post(f"/extensions/{extension.id}/approve", data={"version": extension.version, "note": "同意"})
    a = _fresh(a)
    assert a.current_deadline == later and a.original_deadline == later - timedelta(days=30)
    login("liaison.dl.port")
    client.post(
        f"/tasks/{a.id}/complete",
        data={"version": a.version, "results": "航线开通。"},
        content_type="multipart/form-data",
    )
    assert _fresh(a).state == "submitted"
    login("lead.sh")
    a = _fresh(a)
    client.post(
        f"/tasks/{a.id}/return", data={"return-version": a.version, "return-reason": "请补充运营数据。"}
    )
    a = _fresh(a)
    assert a.state == "returned" and a.return_reason == "请补充运营数据。"
    login("liaison.dl.port")
    client.post(f"/tasks/{a.id}/resume", data={"version": a.version})
    a = _fresh(a)
    client.post(
        f"/tasks/{a.id}/complete",
        data={"version": a.version, "results": "已补充。"},
        content_type="multipart/form-data",
    )
    login("lead.dl")
    a = _fresh(a)
    client.post(f"/tasks/{a.id}/close", data={"version": a.version, "quality": "4", "note": "材料齐全"})
    a = _fresh(a)
    assert a.state == "closed" and a.quality == 4 and a.closed_by.username == "lead.dl"
    history = client.get(f"/tasks/{a.id}").get_data(as_text=True)
    for words in (
        "签收了任务",
        "报送了进展",
        "申请了延期",
        "同意了延期",
        "报送了办结",
        "退回了任务",
        "审核销号",
    ):
        assert words in history
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == a.id, AuditEvent.object_type == "assignments")
    )
    assert {"assignment.acknowledge", "assignment.report", "assignment.close"} <= set(actions)


def test_a_unit_cannot_see_or_act_on_another_units_task(client, login, issued):
    theirs = _task("上海市交通委员会")
    login("liaison.dl.port")
    assert client.get(f"/tasks/{theirs.id}").status_code == 403
    assert client.post(f"/tasks/{theirs.id}/acknowledge", data={"version": theirs.version}).status_code == 403
    assert client.post(f"/tasks/{theirs.id}/report", data={"percent": 10, "text": "x"}).status_code == 403
    assert _fresh(theirs).state == "assigned"
    page = client.get("/tasks").get_data(as_text=True)
    assert f"/tasks/{_task().id}" in page and f"/tasks/{theirs.id}" not in page


def test_lead_units_follow_their_cooperating_units(client, login, issued):
    cooperating = _task("上海市商务委员会")
    login("liaison.sh.transport")  # liaison of the Shanghai lead unit of the same item
    assert client.get(f"/tasks/{cooperating.id}").status_code == 200
    client.post(f"/tasks/{cooperating.id}/acknowledge", data={"version": cooperating.version})
    assert _fresh(cooperating).state == "assigned"  # seeing is not acting
    login("liaison.dl.sci")  # no part in this item
    assert client.get(f"/tasks/{cooperating.id}").status_code == 403


def test_illegal_steps_are_refused_with_a_message(client, login, issued):
    a = _task()
    login("lead.dl")
    page = client.post(
        f"/tasks/{a.id}/close", data={"version": a.version, "quality": "5"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "当前状态下不能执行此操作" in page
    login("leader.dl")
    page = client.post(
        f"/tasks/{a.id}/return",
        data={"return-version": a.version, "return-reason": "x"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "当前状态下不能执行此操作" in page or "无权" in page
    login("liaison.dl.port")
    page = client.post(
        f"/tasks/{a.id}/report",
        data={"version": a.version, "percent": 10, "text": "未签收先报送"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "当前状态下不能执行此操作" in page
    page = client.post(
        f"/tasks/{a.id}/cancel",
        data={"cancel-version": a.version, "cancel-reason": "不想做"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "无权" in page
    assert _fresh(a).state == "assigned"
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0


def test_cancel_needs_a_lead_department_and_a_reason(client, login, issued):
    a = _task()
    login("lead.sh")
    page = client.post(
        f"/tasks/{a.id}/cancel", data={"cancel-version": a.version, "cancel-reason": ""}
    ).get_data(as_text=True)
    assert "此项为必填项" in page
    client.post(f"/tasks/{a.id}/cancel", data={"cancel-version": a.version, "cancel-reason": "并入其他事项"})
    assert _fresh(a).state == "cancelled" and _fresh(a).cancel_reason == "并入其他事项"


def _acknowledged(unit="大连港口与口岸局") -> Assignment:
    a = _task(unit)
    tasks.acknowledge(a, f.user("liaison.dl.port"))
    db.session.commit()
    return a


def test_extension_rules(client, login, issued):
    a = _acknowledged()
    login("liaison.dl.port")
    page = client.post(
        f"/tasks/{a.id}/extension",
        data={"version": a.version, "requested_date": a.current_deadline.isoformat(), "reason": "x"},
    ).get_data(as_text=True)
    assert "必须晚于当前完成时限" in page
    page = client.post(
        f"/tasks/{a.id}/extension", data={"version": a.version, "requested_date": "2020-01-01", "reason": "x"}
    ).get_data(as_text=True)
    assert "日期 2020-01-01 已过" in page
    later = a.current_deadline + timedelta(days=10)
    client.post(
        f"/tasks/{a.id}/extension",
        data={"version": a.version, "requested_date": later.isoformat(), "reason": "x"},
    )
    page = client.post(
        f"/tasks/{a.id}/extension",
        data={"version": _fresh(a).version, "requested_date": later.isoformat(), "reason": "again"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已有一项延期申请" in page and db.session.query(ExtensionRequest).count() == 1
    extension = db.session.scalar(select(ExtensionRequest))
    client.post(f"/extensions/{extension.id}/approve", data={"version": extension.version})
    assert db.session.get(ExtensionRequest, extension.id).state == "pending"  # a liaison cannot decide
    login("lead.sh")
    client.post(f"/extensions/{extension.id}/reject", data={"version": extension.version, "note": ""})
    assert db.session.get(ExtensionRequest, extension.id).state == "pending"  # rejection needs a reason
    client.post(f"/extensions/{extension.id}/approve", data={"version": extension.version})
    page = client.post(
        f"/extensions/{extension.id}/approve",
        data={"version": db.session.get(ExtensionRequest, extension.id).version},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "当前状态下不能执行此操作" in page, messages_in(page)  # approving twice
    assert _fresh(a).current_deadline == later
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "assignment.extension_approve"))
        == 1
    )


def test_attachments_download_only_for_those_allowed(client, login, issued, web_app):
    a = _acknowledged()
    login("liaison.dl.port")
    client.post(
        f"/tasks/{a.id}/report",
        data={
            "version": a.version,
            "percent": 20,
            "text": "见附件",
            "files": (BytesIO(PDF), "大连港航线方案（第2稿）.pdf"),
        },
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(select(Attachment))
    stored = Path(web_app.config["UPLOAD_DIR"]) / attachment.stored_name
    assert stored.read_bytes() == PDF and "static" not in str(stored)
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert (
        "attachment" in disposition
        and "filename*=UTF-8''" in disposition
        and "%E5%A4%A7%E8%BF%9E" in disposition
    )
    login("liaison.sh.sci")
    assert client.get(f"/attachments/{attachment.id}").status_code == 403
    login("leader.sh")
    assert client.get(f"/attachments/{attachment.id}").status_code == 200


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("病毒.exe", b"MZ\x90\x00", "不接受此类文件"),
        ("伪装.pdf", b"MZ\x90\x00", "内容不是 .pdf 文件"),
        ("空.pdf", b"", "是空文件"),
        ("大.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024), "超过 10 MB"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_kept(
    client, login, issued, web_app, filename, content, message
):
    a = _acknowledged()
    login("liaison.dl.port")
    response = client.post(
        f"/tasks/{a.id}/report",
        data={"version": a.version, "percent": 20, "text": "见附件", "files": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert message in page, messages_in(page)
    assert "见附件" in page  # the report text is kept for another try
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _fresh(a).state == "acknowledged"
    upload_dir = Path(web_app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_a_failed_transaction_leaves_no_file_behind(app, issued):
    a = _acknowledged()
    from werkzeug.datastructures import FileStorage

    tasks.report_progress(
        a,
        f.user("liaison.dl.port"),
        text="x",
        percent=10,
        files=[FileStorage(BytesIO(PDF), filename="a.pdf")],
    )
    written = list(Path(app.config["UPLOAD_DIR"]).iterdir())
    assert len(written) == 1
    db.session.rollback()
    assert not written[0].exists()


def test_stale_task_forms_get_a_conflict_message(client, login, issued):
    a = _task()
    stale = a.version
    login("liaison.dl.port")
    client.post(f"/tasks/{a.id}/acknowledge", data={"version": stale})
    page = client.post(
        f"/tasks/{a.id}/report",
        data={"version": stale, "percent": 5, "text": "旧页面提交"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "其他人修改了此记录" in page
    assert db.session.scalar(select(func.count()).select_from(ProgressReport)) == 0


def test_my_tasks_filters(client, login, app):
    f.issued_plan(items=3)
    port = _task()
    port.current_deadline = port.original_deadline = f.later(-5)  # made overdue for the test
    db.session.commit()
    login("lead.sh")
    page = client.get("/tasks?overdue=1").get_data(as_text=True)
    assert f"/tasks/{port.id}" in page and "共 1 项任务" in page or "1 项任务" in page
    page = client.get("/tasks?key_task=15").get_data(as_text=True)
    assert "组织科技成果对接交流" in page and "推进两地港航物流合作" not in page
    page = client.get("/tasks?state=closed").get_data(as_text=True)
    assert "没有符合条件的任务" in page
    page = client.get("/tasks?sort=bogus&state=bogus&due_before=notadate&page=-3").get_data(as_text=True)
    assert "组织科技成果对接交流" in page  # nonsense parameters fall back to defaults


def _count_queries(engine):
    counter = {"n": 0}

    def before(*args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    return counter, lambda: event.remove(engine, "before_cursor_execute", before)


def test_task_list_query_count_does_not_grow_with_rows(client, login, app, web_app):
    f.issued_plan(items=1)
    login("lead.sh")
    with web_app.app_context():
        engine = db.engine
    client.get("/tasks?state=open")  # the process's first page loads the working-day calendar
    counter, stop = _count_queries(engine)
    client.get("/tasks")
    small = counter["n"]
    stop()
    for year in (2026, 2028, 2029, 2030):
        plan = f.draft_plan(year=year, items=3)
        from coordination.meetings import plan_agenda
        from coordination.plans import operations as plans

        lead = f.user("lead.sh")
        meeting = f.meeting(-3)
        plan_agenda.submit_to_meeting(plan, meeting, lead)
        f.hold(meeting)
        plans.adopt(plan, lead)
        plans.issue(plan, lead)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) > 20
    counter, stop = _count_queries(engine)
    client.get("/tasks")
    stop()
    assert counter["n"] == small


def test_verification_queue(client, login, issued):
    a = _acknowledged()
    tasks.report_progress(a, f.user("liaison.dl.port"), text="x", percent=90)
    tasks.submit_completion(a, f.user("liaison.dl.port"), results="完成")
    db.session.commit()
    login("lead.sh")
    page = client.get("/verification").get_data(as_text=True)
    assert f"/tasks/{a.id}" in page
    login("liaison.dl.port")
    assert client.get("/verification").status_code == 403


def test_verification_queue_pages_oldest_first(client, login, issued, web_app):
    """A long queue comes a page at a time, oldest submission first, the total always shown."""
    from datetime import datetime

    liaison = f.user("liaison.dl.port")
    first = _acknowledged()
    second = db.session.scalars(select(Assignment).where(Assignment.id != first.id)).first()
    second.body_id = first.body_id  # both the port's, so its liaison may submit them
    db.session.commit()
    tasks.acknowledge(second, liaison)
    for task, day in ((second, 1), (first, 2)):
        tasks.report_progress(task, liaison, text="x", percent=90)
        with frozen_at(datetime(2026, 11, day, 10)):
            tasks.submit_completion(task, liaison, results="完成")
    db.session.commit()
    web_app.config["PAGE_SIZE"] = 1
    login("lead.sh")
    page = client.get("/verification").get_data(as_text=True)
    assert f"/tasks/{second.id}" in page and f"/tasks/{first.id}" not in page
    assert "（2）" in page or "(2)" in page
    assert "/verification?page=2" in page.replace("&amp;", "&").replace("xpage=1&", "")
    page = client.get("/verification?page=2").get_data(as_text=True)
    assert f"/tasks/{first.id}" in page and f"/tasks/{second.id}" not in page

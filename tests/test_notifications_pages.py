"""The 通知 page (list, kind filter, unread only, read marks, following a notification), the bell,
the personal e-mail setting and the administrators' audience table, through the pages."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination import inbox
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.auth.models import Membership, User
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.organizations.models import Mechanism
from tests import factories as f
from tests.conftest import messages_in
from workflows.notifications import FIXED_KINDS, KINDS, audiences_of
from workflows.roles import Role


def _port_task() -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body("大连港口与口岸局").id))


def _remind(username: str, title: str = "提醒：任务还有 3 个工作日到期", count: int = 1) -> None:
    """Set-up: reminders sent to the user (reminder delivery writes these rows when it sends)."""
    task = _port_task()
    inbox.write(
        [
            {
                "user_id": f.user(username).id,
                "kind": "reminder",
                "title": title,
                "object_key": f"assignment:{task.id}",
            }
            for _ in range(count)
        ]
    )
    db.session.commit()


def _mine(username: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == f.user(username).id).order_by(Notification.id)
        )
    )


def _rows(page: str) -> int:
    return page.count('<tr class="unread">') + page.count('<tr class="">')


def test_the_page_lists_events_and_reminders_and_filters_by_kind_and_unread(client, login, app):
    f.issued_plan()
    _remind("liaison.dl.port")
    login("liaison.dl.port")

    page = client.get("/notifications").get_data(as_text=True)
    assert "分派了 1 项任务（年度计划下达）" in page
    assert "推进两地港航物流合作（牵头，完成时限" in page  # the task listed under it
    assert "提醒：任务还有 3 个工作日到期" in page
    assert _rows(page) == 2 and page.count('<tr class="unread">') == 2
    assert "提醒</td>" in page  # the kind, in Chinese

    only_reminders = client.get("/notifications?kind=reminder").get_data(as_text=True)
    assert "提醒：任务还有 3 个工作日到期" in only_reminders and "分派了" not in only_reminders
    assert _rows(only_reminders) == 1
    assert '<option value="reminder" selected>' in only_reminders
    unknown = client.get("/notifications?kind=nonsense").get_data(as_text=True)
    assert _rows(unknown) == 2  # an unknown kind filters nothing away

    reminder, assigned = sorted(_mine("liaison.dl.port"), key=lambda n: n.kind)
    client.post("/notifications/read", data={"notification_id": reminder.id})
    unread = client.get("/notifications?unread=1").get_data(as_text=True)
    assert _rows(unread) == 1 and "分派了 1 项任务" in unread and "提醒：任务还有" not in unread
    assert _rows(client.get("/notifications?kind=reminder&unread=1").get_data(as_text=True)) == 0
    everything = client.get("/notifications").get_data(as_text=True)
    assert _rows(everything) == 2 and everything.count('<tr class="unread">') == 1


def test_marking_one_read_then_all(client, login, app):
    f.issued_plan()
    _remind("liaison.dl.port", count=2)
    _remind("liaison.dl.commerce")  # someone else's
    login("liaison.dl.port")
    first, *rest = _mine("liaison.dl.port")
    assert len(rest) == 2

    response = client.post(
        "/notifications/read", data={"notification_id": first.id, "next": "/notifications?unread=1"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications?unread=1")
    db.session.expire_all()
    assert first.read_at is not None and all(n.read_at is None for n in rest)
    assert 'aria-label="2 条未读">2</span>' in client.get("/tasks").get_data(as_text=True)

    # Another user's notification cannot be marked from here, and "next" leads only within the site.
    theirs = _mine("liaison.dl.commerce")[0]
    response = client.post(
        "/notifications/read", data={"notification_id": theirs.id, "next": "https://evil.example/x"}
    )
    assert response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert theirs.read_at is None

    page = client.get("/notifications").get_data(as_text=True)
    assert "全部标为已读" in page and "标为已读" in page
    response = client.post("/notifications/read", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已将 2 条通知标为已读。" in page
    assert 'class="bell-count"' not in page and "全部标为已读" not in page
    db.session.expire_all()
    assert all(n.read_at is not None for n in _mine("liaison.dl.port"))
    assert theirs.read_at is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "notifications.read")
        )
        == 2
    )


def test_opening_marks_read_and_goes_to_the_object_but_not_anothers(client, login, app):
    f.issued_plan()
    _remind("liaison.dl.commerce")
    login("liaison.dl.port")
    (mine,) = _mine("liaison.dl.port")
    task = _port_task()

    response = client.get(f"/notifications/{mine.id}/open")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task.id}")
    db.session.expire_all()
    assert mine.read_at is not None
    assert client.get(response.headers["Location"]).status_code == 200
    again = client.get(f"/notifications/{mine.id}/open")  # already read: still goes there
    assert again.headers["Location"].endswith(f"/tasks/{task.id}")

    (theirs,) = _mine("liaison.dl.commerce")
    for ident in (theirs.id, theirs.id + 1000):
        response = client.get(f"/notifications/{ident}/open")
        assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    db.session.expire_all()
    assert theirs.read_at is None


def test_the_bell_shows_the_unread_count_up_to_99_then_99_plus(client, login, app):
    f.issued_plan()  # one notification: the task assigned
    login("liaison.dl.port")
    assert 'aria-label="1 条未读">1</span>' in client.get("/tasks").get_data(as_text=True)
    _remind("liaison.dl.port", count=98)
    page = client.get("/tasks").get_data(as_text=True)
    assert 'aria-label="99 条未读">99</span>' in page and "99+" not in page
    _remind("liaison.dl.port")
    assert 'aria-label="100 条未读">99+</span>' in client.get("/tasks").get_data(as_text=True)
    _remind("liaison.dl.port", count=50)
    assert ">99+</span>" in client.get("/tasks").get_data(as_text=True)
    assert inbox.unread_count(f.user("liaison.dl.port").id) == inbox.BELL_CAP
    client.post("/notifications/read")
    assert 'class="bell-count"' not in client.get("/tasks").get_data(as_text=True)


def test_the_settings_page_changes_the_email_mode_and_refuses_an_invalid_one(client, login, app):
    login("liaison.dl.port")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="digest" checked' in page and "每日汇总（工作日9:00）" in page
    response = client.post("/account/notifications", data={"email_mode": "immediate"}, follow_redirects=True)
    assert "已保存。" in response.get_data(as_text=True)
    assert 'value="immediate" checked' in response.get_data(as_text=True)
    user = f.user("liaison.dl.port")
    assert user.email_mode == "immediate"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.email_mode"))
    assert event.before == {"email_mode": "digest"} and event.after == {"email_mode": "immediate"}

    for bad in ("weekly", ""):
        response = client.post("/account/notifications", data={"email_mode": bad}, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, bad
        assert "不是有效的选项。" in page, messages_in(page)
        db.session.expire_all()
        assert f.user("liaison.dl.port").email_mode == "immediate"
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.email_mode")
        )
        == 1
    )


def _head_of_port() -> User:
    """Set-up: the head of 大连港口与口岸局 (not its liaison)."""
    head = User(username="head.dl.port", name="港口局负责人", email="head.dl.port@hulian.example.cn")
    head.set_password("not-used-here-2026")
    head.set_roles({Role.LEADER})
    head.memberships = [Membership(body=f.body("大连港口与口岸局"), is_head=True)]
    db.session.add(head)
    db.session.commit()
    return head


def _submit_and_return(task: Assignment, reason: str) -> None:
    tasks.submit_completion(task, f.user("liaison.dl.port"), results="航线已开通。")
    tasks.return_for_rework(task, f.user("lead.dl"), reason=reason)
    db.session.commit()


def _returned_to(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == user.id, Notification.kind == "task_returned"
            )
        )
    )


def _default_form() -> dict[str, list[str]]:
    return {kind: sorted(a.value for a in audiences_of(kind)) for kind in KINDS if kind not in FIXED_KINDS}


def test_an_administrator_adds_the_unit_head_to_task_returned(client, login, app):
    f.issued_plan()
    head = _head_of_port()
    task = _port_task()
    tasks.acknowledge(task, f.user("liaison.dl.port"))
    tasks.start(task, f.user("liaison.dl.port"))
    _submit_and_return(task, "请补充航线运营数据。")
    assert _returned_to(head) == []  # by default only the liaisons are told
    assert len(_returned_to(f.user("liaison.dl.port"))) == 1

    login("admin")
    page = client.get("/admin/notification-audiences").get_data(as_text=True)
    assert "通知对象设置" in page and "任务退回" in page and "单位负责人" in page
    form = _default_form()
    form["task_returned"] = ["unit_liaisons", "unit_heads"]
    response = client.post("/admin/notification-audiences", data=form, follow_redirects=True)
    assert "已保存。" in response.get_data(as_text=True)
    mechanism = db.session.scalar(select(Mechanism))
    db.session.refresh(mechanism)
    assert mechanism.notification_audiences == {"task_returned": ["unit_heads", "unit_liaisons"]}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "notifications.audiences"))
    assert event.after == {"audiences": {"task_returned": ["unit_heads", "unit_liaisons"]}}
    assert event.actor.username == "admin"
    page = client.get("/admin/notification-audiences").get_data(as_text=True)
    assert 'name="task_returned" value="unit_heads" aria-label="任务退回 – 单位负责人" checked' in page
    again = client.post("/admin/notification-audiences", data=form, follow_redirects=True)
    assert "未作更改。" in again.get_data(as_text=True)

    db.session.expire_all()
    _submit_and_return(_port_task(), "运营数据不完整。")
    assert _returned_to(head) == ["任务被退回，请补充完善后重新提交：推进两地港航物流合作"]
    assert len(_returned_to(f.user("liaison.dl.port"))) == 2  # the liaisons still are

    # The audit log reads it in Chinese.
    assert "修改了通知对象设置" in client.get("/admin/audit").get_data(as_text=True)


def test_an_invalid_audience_is_refused_and_nothing_is_saved(client, login, app):
    login("admin")
    form = _default_form()
    form["task_returned"] = ["unit_liaisons", "everyone_in_town"]
    response = client.post("/admin/notification-audiences", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "不是有效的选项。" in page, messages_in(page)
    mechanism = db.session.scalar(select(Mechanism))
    db.session.refresh(mechanism)
    assert mechanism.notification_audiences is None
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "notifications.audiences")
        )
        == 0
    )
    # Escalations follow the reminder policy: not choosable here either.
    response = client.post(
        "/admin/notification-audiences",
        data={**_default_form(), "escalation": ["unit_heads"]},
        follow_redirects=True,
    )
    assert "未作更改。" in response.get_data(as_text=True)
    db.session.refresh(mechanism)
    assert mechanism.notification_audiences is None

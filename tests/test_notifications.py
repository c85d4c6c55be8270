"""Every event told to the right people (issue 15): who is told, in one notice per unit for a
batch, the actor left out, and when their e-mail goes (at once, in the 09:00 digest, or never).
E-mail is checked on the real SMTP server (aiosmtpd) through the real RQ worker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import factories as f
import pytest
from sqlalchemy import select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.meetings import operations as meetings
from coordination.notifications import mail
from coordination.notifications import operations as notifications
from coordination.notifications.models import NotificationMail
from coordination.plans import operations as plans
from coordination.timeutil import frozen_at, local_today, to_local
from workflows.notifications import next_digest
from workflows.reminders import send_time


def _working_hour():
    """10:00 on the next working day: outside quiet hours, after that day's digest."""
    return send_time(local_today() + timedelta(days=1)) + timedelta(hours=1)


@pytest.fixture
def at_work(app) -> Iterator[datetime]:
    moment = _working_hour()
    with frozen_at(moment):
        yield moment


def told(username: str, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == f.user(username).id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def mail_of(username: str) -> list[NotificationMail]:
    return list(
        db.session.scalars(select(NotificationMail).where(NotificationMail.user_id == f.user(username).id))
    )


def task_of(username: str) -> Assignment:
    body_ids = f.user(username).body_ids
    return db.session.scalars(select(Assignment).where(Assignment.body_id.in_(body_ids))).first()


def test_an_issued_plan_tells_each_unit_once_listing_its_tasks(at_work):
    f.issued_plan(items=3)
    # 上海市商务委员会 co-operates on item 1 and leads item 3: two tasks, one notice.
    commerce = told("liaison.sh.commerce", "task_assigned")
    assert len(commerce) == 1
    assert "2 项任务" in commerce[0].title and "《工作要点》" in commerce[0].title
    assert len(commerce[0].lines) == 2
    assert any("推进两地港航物流合作（配合" in line for line in commerce[0].lines)
    assert any("联合举办招商推介活动（牵头" in line for line in commerce[0].lines)
    assert commerce[0].object_key == "tasks:"
    port = told("liaison.dl.port", "task_assigned")
    assert len(port) == 1 and port[0].object_key.startswith("assignment:")  # one task: links to it
    # The summary for the lead departments and leading groups; the one who issued is not told.
    for username in ("lead.dl", "leader.sh", "leader.dl"):
        issued = told(username, "plan_issued")
        assert len(issued) == 1 and "共 3 个事项、7 项任务，涉及 6 家成员单位" in issued[0].lines
    assert told("lead.sh", "plan_issued") == []
    assert told("secretary.sh", "task_assigned") == []


def test_digest_users_get_one_e_mail_at_nine_and_immediate_users_at_once(at_work, smtp, run_jobs):
    immediate = f.user("liaison.sh.commerce")
    immediate.email_mode = "immediate"
    db.session.commit()
    f.issued_plan(items=3)
    run_jobs()
    assert [m["To"] for m in smtp.messages] == [m["To"] for m in smtp.to("liaison.sh.commerce@")]
    (message,) = smtp.messages
    text = message.get_body(("plain",)).get_content()
    assert "推进两地港航物流合作" in text and "联合举办招商推介活动" in text
    assert "http://coordination.test/tasks" in text
    # The others wait for the digest: due at 09:00 of the next working day.
    (row,) = mail_of("liaison.dl.port")
    digest_at = next_digest(at_work)
    assert to_local(row.due_at).replace(tzinfo=None) == digest_at and row.status == "pending"
    assert mail.deliver_due() == 0  # nothing early
    with frozen_at(digest_at):
        assert mail.deliver_due() >= 5  # every other unit's liaison, the lead departments, leaders
        assert mail.deliver_due() == 0  # never twice, never an empty digest
    assert len(smtp.to("liaison.dl.port@")) == 1
    (summary,) = smtp.to("lead.dl@")  # adopted and issued: one digest of two
    assert summary["Subject"] == "【通知】您有 2 条新通知"
    body = summary.get_body(("plain",)).get_content()
    assert "《工作要点》已经联席会议审议通过" in body and "《工作要点》已印发" in body


def _submitted(username: str) -> Assignment:
    task = task_of(username)
    user = f.user(username)
    tasks.acknowledge(task, user)
    tasks.start(task, user)
    tasks.submit_completion(task, user, results="航线已开通，签订合作协议")
    db.session.commit()
    return task


def test_a_completion_tells_the_verifiers_of_the_tasks_side_and_a_return_is_urgent(at_work, smtp, run_jobs):
    f.issued_plan()
    task = _submitted("liaison.sh.transport")
    (waiting,) = told("lead.sh", "completion_submitted")
    assert "提交办结，待审核" in waiting.title and waiting.object_key == f"assignment:{task.id}"
    assert "办理结果：航线已开通，签订合作协议" in waiting.lines
    assert told("lead.dl", "completion_submitted") == []  # the other side's lead department verifies its own
    assert told("liaison.sh.transport", "completion_submitted") == []  # the actor
    run_jobs()
    smtp.messages.clear()
    tasks.return_for_rework(task, f.user("lead.sh"), reason="请补充协议文本")
    db.session.commit()
    (returned,) = told("liaison.sh.transport", "task_returned")
    assert returned.urgency == "urgent" and "退回理由：请补充协议文本" in returned.lines
    run_jobs()  # the liaison is on the daily digest, but a return is urgent: mailed at once
    (message,) = smtp.to("liaison.sh.transport@")
    assert message["Subject"].startswith("【紧急】")
    assert "请补充协议文本" in message.get_body(("plain",)).get_content()


def test_extensions_tell_the_verifiers_then_the_unit(at_work):
    f.issued_plan()
    task = task_of("liaison.dl.port")
    liaison = f.user("liaison.dl.port")
    tasks.acknowledge(task, liaison)
    request = tasks.request_extension(
        task, liaison, reason="受天气影响", requested_date=task.current_deadline + timedelta(days=20)
    )
    db.session.commit()
    (asked,) = told("lead.dl", "extension_requested")
    assert "申请延期" in asked.title and any("受天气影响" in line for line in asked.lines)
    tasks.decide_extension(request, f.user("lead.dl"), approve=False, note="请按原计划推进")
    db.session.commit()
    (refused,) = told("liaison.dl.port", "extension_rejected")
    assert refused.urgency == "urgent" and "审核意见：请按原计划推进" in refused.lines


def test_consultation_tells_the_named_units_and_comments_tell_the_drafters(at_work):
    plan = f.draft_plan(items=1)  # 上海市交通委员会, 大连港口与口岸局 lead; 上海市商务委员会 co-operates
    plans.start_consultation(plan, f.user("lead.sh"))
    db.session.commit()
    for username in ("liaison.sh.transport", "liaison.dl.port", "liaison.sh.commerce"):
        assert len(told(username, "plan_consultation")) == 1
    assert told("liaison.dl.sci", "plan_consultation") == []  # not named in the plan
    plans.add_comment(plan.items[0], f.user("liaison.dl.port"), "建议增加冷链物流内容")
    db.session.commit()
    (comment,) = told("lead.sh", "plan_comment")
    assert "意见：建议增加冷链物流内容" in comment.lines and comment.object_key == f"plan:{plan.id}"


def test_e_mail_off_keeps_the_bell_and_cancels_what_waited_for_the_digest(at_work, smtp, run_jobs):
    f.issued_plan(items=3)
    (waiting,) = mail_of("liaison.dl.port")
    assert notifications.set_email_mode(f.user("liaison.dl.port"), "off")
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status == "cancelled"
    task = task_of("liaison.dl.port")
    tasks.cancel(task, f.user("lead.sh"), reason="合并至其他事项")
    db.session.commit()
    run_jobs()
    assert smtp.to("liaison.dl.port@") == []
    assert len(told("liaison.dl.port", "task_cancelled")) == 1  # still told in the app


def test_meeting_attendees_are_told_in_the_app_their_invitation_is_the_e_mail(at_work):
    meeting = f.meeting()
    secretary = f.user("secretary.dl")
    meetings.add_attendee(meeting, secretary, user=f.user("liaison.dl.port"))
    meetings.add_attendee(meeting, secretary, name="李华", email="li.hua@example.org")  # a guest
    meetings.schedule(meeting, secretary)
    db.session.commit()
    members = {a.user_id for a in meeting.attendees if a.user_id} - {secretary.id}
    assert f.user("liaison.dl.port").id in members
    scheduled = db.session.scalars(select(Notification).where(Notification.kind == "meeting_scheduled")).all()
    assert {n.user_id for n in scheduled} == members and len(scheduled) == len(members)
    assert all(n.object_key == f"meeting:{meeting.id}" and "联席会议通知" in n.title for n in scheduled)
    assert db.session.scalars(select(NotificationMail)).all() == []
    # Before it was announced, adding people told nobody of a change.
    assert db.session.scalars(select(Notification).where(Notification.kind == "meeting_changed")).all() == []


def test_an_invalid_e_mail_mode_is_refused_and_nothing_changes(app):
    from coordination.operations import OperationError

    user = f.user("liaison.dl.port")
    with pytest.raises(OperationError):
        notifications.set_email_mode(user, "sometimes")
    assert user.email_mode == "digest"


def test_quiet_hours_hold_an_immediate_e_mail_until_the_morning(app):
    night = send_time(local_today() + timedelta(days=1)).replace(hour=22)
    user = f.user("liaison.sh.transport")
    user.email_mode = "immediate"
    db.session.commit()
    with frozen_at(night):
        f.issued_plan()
    (row,) = mail_of("liaison.sh.transport")
    due = to_local(row.due_at).replace(tzinfo=None)
    assert due.hour == 9 and due.minute == 0 and due > night


def test_an_issued_plan_reaches_the_units_dingtalk_robot_once_with_its_liaison_at(at_work, run_jobs):
    """The whole path: the issue's event, the notice, the robot row, the real worker, the signed
    request the stand-in checks (tests/robot_standin.py)."""
    from robot_standin import RobotStandIn

    from coordination.notifications.models import Webhook

    standin = RobotStandIn().start()
    try:
        liaison = f.user("liaison.dl.port")
        liaison.phone = "+86 138-0000-1234"
        secret = "SEC" + "0" * 40
        db.session.add(
            Webhook(
                provider="dingtalk",
                name="港口局工作群",
                url=standin.dingtalk_url("port-token", secret),
                secret=secret,
                body_id=f.body("大连港口与口岸局").id,
            )
        )
        db.session.commit()
        f.issued_plan(items=3)
        run_jobs()
        run_jobs()  # nothing more: a robot is told an event once
        (accepted,) = standin.accepted
        text = accepted.text
        assert text.startswith("### 《工作要点》向") and "分派了 1 项任务" in text
        assert "推进两地港航物流合作（牵头" in text and "[查看](http://coordination.test/tasks/" in text
        assert accepted.body["at"] == {"atMobiles": ["13800001234"], "isAtAll": False}
        assert text.rstrip().endswith("@13800001234")
    finally:
        standin.stop()


def test_a_joint_meeting_decision_turned_into_tasks_tells_the_units_it_names(at_work):
    meeting = f.meeting(-1)
    f.hold(meeting)
    secretary = f.user("secretary.dl")
    decision = meetings.add_decision(
        meeting,
        secretary,
        text="共建东北亚航运中心",
        deadline=f.later(90),
        body_ids=[f.body("大连港口与口岸局").id, f.body("上海市交通委员会").id],
    )
    meetings.assign_decision(meeting, secretary, decision)
    db.session.commit()
    for username in ("liaison.dl.port", "liaison.sh.transport"):
        (new,) = told(username, "task_assigned")
        assert new.title.startswith("联席会议议定事项：") and "分派了 1 项任务" in new.title
        assert new.object_key.startswith("assignment:") and "共建东北亚航运中心" in new.lines[0]
    assert told("liaison.dl.commerce", "task_assigned") == []


def test_the_actors_own_robot_is_not_told_and_a_departed_owners_robot_is_told_nothing(at_work, run_jobs):
    from robot_standin import RobotStandIn

    from coordination.notifications.models import Webhook

    standin = RobotStandIn().start()
    try:
        mine, colleague, departed = (f.user(u) for u in ("lead.sh", "lead.dl", "leader.dl"))
        for person, key in ((mine, "mine"), (colleague, "colleague"), (departed, "departed")):
            db.session.add(Webhook(provider="wecom", name=key, url=standin.wecom_url(key), user_id=person.id))
        departed.active = False
        db.session.commit()
        f.issued_plan()  # issued (and adopted) by lead.sh
        run_jobs()
        told_keys = {a.key for a in standin.accepted}
        assert told_keys == {"colleague"}
        (message,) = [a.text for a in standin.accepted]
        assert "已印发" in message and "审议通过" in message  # adopted and issued: one message
    finally:
        standin.stop()


def test_markdown_typed_by_users_is_not_a_link_in_a_group_chat():
    from coordination.notifications.channels import WECOM, Item, compose

    message = compose(
        [Item(1, "请点[这里](https://evil.example)登录", "**加急** <b>x</b>", "https://ok/1")], WECOM
    )
    assert "](https://evil.example)" not in message.text and "<b>" not in message.text
    assert "［这里］（https://evil.example）" in message.text and message.text.endswith(
        "[查看](https://ok/1)"
    )


def test_a_malformed_notification_id_marks_nothing_and_is_no_error(client, login, app):
    f.issued_plan()
    login("liaison.dl.port")
    for raw in ("²", "9" * 30, "abc", ""):
        response = client.post("/notifications/read", data={"notification_id": raw})
        assert response.status_code == 302
    assert all(n.read_at is None for n in told("liaison.dl.port"))


def test_switching_to_immediate_sends_what_waited_for_the_digest(at_work, smtp, run_jobs):
    f.issued_plan()
    (waiting,) = mail_of("liaison.dl.port")
    assert to_local(waiting.due_at).replace(tzinfo=None) > at_work
    assert notifications.set_email_mode(f.user("liaison.dl.port"), "immediate")
    db.session.commit()
    run_jobs()
    (message,) = smtp.to("liaison.dl.port@")
    assert "推进两地港航物流合作" in message.get_body(("plain",)).get_content()

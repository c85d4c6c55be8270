"""Kept pages (coordination/page_cache.py): the busiest pages are answered from memory, and
nothing a user did, or the system did for them, is ever hidden behind a kept page."""

import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from coordination import inbox
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.reminders import delivery
from coordination.reminders.models import Reminder
from coordination.timeutil import frozen_at, local_today
from tests import factories as f
from workflows.reminders import send_time

PORT = "大连港口与口岸局"


@pytest.fixture
def issued(app):
    return f.issued_plan(items=2)


def _port_task() -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body(PORT).id))


def _kept(client, path="/tasks"):
    """The page as the user sees it once it is kept (the first view after signing in shows the
    welcome message and is drawn afresh)."""
    client.get(path)
    client.get(path)
    response = client.get(path)
    assert response.headers.get("X-Page-Cache") == "hit"
    return response.get_data(as_text=True)


def test_a_task_list_is_kept_until_something_is_written(client, login, issued):
    login("liaison.dl.port")
    page = _kept(client)
    task = _port_task()
    assert "待签收" in page
    client.post(f"/tasks/{task.id}/acknowledge", data={"version": task.version})
    response = client.get("/tasks")
    assert response.headers.get("X-Page-Cache") is None
    assert "已签收" in response.get_data(as_text=True)


def test_another_users_change_shows_at_once(client, login, issued, app):
    login("liaison.dl.port")
    _kept(client, "/tasks?overdue=1")
    task = _port_task()
    assert task.title in _kept(client, "/tasks")
    # The lead department cancels the task in its own session; the liaison's kept pages retire.
    task.state = "cancelled"
    task.cancel_reason = "计划调整"
    db.session.commit()
    response = client.get("/tasks")
    assert response.headers.get("X-Page-Cache") is None
    row = response.get_data(as_text=True).split(task.title, 1)[1].split("</tr>", 1)[0]
    assert "已撤销" in row


def test_users_never_see_each_others_pages(web_app, issued):
    port, commerce = web_app.test_client(), web_app.test_client()
    for client, username in ((port, "liaison.dl.port"), (commerce, "liaison.sh.commerce")):
        client.post("/login", data={"username": username, "password": "demo-pass-2026"})
    mine = _kept(port)
    theirs = commerce.get("/tasks")
    assert theirs.headers.get("X-Page-Cache") is None
    assert theirs.get_data(as_text=True) != mine
    name = f.user("liaison.sh.commerce").name
    assert name in _kept(commerce) and name not in mine


def test_each_session_keeps_its_own_csrf_token(web_app, issued):
    """Two browsers of one user: each kept page carries the token its own session can post."""
    import re

    first, second = web_app.test_client(), web_app.test_client()
    for client in (first, second):
        client.post("/login", data={"username": "liaison.dl.port", "password": "demo-pass-2026"})
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', _kept(client)) for client in (first, second)]
    assert tokens[0] and tokens[1] and set(tokens[0]).isdisjoint(tokens[1])


def test_a_message_after_an_action_is_shown_once_and_never_kept(client, login, issued):
    login("liaison.dl.port")
    _kept(client)
    task = _port_task()
    response = client.post(
        f"/tasks/{task.id}/acknowledge", data={"version": task.version + 5}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "flash-error" in page
    assert "flash-error" not in client.get("/tasks").get_data(as_text=True)


def test_the_language_switch_is_not_hidden_by_a_kept_page(client, login, issued):
    login("liaison.dl.port")
    assert "我的任务" in _kept(client)
    client.get("/lang/en")
    assert "My tasks" in client.get("/tasks").get_data(as_text=True)


def test_signed_out_or_deactivated_users_get_no_kept_page(client, login, issued):
    login("liaison.dl.port")
    _kept(client)
    user = f.user("liaison.dl.port")
    user.active = False
    db.session.commit()
    assert client.get("/tasks").status_code in (302, 403)
    user.active = True
    db.session.commit()
    login("liaison.dl.port")
    _kept(client)
    client.post("/logout")
    assert client.get("/tasks").status_code == 302


def test_a_new_day_redraws_the_page(client, login, issued):
    task = _port_task()
    login("liaison.dl.port")
    assert task.title not in _kept(client, "/tasks?overdue=1")
    with frozen_at(datetime.combine(task.current_deadline + timedelta(days=1), time(10))):
        assert local_today() > task.current_deadline
        assert task.title in client.get("/tasks?overdue=1").get_data(as_text=True)


def test_reminders_delivered_by_the_worker_reach_the_bell(client, login, issued, smtp, run_jobs, monkeypatch):
    """Delivery marks a message sent on a connection of its own, after the server took it; the
    liaison who opens the page while it is being sent still sees the bell count right after."""
    from coordination.outbox.mail import Transport

    morning = send_time(local_today() + timedelta(days=1)) + timedelta(minutes=5)
    liaison = f.user("liaison.dl.port")
    login("liaison.dl.port")
    send = Transport.send_raw

    def send_while_the_page_is_open(self, *args, **kwargs):
        send(self, *args, **kwargs)
        _kept(client)

    monkeypatch.setattr(Transport, "send_raw", send_while_the_page_is_open)
    with frozen_at(morning):
        key = db.session.scalar(
            select(Reminder.dedupe_key).where(Reminder.user_id == liaison.id, Reminder.status == "pending")
        )
        db.session.execute(update(Reminder).where(Reminder.dedupe_key != key).values(status="cancelled"))
        db.session.execute(
            update(Reminder).where(Reminder.dedupe_key == key).values(due_at=morning - timedelta(hours=9))
        )
        db.session.commit()
        before = inbox.unread_count(liaison.id)  # the plan's tasks assigned, told when it was issued
        assert delivery.sweep() == 1
        run_jobs()
        assert len(smtp.messages) == 1
        bell = re.search(r'class="bell-count"[^>]*>(\d+)<', client.get("/tasks").get_data(as_text=True))
        assert bell is not None and int(bell.group(1)) == before + 1


def test_the_overview_is_kept_and_redrawn_after_a_change(client, login, issued):
    login("leader.dl")
    year = _port_task().current_deadline.year
    page = _kept(client, f"/supervision/?year={year}")
    f.draft_plan(year=year + 1, items=1)
    response = client.get(f"/supervision/?year={year}")
    assert response.headers.get("X-Page-Cache") is None
    assert response.get_data(as_text=True).count(str(year + 1)) > page.count(str(year + 1))

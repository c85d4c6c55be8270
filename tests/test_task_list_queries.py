"""The task list (/tasks): a fixed number of statements whatever the number of tasks, and the rows
and count it shows are the right ones (one unit's overdue list, 我的任务), on each backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from coordination.assignments.models import OPEN_ONLY, Assignment, ExtensionRequest
from coordination.extensions import db
from coordination.organizations.models import Body
from coordination.timeutil import local_today
from tests import factories as f
from workflows.assignment import OPEN_VALUES


def _add_tasks(
    body: Body, n: int, *, state: str = "in_progress", days: int = -3, title: str = "任务"
) -> list[int]:
    """n tasks of one unit, their deadline `days` from today (negative: past), assigned 30 days ago."""
    mechanism, today = f.mechanism(), local_today()
    now = datetime.now(UTC).replace(tzinfo=None)  # stored moments are naive UTC
    key_task = f.key_task(3)
    made = [
        Assignment(
            mechanism_id=mechanism.id,
            key_task_id=key_task.id,
            body_id=body.id,
            role="lead",
            title=f"{title}{i}",
            state=state,
            original_deadline=today + timedelta(days=days),
            current_deadline=today + timedelta(days=days),
            percent_complete=10,
            created_at=now - timedelta(days=30),
            closed_at=now if state == "closed" else None,
        )
        for i in range(n)
    ]
    db.session.add_all(made)
    db.session.commit()
    return [a.id for a in made]


def _statements(client, web_app, path: str) -> int:
    with web_app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _shown(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<td><a href="/tasks/(\d+)">', page)}


def _total(page: str) -> int:
    found = re.search(r'<span class="muted">(\d+) 项任务</span>', page)
    assert found, page
    return int(found.group(1))


def test_the_partial_index_lists_the_open_states():
    """The partial index applies only when its predicate names exactly the open states."""
    assert sorted(re.findall(r"'(\w+)'", str(OPEN_ONLY))) == sorted(OPEN_VALUES)


def test_statements_do_not_grow_with_the_tasks(client, login, web_app):
    port, other = f.body("大连港口与口岸局"), f.body("上海市科学技术委员会")
    _add_tasks(port, 5)
    _add_tasks(other, 5)
    login("liaison.dl.port")
    client.get("/tasks")  # the process's first page loads the working-day calendar
    small = {path: _statements(client, web_app, path) for path in ("/tasks?overdue=1", "/tasks")}
    _add_tasks(port, 55)
    _add_tasks(port, 30, state="closed")
    _add_tasks(other, 55)
    large = {path: _statements(client, web_app, path) for path in ("/tasks?overdue=1", "/tasks")}
    assert large == small
    assert len(_shown(client.get("/tasks").get_data(as_text=True))) == 50  # a full page was drawn


def test_overdue_list_and_my_tasks_show_the_units_tasks(client, login):
    port, other = f.body("大连港口与口岸局"), f.body("上海市科学技术委员会")
    overdue = _add_tasks(port, 3, days=-3, title="逾期")
    closed = _add_tasks(port, 2, state="closed", days=-10, title="已关闭")
    submitted = _add_tasks(port, 1, state="submitted", days=-2, title="已提交")
    waiting = _add_tasks(port, 1, state="assigned", days=40, title="待延期")
    behind = _add_tasks(port, 1, state="in_progress", days=20, title="落后")
    elsewhere = _add_tasks(other, 2, days=-3, title="别处逾期")
    request = ExtensionRequest(
        assignment_id=waiting[0],
        requested_by_id=f.user("liaison.dl.port").id,
        reason="需要更多时间",
        requested_date=local_today(),
        deadline_at_request=local_today() + timedelta(days=40),
        progress="",
        state="pending",
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    db.session.add(request)
    db.session.commit()
    login("liaison.dl.port")

    page = client.get("/tasks?overdue=1").get_data(as_text=True)
    assert _shown(page) == set(overdue)  # not the closed, submitted, later or other unit's tasks
    assert _total(page) == 3
    assert page.count('class="light light-red" title="已超过完成时限。">已逾期</span>') == 3
    assert "<td>3</td>" in page  # the key task's number

    page = client.get("/tasks").get_data(as_text=True)
    assert _shown(page) == set(overdue + closed + submitted + waiting + behind)
    assert not _shown(page) & set(elsewhere)
    assert _total(page) == 8
    assert '<span class="small muted light-reason">有延期申请待审批。</span>' in page
    # 30 of its 50 days gone by (60 %), 10 % reported: 50 points behind, in Chinese.
    assert "落后序时进度50个百分点" in page

    for path, ids in (
        ("/tasks?state=open", overdue + waiting + behind),
        ("/tasks?state=closed", closed),
        ("/tasks?key_task=3&sort=-deadline", overdue + closed + submitted + waiting + behind),
        ("/tasks?key_task=4", []),
        ("/tasks?q=逾期", overdue),
        ("/tasks?overdue=1&state=open&sort=state", overdue),
    ):
        page = client.get(path).get_data(as_text=True)
        assert _shown(page) == set(ids), path
        if ids:
            assert _total(page) == len(ids), path

    # A member of the leading group sees every unit's tasks, with the unit's name.
    login("leader.sh")
    page = client.get(f"/tasks?overdue=1&unit={other.id}").get_data(as_text=True)
    assert _shown(page) == set(elsewhere) and _total(page) == 2
    assert f"<td>{other.name_zh}</td>" in page
    assert db.session.scalar(select(Assignment.state).where(Assignment.id == closed[0])) == "closed"

"""Figures and reference lists kept across processes (coordination/datacache.py): a kept value is
replaced right after the change that affects it commits, whichever process or user made it, and
never by a change that rolled back. Two apps on one Redis namespace stand for two processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from coordination import datacache
from coordination.assignments import operations as tasks
from coordination.assignments.queries import of_plan
from coordination.extensions import db
from coordination.organizations.queries import current_mechanism
from tests import factories as f
from tests.conftest import SHARED_KEYS, make_app


def _second_process(app: Flask) -> Flask:
    return make_app(app.config["SQLALCHEMY_DATABASE_URI"], **{k: app.config[k] for k in SHARED_KEYS})


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _counter() -> tuple[list[int], object]:
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    return calls, load


def test_a_kept_figure_is_computed_once_and_again_after_a_committed_change(app):
    calls, load = _counter()
    name = datacache.tasks_version_name(1)
    assert datacache.remember("figure", [name], load) == 1
    assert datacache.remember("figure", [name], load) == 1  # kept
    datacache.touch(name)
    db.session.rollback()  # a change that did not happen retires nothing
    assert datacache.remember("figure", [name], load) == 1
    datacache.touch(name)
    db.session.commit()
    assert datacache.remember("figure", [name], load) == 2
    assert len(calls) == 2


def test_another_process_sees_the_change_at_once(app):
    other = _second_process(app)
    calls, load = _counter()
    name = datacache.reference_version_name(1)
    with other.app_context():
        assert datacache.in_process("units", [name], load) == 1
        assert datacache.in_process("units", [name], load) == 1
    datacache.touch(name)  # this process changes the data
    db.session.commit()
    with other.app_context():
        assert datacache.in_process("units", [name], load) == 2


def test_without_redis_every_figure_is_computed(app):
    calls, load = _counter()
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    datacache.init_app(app)
    assert datacache.remember("figure", ["tasks:1"], load) == 1
    assert datacache.remember("figure", ["tasks:1"], load) == 2
    datacache.touch("tasks:1")
    db.session.commit()  # the lost bump is no error


def test_a_new_unit_is_offered_in_the_task_filter_at_once(app, client, login):
    login("leader.sh")
    assert "大连市生态环境局" not in client.get("/tasks").get_data(as_text=True)  # the list is kept now
    login("admin")
    response = client.post("/admin/bodies/new", data=f.body_form())
    assert response.status_code == 302
    body_id = db.session.scalar(db.text("SELECT id FROM bodies WHERE name_zh = '大连市生态环境局'"))
    login("leader.sh")
    client.get("/")  # whatever the admin's pages said is shown and gone
    assert f'<option value="{body_id}">' in client.get("/tasks").get_data(as_text=True)


def test_the_overview_and_the_home_counts_change_right_after_a_task_is_cancelled(app):
    """The overview's kept aggregate follows the domain events: one task cancelled by the lead
    department shows at once."""
    from coordination.supervision import queries
    from coordination.timeutil import local_today

    plan = f.issued_plan(items=2)
    mechanism = f.mechanism()

    def total() -> int:
        return queries.totals(queries.overview(mechanism.id, plan.year, local_today())).assignments

    before = total()
    assert before > 0 and total() == before
    _cancel_one_task(plan.id)
    assert total() == before - 1


def test_the_overview_follows_an_amendment_that_moves_an_item_to_another_key_task(app):
    """No task changes when an issued plan's item moves to another key task; the kept rows
    by key task must follow all the same."""
    from coordination.plans import operations as plans
    from coordination.supervision import queries
    from coordination.timeutil import local_today

    plan = f.issued_plan(items=1)
    item = plan.items[0]
    mechanism = f.mechanism()

    def tasks_of(number: int) -> int:
        rows = queries.overview(mechanism.id, plan.year, local_today())
        return sum(t.figures.assignments for r in rows for t in r.tasks if t.key_task.number == number)

    moved_from = item.key_task.number
    moved_to = 27 if moved_from != 27 else 26
    before = tasks_of(moved_from)
    assert before > 0 and tasks_of(moved_to) == 0
    plans.update_item(
        item,
        f.item_data(number=moved_to),
        f.user("lead.sh"),
        expected_version=item.version,
        amendment_reason="并入另一项重点任务",
    )
    db.session.commit()
    assert tasks_of(moved_from) == 0
    assert tasks_of(moved_to) == before


def _cancel_one_task(plan_id: int) -> None:
    """The lead department cancels one of the plan's tasks (committed)."""
    task = next(a for a in of_plan(plan_id) if a.state == "assigned")
    tasks.cancel(task, f.user("lead.sh"), reason="合并到其他任务")
    db.session.commit()


def test_the_leaders_home_page_counts_follow_another_users_change(app, client, login):
    """The leader's home page (kept counts, served by the web app) after the lead department
    cancels a task in another process (the test's app)."""
    import re

    plan = f.issued_plan(items=2)

    def open_count() -> int:
        page = client.get("/").get_data(as_text=True)
        return int(re.search(r'state=open"><div class="stat-value">(\d+)<', page)[1])

    login("leader.sh")
    before = open_count()
    assert before > 0 and open_count() == before
    _cancel_one_task(plan.id)
    assert open_count() == before - 1


def test_the_mechanism_kept_in_each_process_follows_a_change_made_in_another(app):
    other = _second_process(app)
    with other.app_context():
        assert current_mechanism().name_zh == f.mechanism().name_zh
        with _statements(other) as statements:
            current_mechanism()
        assert not [s for s in statements if "FROM mechanisms" in s]  # kept, not read again
    f.mechanism().name_zh = "沪连对口合作（新名称）"
    db.session.rollback()  # a change that did not happen
    with other.app_context():
        assert current_mechanism().name_zh != "沪连对口合作（新名称）"
    f.mechanism().name_zh = "沪连对口合作（新名称）"
    db.session.commit()
    with other.app_context():
        mechanism = current_mechanism()
        assert mechanism.name_zh == "沪连对口合作（新名称）"
        mechanism.traffic_rule = {"warning_workdays": 3}  # the kept row is the request's own to change
        db.session.commit()
    db.session.expire_all()
    assert f.mechanism().traffic_rule == {"warning_workdays": 3}
    with other.app_context():
        assert current_mechanism().traffic_rule == {"warning_workdays": 3}

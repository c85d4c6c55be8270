"""The task page reads what it shows in a fixed number of statements: as many with 2 progress
reports as with 25, whatever the files, extension requests and history rows that come with them."""

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import event, select
from werkzeug.datastructures import FileStorage

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.timeutil import frozen_at
from tests import factories as f

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
START = datetime(2027, 3, 1, 9, 0)


def _task(unit: str) -> Assignment:
    return db.session.scalar(select(Assignment).where(Assignment.body_id == f.body(unit).id))


def _pdf(name: str) -> FileStorage:
    return FileStorage(BytesIO(PDF), filename=name, content_type="application/pdf")


def _liaison(a: Assignment):
    return f.user("liaison.dl.port" if a.body_id == f.body("大连港口与口岸局").id else "liaison.sh.commerce")


def _report(a: Assignment, n: int, files: int = 1) -> None:
    """Report number n, an hour after report n - 1, with its files."""
    author = _liaison(a)
    with frozen_at(START + timedelta(hours=n)):
        tasks.report_progress(
            a,
            author,
            text=f"第{n}次进展：航线方案推进",
            percent=min(n * 4, 95),
            period=f"第{n}周",
            files=[_pdf(f"进展{n}-{k}.pdf") for k in range(files)],
        )
    db.session.commit()


def _extension(a: Assignment, approve: bool | None) -> None:
    """An extension request, decided (approve True/False) or left waiting (None)."""
    request = tasks.request_extension(
        a,
        _liaison(a),
        reason="等待海关批复",
        requested_date=a.current_deadline + timedelta(days=30),
        progress="已完成方案",
    )
    db.session.commit()
    if approve is not None:
        note = "同意" if approve else "不同意"
        tasks.decide_extension(request, f.user("lead.dl"), approve=approve, note=note)
        db.session.commit()


def _count(client, engine, url: str) -> tuple[int, str]:
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        # The working-day calendar checks now and then whether it changed: not the page's.
        if "FROM calendar_years" not in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize(
    "unit,viewer",
    [
        ("大连港口与口岸局", "liaison.dl.port"),  # the task's own unit
        ("上海市商务委员会", "liaison.sh.transport"),  # the lead unit's liaison on a co-operating task
        ("大连港口与口岸局", "lead.sh"),  # a lead department
        ("大连港口与口岸局", "leader.sh"),  # the leading group
    ],
)
def test_task_page_statements_do_not_grow_with_reports_files_or_history(
    client, login, app, web_app, unit, viewer
):
    f.issued_plan()
    a = _task(unit)
    tasks.acknowledge(a, _liaison(a))
    db.session.commit()
    for n in (1, 2):
        _report(a, n)
    login(viewer)
    with web_app.app_context():
        engine = db.engine
    url = f"/tasks/{a.id}"
    client.get(url)  # the process's first page loads the working-day calendar
    small, page = _count(client, engine, url)
    assert "第2次进展" in page and page.index("第2次进展") < page.index("第1次进展")

    for n in range(3, 26):
        _report(a, n, files=n % 3)  # none, one or two files a report
    _extension(a, approve=True)
    _extension(a, approve=False)
    _extension(a, approve=None)
    large, page = _count(client, engine, url)

    assert large == small, f"{small} statements with 2 reports, {large} with 25"
    assert page.count('<article class="report">') == 25
    assert page.index("第25次进展") < page.index("第24次进展") < page.index("第1次进展")
    assert "进展25-0.pdf" in page and "进展23-1.pdf" in page and "进展24-0.pdf" not in page  # 24 had none
    assert page.count("<td>等待海关批复") == 3  # the requests table (the history names them too)


def test_the_task_page_stays_within_its_statements(client, login, app, web_app):
    """The page's own reads: the task, its plan item, the reports, the files, the extension
    requests, the history, the other units' tasks, the reminders; the layout adds the signed-in
    user and the unread count; the item's units are asked for a co-operating unit's task."""
    f.issued_plan()
    a = _task("大连港口与口岸局")
    tasks.acknowledge(a, f.user("liaison.dl.port"))
    db.session.commit()
    _report(a, 1)
    login("liaison.dl.port")
    with web_app.app_context():
        engine = db.engine
    client.get(f"/tasks/{a.id}")
    count, _ = _count(client, engine, f"/tasks/{a.id}")
    assert count <= 11, count  # 38 before the page read in fixed statements

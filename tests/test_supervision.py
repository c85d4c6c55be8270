"""The overview's figures agree with direct counts, on fixtures built to tell them apart."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from coordination import jobs
from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from coordination.supervision import queries
from coordination.timeutil import frozen_at, local_today
from tests import factories as f


def _figures(year=None, **filters):
    rows = queries.overview(f.mechanism().id, year or local_today().year + 1, local_today(), **filters)
    return {t.key_task.number: t.figures for row in rows for t in row.tasks}, queries.totals(rows)


def _direct(sql: str) -> int:
    return db.session.execute(text(sql)).scalar_one()


@pytest.fixture
def plan(app):
    return f.issued_plan(items=3)


def test_totals_agree_with_direct_counts(plan):
    figures, total = _figures()
    assert total.assignments == _direct("SELECT count(*) FROM assignments WHERE state != 'cancelled'")
    assert total.items == _direct("SELECT count(*) FROM plan_items")
    assert figures[7].assignments == 3 and figures[15].assignments == 2 and figures[8].assignments == 2
    assert figures[1].assignments == 0 and figures[1].light == "none"  # a gap in the plan


def test_all_overdue_then_cancelled_excluded(plan):
    db.session.execute(
        text("UPDATE assignments SET current_deadline = :d, original_deadline = :d"),
        {"d": local_today() - timedelta(days=3)},
    )
    db.session.commit()
    figures, total = _figures()
    assert total.overdue == total.assignments == 7 and figures[7].light == "red"
    port = db.session.query(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id).one()
    tasks.cancel(port, f.user("lead.sh"), reason="并入其他事项")
    db.session.commit()
    figures, total = _figures()
    assert total.assignments == 6 and total.overdue == 6 and figures[7].assignments == 2


def test_all_closed_on_time(plan):
    """Every task closed on its deadline day with quality 5: all green figures, and the same
    counts as a direct query."""
    from datetime import datetime

    lead = f.user("lead.dl")
    for task in db.session.query(Assignment).all():
        task.state, task.percent_complete, task.quality = "closed", 100, 5
        day = task.original_deadline
        task.closed_at, task.closed_by_id = datetime(day.year, day.month, day.day, 9), lead.id
    db.session.commit()
    figures, total = _figures()
    closed = _direct("SELECT count(*) FROM assignments WHERE state = 'closed'")
    assert total.closed == total.closed_on_time == total.assignments == closed == 7
    assert (total.closed_percent, total.on_time_percent, total.overdue, total.at_risk) == (100.0, 100.0, 0, 0)
    assert figures[7].light == "green" and figures[1].light == "none"
    units = queries.units(f.mechanism().id, local_today().year + 1, local_today())
    assert sum(u.closed_on_time for u in units) == 7 and all(u.in_work == u.submitted == 0 for u in units)


def test_on_time_counts_against_the_original_deadline(plan):
    liaison, lead = f.user("liaison.dl.port"), f.user("lead.dl")
    port = db.session.query(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id).one()
    tasks.acknowledge(port, liaison)
    extension = tasks.request_extension(
        port, liaison, reason="审批", requested_date=port.current_deadline + timedelta(days=20)
    )
    tasks.decide_extension(extension, lead, approve=True)
    tasks.report_progress(port, liaison, text="x", percent=90)
    tasks.submit_completion(port, liaison, results="完成")
    late = port.original_deadline + timedelta(days=10)  # within the extension, after the original
    from datetime import datetime

    with frozen_at(datetime(late.year, late.month, late.day, 10)):
        tasks.close(port, lead, quality=4)
    db.session.commit()
    figures, total = _figures()
    assert total.closed == 1 and total.closed_on_time == 0 and total.on_time_percent == 0.0
    assert figures[7].closed_percent == pytest.approx(100 / 3)


def test_filters_by_party_and_unit(plan):
    _, shanghai = _figures(party_id=f.mechanism().parties[0].id)
    _, port = _figures(body_id=f.body("大连港口与口岸局").id)
    assert shanghai.assignments == _direct(
        "SELECT count(*) FROM assignments a JOIN bodies b ON a.body_id = b.id "
        "JOIN parties p ON b.party_id = p.id WHERE p.code = 'sh' AND a.state != 'cancelled'"
    )
    assert port.assignments == 1


def test_overview_page_by_role_with_a_constant_number_of_queries(client, login, plan, web_app):
    from sqlalchemy import event

    login("leader.dl")
    year = local_today().year + 1
    page = client.get(f"/supervision/?year={year}").get_data(as_text=True)
    assert "督查总览" in page and "国际航运中心和物流中心建设" in page and "未安排工作" in page
    login("liaison.dl.port")
    assert client.get("/supervision/").status_code == 403
    login("lead.sh")
    client.get("/")  # shows the sign-in's welcome, so both counted pages are drawn alike
    with web_app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    client.get(f"/supervision/?year={year}")
    small = counter["n"]
    f.draft_plan(year=year + 1, items=3)
    counter["n"] = 0
    client.get(f"/supervision/?year={year}")
    event.remove(engine, "before_cursor_execute", count)
    assert counter["n"] == small


def test_unit_figures(client, login, plan):
    from datetime import datetime

    liaison, lead = f.user("liaison.dl.port"), f.user("lead.dl")
    port = db.session.query(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id).one()
    tasks.acknowledge(port, liaison)
    extension = tasks.request_extension(
        port, liaison, reason="审批", requested_date=port.current_deadline + timedelta(days=20)
    )
    tasks.decide_extension(extension, lead, approve=True)
    tasks.report_progress(port, liaison, text="x", percent=90)
    tasks.submit_completion(port, liaison, results="完成")
    late = port.original_deadline + timedelta(days=6)
    with frozen_at(datetime(late.year, late.month, late.day, 10)):
        tasks.close(port, lead, quality=4)
    db.session.commit()
    rows = {r.body.name_zh: r for r in queries.units(f.mechanism().id, local_today().year + 1, local_today())}
    assert set(rows) == set(
        db.session.execute(
            text("SELECT DISTINCT b.name_zh FROM assignments a JOIN bodies b ON a.body_id = b.id")
        ).scalars()
    )
    r = rows["大连港口与口岸局"]
    assert (r.assignments, r.closed, r.closed_on_time, r.average_late_days) == (1, 1, 0, 6.0)
    assert (r.extensions_asked, r.extensions_granted) == (1, 1)
    in_work = _direct(
        "SELECT count(*) FROM assignments"
        " WHERE state IN ('assigned', 'acknowledged', 'in_progress', 'returned')"
    )
    assert sum(row.in_work for row in rows.values()) == in_work and r.in_work == 0
    login("leader.sh")
    page = client.get(f"/supervision/units?year={local_today().year + 1}").get_data(as_text=True)
    assert "大连港口与口岸局" in page and "6.0" in page
    # Titled as the year's table, not as the administrators' unit screen.
    assert f"<title>{local_today().year + 1} 年各单位办理情况" in page


def test_the_excel_report_adds_up_to_the_dashboard(client, login, plan):
    from io import BytesIO

    from openpyxl import load_workbook

    db.session.execute(
        text("UPDATE assignments SET current_deadline = :d WHERE id = (SELECT min(id) FROM assignments)"),
        {"d": local_today() - timedelta(days=1)},
    )
    db.session.commit()
    login("leader.dl")
    year = local_today().year + 1
    response = client.get(f"/supervision/report.xlsx?year={year}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["汇总", *(s for s in book.sheetnames[1:7]), "单位情况", "考核评估"]
    summary = book["汇总"]
    assert [c.value for c in summary[2]][:3] == ["重点任务", "事项数", "任务数"]
    assert summary.freeze_panes == "B3"
    total_row = next(row for row in summary.iter_rows(values_only=True) if row[0] == "合计")
    _, total = _figures()
    assert total_row[1:7] == (
        total.items,
        total.assignments,
        total.closed,
        total.closed_on_time,
        total.overdue,
        total.at_risk,
    )
    area_rows = [row for row in summary.iter_rows(min_row=3, values_only=True) if row[0] != "合计"]
    assert sum(r[2] for r in area_rows) == total.assignments
    assert total_row[-1] == "有逾期"
    units = list(book["单位情况"].iter_rows(min_row=3, values_only=True))
    assert sum(row[2] for row in units) == total.assignments
    assert book["考核评估"]["A2"].value == "排名" and book["考核评估"].freeze_panes == "A3"
    login("liaison.dl.port")
    assert client.get("/supervision/report.xlsx").status_code == 403


def test_report_job_with_progress_and_the_kept_file(client, login, plan, run_jobs):
    from io import BytesIO

    from openpyxl import load_workbook

    from coordination.audit.models import AuditEvent
    from coordination.supervision.models import GeneratedReport

    year = local_today().year + 1
    login("secretary.sh")
    response = client.post("/supervision/reports", data={"scope": str(year)})
    assert response.status_code == 302
    report = db.session.query(GeneratedReport).one()
    assert report.state == "queued" and report.requested_by.username == "secretary.sh"
    status = client.get(f"/supervision/reports/{report.id}/status").get_json()
    assert status["state"] == "queued" and status["download"] is None
    assert client.get(f"/supervision/reports/{report.id}/download").status_code == 404
    run_jobs()
    db.session.refresh(report)
    assert (report.state, report.progress) == ("done", 100)
    status = client.get(f"/supervision/reports/{report.id}/status").get_json()
    assert status["label"] == "已生成" and status["download"].endswith("/download")
    download = client.get(status["download"])
    from urllib.parse import unquote

    assert download.status_code == 200
    assert f"{year}年度督查通报.xlsx" in unquote(download.headers["Content-Disposition"])
    book = load_workbook(BytesIO(download.data))
    total_row = next(row for row in book["汇总"].iter_rows(values_only=True) if row[0] == "合计")
    _, total = _figures()
    assert total_row[2] == total.assignments
    page = client.get("/supervision/reports").get_data(as_text=True)
    assert "secretary.sh" in page or report.requested_by.name in page
    actions = set(
        db.session.scalars(text("SELECT action FROM audit_events WHERE object_type = 'generated_reports'"))
    )
    assert actions == {"report.request", "report.done"}
    assert (
        db.session.query(AuditEvent).filter_by(action="report.done").one().actor_id == report.requested_by_id
    )
    login("liaison.dl.port")
    assert client.get(f"/supervision/reports/{report.id}/download").status_code == 403
    assert client.post("/supervision/reports", data={"scope": str(year)}).status_code == 403


def test_a_report_asked_for_without_redis_is_made_after_the_sweep(client, login, plan, web_app, run_jobs):
    from coordination.supervision import generation
    from coordination.supervision.models import GeneratedReport

    web_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there

    jobs.init_app(web_app)  # the app makes its one Redis client from the setting
    login("lead.dl")
    page = client.post("/supervision/reports", data={"scope": "final"}, follow_redirects=True)
    assert "任务队列暂不可用" in page.get_data(as_text=True)
    report = db.session.query(GeneratedReport).one()
    assert report.state == "queued"
    run_jobs()
    assert db.session.get(GeneratedReport, report.id).state == "queued"  # nothing reached Redis
    db.session.execute(
        text("UPDATE generated_reports SET requested_at = requested_at - INTERVAL '1 hour'")
        if db.engine.dialect.name == "postgresql"
        else text("UPDATE generated_reports SET requested_at = datetime(requested_at, '-1 hour')")
    )
    db.session.commit()
    assert generation.sweep() == 1
    run_jobs()
    db.session.expire_all()
    report = db.session.get(GeneratedReport, report.id)
    assert report.state == "done" and report.filename.startswith("终期评估")


def test_the_sweep_releases_only_reports_whose_worker_died(app):
    """A report is judged by when a worker took it, not by when it was asked for: one that waited
    an hour for Redis and has just started is left to run; one started an hour ago is handed on."""
    from datetime import datetime

    from coordination.supervision import generation
    from coordination.supervision.models import GeneratedReport

    now, hour = datetime.utcnow(), timedelta(hours=1)
    lead = f.user("lead.sh")
    just_started = GeneratedReport(mechanism_id=f.mechanism().id, scope="final", requested_by_id=lead.id)
    just_started.status, just_started.requested_at, just_started.claimed_at = "sending", now - hour, now
    # Another scope: one report per user and scope is pending at a time.
    abandoned = GeneratedReport(mechanism_id=f.mechanism().id, scope="midterm", requested_by_id=lead.id)
    abandoned.status, abandoned.requested_at, abandoned.claimed_at = "sending", now - hour, now - hour
    db.session.add_all([just_started, abandoned])
    db.session.commit()
    assert generation.sweep() == 1
    assert (just_started.state, abandoned.state) == ("running", "queued")


def test_bad_scopes_are_not_found(client, login, app):
    login("leader.sh")
    assert client.get("/supervision/print?scope=1999").status_code == 404
    assert client.post("/supervision/reports", data={"scope": "<x>"}).status_code == 404
    assert client.get("/supervision/reports/999/status").status_code == 404


def test_print_view_has_charts_and_the_same_numbers(client, login, plan):
    login("leader.dl")
    year = local_today().year + 1
    page = client.get(f"/supervision/print?scope={year}").get_data(as_text=True)
    _, total = _figures()
    assert page.count("<svg") == 1 and "各领域销号率与按期率" in page
    assert f'<div class="stat-value">{total.assignments}</div>' in page
    assert "五、考核评估" in page and "大连港口与口岸局" in page
    final = client.get("/supervision/print?scope=final").get_data(as_text=True)
    assert "逐年情况" in final and "终期评估" in final


def test_plan_progress_burndown_upcoming_and_timeline(client, login, plan):
    from datetime import datetime

    from coordination.supervision.queries import burndown

    today = local_today()
    first = db.session.query(Assignment).order_by(Assignment.id).first()
    first.state, first.closed_at = "closed", datetime(today.year, today.month, today.day, 3)
    db.session.commit()
    chart = burndown(plan, today + timedelta(days=400))
    open_now = _direct("SELECT count(*) FROM assignments WHERE state NOT IN ('closed', 'cancelled')")
    assert chart.open[0] == (plan.issued_on, open_now)
    assert chart.planned[0][1] == _direct("SELECT count(*) FROM assignments WHERE state != 'cancelled'")
    assert chart.planned[-1][1] <= chart.planned[0][1]
    login("leader.sh")
    page = client.get(f"/supervision/plans/{plan.id}").get_data(as_text=True)
    assert (
        "全年未办结任务走势" in page and "<svg" in page and "联席会议" in page
    )  # the meeting on the timeline
    login("liaison.dl.port")
    assert client.get(f"/supervision/plans/{plan.id}").status_code == 403


def test_chart_labels_are_escaped():
    from coordination.charts import bars

    svg = str(bars([("<script>alert(1)</script>", (50.0,))], [("a&b", "bar-primary")], "t<"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg


# --- on time means on time in Beijing ---------------------------------------------------------


def _close_at(task, local, quality=5):
    """Close a submitted task at a Beijing wall-clock moment."""
    task.state, task.results, task.percent_complete = "submitted", "完成", 100
    db.session.commit()
    with frozen_at(local):
        tasks.close(task, f.user("lead.dl"), quality=quality)
    db.session.commit()


def test_on_time_is_judged_by_the_date_in_beijing(client, login, plan):
    """Closed at 07:00 in Beijing the day after the deadline is stored as 23:00 UTC on the deadline
    day: late everywhere. Closed at 23:30 in Beijing on the deadline day: on time everywhere."""
    from datetime import datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from coordination.evaluation import queries as evaluation
    from coordination.timeutil import by_day

    late = db.session.query(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id).one()
    in_time = db.session.query(Assignment).filter_by(body_id=f.body("上海市交通委员会").id).one()
    deadline = late.original_deadline
    assert in_time.original_deadline == deadline
    _close_at(late, datetime(deadline.year, deadline.month, deadline.day, 7) + timedelta(days=1))
    _close_at(in_time, datetime(deadline.year, deadline.month, deadline.day, 23, 30))
    assert late.closed_at.date() == deadline and late.closed_at.hour == 23  # the UTC trap
    assert not by_day(late.closed_at, deadline) and by_day(in_time.closed_at, deadline)
    year = local_today().year + 1
    _, total = _figures()
    assert (total.closed, total.closed_on_time) == (2, 1)
    units = {u.body.name_zh: u for u in queries.units(f.mechanism().id, year, local_today())}
    port, transport = units["大连港口与口岸局"], units["上海市交通委员会"]
    assert (port.closed_on_time, port.closed_late, port.average_late_days) == (0, 1, 1.0)
    assert (transport.closed_on_time, transport.closed_late, transport.average_late_days) == (1, 0, None)
    scope = evaluation.scope_of(f.mechanism(), str(year))
    records = {r.body.name_zh: r.record for r in evaluation.results(f.mechanism(), scope, local_today())}
    assert (records["大连港口与口岸局"].closed_on_time, records["上海市交通委员会"].closed_on_time) == (0, 1)
    login("leader.dl")
    book = load_workbook(BytesIO(client.get(f"/supervision/report.xlsx?year={year}").data))
    total_row = next(row for row in book["汇总"].iter_rows(values_only=True) if row[0] == "合计")
    assert total_row[3:5] == (2, 1) and total_row[8] == 0.5
    unit_rows = {row[0]: row for row in book["单位情况"].iter_rows(min_row=3, values_only=True)}
    assert unit_rows["大连港口与口岸局"][4:7] == (0, 0.0, 1.0)
    assert unit_rows["上海市交通委员会"][4:7] == (1, 1.0, "—")


# --- one traffic-light rule: SQL and Python agree --------------------------------------------


def _insert_tasks(specs, today):
    """Rows straight into the table (rolled back by the caller): (deadline, percent, pending,
    state, created_at UTC)."""
    from sqlalchemy import insert

    from coordination.assignments.models import ExtensionRequest

    mechanism, body, liaison = f.mechanism().id, f.body("大连港口与口岸局").id, f.user("liaison.dl.port").id
    rows = [
        {
            "mechanism_id": mechanism,
            "body_id": body,
            "role": "lead",
            "title": f"t{i}",
            "state": state,
            "original_deadline": deadline,
            "current_deadline": deadline,
            "percent_complete": percent,
            "created_at": created,
        }
        for i, (deadline, percent, _pending, state, created) in enumerate(specs)
    ]
    ids = list(
        db.session.scalars(insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True), rows)
    )
    pending = [
        {
            "assignment_id": id_,
            "requested_by_id": liaison,
            "reason": "x",
            "requested_date": today + timedelta(days=90),
            "deadline_at_request": spec[0],
        }
        for id_, spec in zip(ids, specs, strict=True)
        if spec[2]
    ]
    if pending:
        db.session.execute(insert(ExtensionRequest), pending)
    return dict(zip(ids, specs, strict=True))


def _python_light(spec, today, rule):
    from coordination.timeutil import local_date
    from workflows.assignment import AssignmentState
    from workflows.traffic import assess

    deadline, percent, pending, state, created = spec
    return assess(
        AssignmentState(state), deadline, today, percent, pending, local_date(created), rule
    ).light.value


def _sql_lights(ids, today, rule):
    from sqlalchemy import select

    from coordination.assignments.queries import light_sql

    return dict(
        db.session.execute(select(Assignment.id, light_sql(today, rule)).where(Assignment.id.in_(ids))).all()
    )


def test_sql_light_equals_python_light_on_every_day_of_a_year(app):
    """Every today of 2026 (weekends, holidays, adjusted working days) against every deadline from
    three days before to sixteen after, below and at the at-risk percentage, with and without a
    pending extension, for a task assigned on 1 December 2025 at 01:00 in Beijing."""
    from datetime import date, datetime

    from workflows.traffic import TrafficRule

    rule = TrafficRule()
    created = datetime(2025, 11, 30, 17)  # 01:00 on 1 December in Beijing
    specs = []
    day = date(2025, 12, 28)
    while day <= date(2027, 1, 17):
        specs += [(day, 0, False, "in_progress", created), (day, 80, False, "acknowledged", created)]
        specs += [(day, 95, True, "returned", created), (day, 10, False, "submitted", created)]
        day += timedelta(days=1)
    rows = _insert_tasks(specs, date(2026, 1, 1))
    by_deadline: dict = {}
    for id_, spec in rows.items():
        by_deadline.setdefault(spec[0], []).append(id_)
    checked = 0
    try:
        today = date(2026, 1, 1)
        while today.year == 2026:
            ids = [i for offset in range(-3, 17) for i in by_deadline[today + timedelta(days=offset)]]
            sql = _sql_lights(ids, today, rule)
            for id_ in ids:
                assert sql[id_] == _python_light(rows[id_], today, rule), (today, rows[id_])
                checked += 1
            today += timedelta(days=1)
    finally:
        db.session.rollback()
    assert checked == 365 * 20 * 4


def test_sql_light_equals_python_light_property(app):
    """Any today of the year, deadline, progress, pending extension, state, assignment moment (at
    any hour: its Beijing date is the start of its time) and rule: SQL and Python give one light."""
    from datetime import date, datetime, time

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from workflows.traffic import TrafficRule

    states = st.sampled_from(["assigned", "acknowledged", "in_progress", "returned", "submitted", "closed"])
    task = st.tuples(
        st.integers(-10, 60),  # deadline, days from today
        st.one_of(st.sampled_from([0, 19, 20, 79, 80, 100]), st.integers(0, 100)),
        st.booleans(),
        states,
        st.integers(-5, 400),  # assigned this many days before today (negative: after)
        st.integers(0, 23),  # at this UTC hour
    )
    rules = st.sampled_from(
        [TrafficRule(), TrafficRule(lag_points=None), TrafficRule(3, 50, 5), TrafficRule(0, 100, 1)]
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        today=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
        drawn=st.lists(task, min_size=1, max_size=12),
        rule=rules,
    )
    def check(today, drawn, rule):
        specs = [
            (
                today + timedelta(days=deadline),
                percent,
                pending,
                state,
                datetime.combine(today - timedelta(days=before), time(hour)),
            )
            for deadline, percent, pending, state, before, hour in drawn
        ]
        try:
            rows = _insert_tasks(specs, today)
            sql = _sql_lights(list(rows), today, rule)
            for id_, spec in rows.items():
                assert sql[id_] == _python_light(spec, today, rule), (today, spec, rule)
        finally:
            db.session.rollback()

    check()


def test_the_overview_counts_at_risk_by_the_tasks_own_lights(plan):
    """A deadline on a Saturday just past the 5th working day is at risk in the overview, as on
    the task page; so is a task far behind its schedule."""
    from datetime import date, datetime

    from coordination.assignments.queries import assessment_of, traffic_rule_of

    friday = date(2026, 11, 13)
    saturday = date(2026, 11, 21)
    task = db.session.query(Assignment).order_by(Assignment.id).first()
    task.current_deadline = task.original_deadline = saturday
    db.session.commit()
    year = local_today().year + 1
    rule = traffic_rule_of(f.mechanism())
    with frozen_at(datetime(2026, 11, 13, 10)):
        rows = queries.overview(f.mechanism().id, year, friday)
        assert queries.totals(rows).at_risk == 1
        assert assessment_of(task, friday, False, rule).light == "yellow"


# --- every task counted, everywhere the same -------------------------------------------------


def _meeting_with_decision(starts_utc, key_task, units):
    from coordination.meetings.models import Decision, Meeting

    meeting = Meeting(
        mechanism_id=f.mechanism().id,
        title="联席会议",
        starts_at=starts_utc,
        ends_at=starts_utc + timedelta(hours=2),
        host_party_id=f.mechanism().parties[1].id,
        state="held",
    )
    decision = Decision(
        meeting=meeting,
        text=f"议定事项{starts_utc:%Y%m%d}{len(units)}",
        deadline=f.later(90),
        body_ids=[f.body(u).id for u in units],
        key_task_id=key_task and f.key_task(key_task).id,
    )
    db.session.add_all([meeting, decision])
    db.session.flush()
    tasks.create_from_decision(decision, f.user("lead.sh"))


def _visit_with_outcome(starts_on, units):
    from coordination.visits.models import Visit, VisitOutcome

    sh, dl = f.mechanism().parties
    visit = Visit(
        mechanism_id=f.mechanism().id,
        title="高层互访",
        visiting_party_id=sh.id,
        host_party_id=dl.id,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=2),
        leader_name="张三",
        state="completed",
    )
    outcome = VisitOutcome(
        visit=visit, text="共建产业园", deadline=f.later(120), body_ids=[f.body(u).id for u in units]
    )
    db.session.add_all([visit, outcome])
    db.session.flush()
    tasks.create_from_outcome(outcome, f.user("lead.sh"))


def test_every_figure_counts_the_same_tasks_of_the_year(client, login, plan):
    """A year of plan, decision and outcome tasks: the overview, the map, the key-task page, the
    unit table, the per-plan page, the evaluation, the workbook and the print view all count what
    a direct SQL count finds. A meeting at 00:30 on 1 January in Beijing is the new year's."""
    from datetime import date, datetime
    from io import BytesIO

    from openpyxl import load_workbook

    from coordination.evaluation import queries as evaluation

    year = local_today().year + 1
    _meeting_with_decision(datetime(year - 1, 12, 31, 16, 30), 7, ["大连港口与口岸局", "大连市商务局"])
    _meeting_with_decision(datetime(year - 1, 12, 31, 16, 30), None, ["大连市科学技术局"])
    _meeting_with_decision(datetime(year - 1, 12, 31, 15, 30), 7, ["上海市商务委员会"])  # 23:30: last year
    _visit_with_outcome(date(year, 3, 1), ["上海市交通委员会"])
    db.session.commit()
    params = {"y": year, "a": f"{year}-01-01", "b": f"{year}-12-31"}
    params |= {"from_utc": f"{year - 1}-12-31 16:00:00", "to_utc": f"{year}-12-31 16:00:00"}
    of_year = (
        "a.state != 'cancelled' AND ("
        " a.plan_item_id IN (SELECT i.id FROM plan_items i JOIN annual_plans p ON i.plan_id = p.id"
        "  WHERE p.year = :y)"
        " OR a.decision_id IN (SELECT d.id FROM decisions d JOIN meetings m ON d.meeting_id = m.id"
        "  WHERE m.starts_at >= :from_utc AND m.starts_at < :to_utc)"
        " OR a.visit_outcome_id IN (SELECT o.id FROM visit_outcomes o JOIN visits v ON o.visit_id = v.id"
        "  WHERE v.starts_on BETWEEN :a AND :b))"
    )

    def direct(extra="TRUE"):
        return db.session.execute(
            text(f"SELECT count(*) FROM assignments a WHERE {of_year} AND {extra}"),  # noqa: S608 - constants
            params,
        ).scalar_one()

    expected = direct()
    assert expected == 7 + 2 + 1 + 1
    per_unit = dict(
        db.session.execute(
            text(
                "SELECT b.name_zh, count(*) FROM assignments a JOIN bodies b ON a.body_id = b.id"  # noqa: S608
                f" WHERE {of_year} GROUP BY b.name_zh"
            ),
            params,
        ).all()
    )
    # overview and map
    figures, total = _figures()
    assert total.assignments == expected
    assert (
        figures[7].assignments == direct("a.key_task_id = (SELECT id FROM key_tasks WHERE number = 7)") == 5
    )
    rows = queries.overview(f.mechanism().id, year, local_today())
    other = next(r for r in rows if r.area is None)
    assert other.figures.assignments == direct("a.key_task_id IS NULL") == 2
    login("leader.dl")
    page = client.get(f"/supervision/?year={year}").get_data(as_text=True)
    assert f'<div class="stat-value">{expected}</div>' in page
    assert "0/5" in page and "会议议定事项 / 考察成果" in page
    assert '<div class="stat-value">—</div>' in page  # nothing closed: no on-time rate, not 0 %
    # key-task page
    page = client.get("/framework/key-tasks/7").get_data(as_text=True)
    assert f'<tr><td>{year}</td><td class="num">5</td>' in page and "议定事项" in page
    # unit table
    units = {u.body.name_zh: u.assignments for u in queries.units(f.mechanism().id, year, local_today())}
    assert units == per_unit and sum(units.values()) == expected
    # per-plan page: the plan's own tasks
    chart = queries.burndown(plan, local_today())
    assert chart.planned[0][1] == direct("a.plan_item_id IS NOT NULL") == 7
    # evaluation
    scope = evaluation.scope_of(f.mechanism(), str(year))
    scored = {r.body.name_zh: r.record.tasks for r in evaluation.results(f.mechanism(), scope, local_today())}
    assert scored == per_unit
    # workbook and print view
    book = load_workbook(BytesIO(client.get(f"/supervision/report.xlsx?year={year}").data))
    total_row = next(row for row in book["汇总"].iter_rows(values_only=True) if row[0] == "合计")
    assert total_row[2] == expected
    assert sum(row[2] for row in book["单位情况"].iter_rows(min_row=3, values_only=True)) == expected
    assert sum(row[3] for row in book["考核评估"].iter_rows(min_row=3, values_only=True)) == expected
    page = client.get(f"/supervision/print?scope={year}").get_data(as_text=True)
    assert f'<div class="stat-value">{expected}</div>' in page and "会议议定事项 / 考察成果" in page


def test_lead_departments_set_the_time_proportional_rule_and_pages_say_why(client, login, plan):
    """A task assigned 100 days ago, due in 60, reported at 10 %: 62.5 % of its time is gone, so it
    is 52 points behind and yellow, and its page and the list say so. The lead department turns the
    check off (audited): green again. Bad input gets a Chinese message and changes nothing."""
    from coordination.audit.models import AuditEvent
    from coordination.timeutil import utcnow

    task = db.session.query(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id).one()
    task.created_at = utcnow() - timedelta(days=100)
    task.current_deadline = task.original_deadline = local_today() + timedelta(days=60)
    task.percent_complete = 10
    db.session.commit()
    login("liaison.dl.port")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "light-yellow" in page and "落后序时进度52个百分点" in page
    assert "落后序时进度52个百分点" in client.get("/tasks").get_data(as_text=True)
    assert client.get("/supervision/traffic-rule").status_code == 403
    login("lead.sh")
    year = local_today().year + 1
    assert queries.totals(queries.overview(f.mechanism().id, year, local_today())).at_risk == 1
    form = client.get("/supervision/traffic-rule").get_data(as_text=True)
    assert "红黄绿灯规则" in form and 'name="lag_points"' in form
    bad = client.post(
        "/supervision/traffic-rule",
        data={"warning_workdays": "5", "at_risk_percent": "80", "lag_enabled": "y", "lag_points": "0"},
    )
    assert bad.status_code == 200 and "须在 1 至 100 之间。" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert f.mechanism().traffic_rule is None
    response = client.post(
        "/supervision/traffic-rule", data={"warning_workdays": "5", "at_risk_percent": "80"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert f.mechanism().traffic_rule == {"warning_workdays": 5, "at_risk_percent": 80, "lag_points": None}
    event = db.session.query(AuditEvent).filter_by(action="supervision.traffic_rule").one()
    assert event.actor_id == f.user("lead.sh").id
    assert queries.totals(queries.overview(f.mechanism().id, year, local_today())).at_risk == 0
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "light-green" in page and "落后序时进度" not in page

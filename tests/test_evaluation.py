"""Year-end evaluation from the record: figures, rubric, manual adjustment, ranking, pages."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.audit.models import AuditEvent
from coordination.evaluation import queries
from coordination.evaluation.models import EvaluationAdjustment
from coordination.extensions import db
from coordination.timeutil import frozen_at, local_today
from tests import factories as f
from workflows.evaluation import Rubric, UnitRecord, score

PORT, COMMERCE = "大连港口与口岸局", "上海市商务委员会"


def _task(unit: str) -> Assignment:
    """The unit's task on the plan's first item (the one due latest: next year)."""
    query = select(Assignment).filter_by(body_id=f.body(unit).id)
    return db.session.scalars(query.order_by(Assignment.original_deadline.desc())).first()


def _close(task, liaison, on, quality, report=True):
    lead = f.user("lead.dl")
    tasks.acknowledge(task, liaison)
    if report:
        tasks.report_progress(task, liaison, text="进展", percent=80)
    tasks.submit_completion(task, liaison, results="完成")
    with frozen_at(datetime(on.year, on.month, on.day, 10)):
        tasks.close(task, lead, quality=quality)


@pytest.fixture
def year_with_work(app):
    """The port closes late within an approved extension (quality 4); commerce closes on time (5)."""
    f.issued_plan(items=3)
    port, liaison = _task(PORT), f.user("liaison.dl.port")
    tasks.acknowledge(port, liaison)
    extension = tasks.request_extension(
        port, liaison, reason="审批", requested_date=port.current_deadline + timedelta(days=20)
    )
    tasks.decide_extension(extension, f.user("lead.dl"), approve=True)
    tasks.report_progress(port, liaison, text="进展", percent=80)
    tasks.submit_completion(port, liaison, results="完成")
    late = port.original_deadline + timedelta(days=6)
    with frozen_at(datetime(late.year, late.month, late.day, 10)):
        tasks.close(port, f.user("lead.dl"), quality=4)
    _close(_task(COMMERCE), f.user("liaison.sh.commerce"), local_today(), 5)
    db.session.commit()
    return queries.scope_of(f.mechanism(), str(port.original_deadline.year))


def _results(scope):
    return {r.body.name_zh: r for r in queries.results(f.mechanism(), scope, local_today())}


def test_records_follow_the_record(year_with_work):
    results = _results(year_with_work)
    year = year_with_work.first_year
    # The year's tasks are its plan's, whatever year their deadline falls in (one is due in December).
    assert set(results) == set(
        db.session.execute(
            text(
                "SELECT DISTINCT b.name_zh FROM assignments a JOIN bodies b ON a.body_id = b.id"
                " JOIN plan_items i ON a.plan_item_id = i.id JOIN annual_plans p ON i.plan_id = p.id"
                " WHERE p.year = :year"
            ),
            {"year": year},
        ).scalars()
    )
    port = results[PORT].record
    # issued today, closed in the second month after: two month-ends passed while open, one report
    owed = port.reports_expected
    assert owed >= 1
    assert port == UnitRecord(1, 1, 1, 0, 1, 4, 1, 1, owed)
    # closed today: no month-end has passed, no report was owed; its second task of the plan (due
    # in December of the year before) is the plan's year's too, open and not yet due
    assert results[COMMERCE].record == UnitRecord(2, 1, 1, 1, 0, 5, 1, 0, 0)
    # an untouched unit: nothing closed, nothing due yet
    untouched = next(r for name, r in results.items() if name not in (PORT, COMMERCE))
    assert untouched.record.closed == 0 and untouched.components["timeliness"] == 1.0
    rubric = Rubric()
    assert results[PORT].computed == score(port, rubric)
    # by hand, default weights: completion 30 + timeliness 0 + extension 0 + quality 25*0.8 + reporting
    assert results[PORT].computed == pytest.approx(30 + 0 + 0 + 20 + 10 * min(1, 1 / owed), abs=0.01)


def test_cancelled_tasks_are_not_evaluated(year_with_work):
    task = _task(PORT)
    other = db.session.scalars(select(Assignment).where(Assignment.state == "assigned")).first()
    tasks.cancel(other, f.user("lead.sh"), reason="并入其他事项")
    db.session.commit()
    total = sum(r.record.tasks for r in _results(year_with_work).values())
    year = year_with_work.first_year
    assert (
        total
        == db.session.execute(
            text(
                "SELECT count(*) FROM assignments a JOIN plan_items i ON a.plan_item_id = i.id"
                " JOIN annual_plans p ON i.plan_id = p.id WHERE a.state != 'cancelled' AND p.year = :year"
            ),
            {"year": year},
        ).scalar()
    )
    assert task.state == "closed"


def test_ranking_per_party_and_commendation(year_with_work):
    mechanism = f.mechanism()
    mechanism.evaluation_rubric = Rubric(commend_top=1, commend_min=50).as_dict()
    db.session.commit()
    results = _results(year_with_work)
    shanghai = [r for r in results.values() if r.body.party.code == "sh"]
    dalian = [r for r in results.values() if r.body.party.code == "dl"]
    assert {r.rank for r in shanghai if r.body.name_zh == COMMERCE} == {1}
    assert results[COMMERCE].commended and results[PORT].commended
    assert [u.username for u, n in results[PORT].credited] == ["liaison.dl.port"]
    assert all(not r.commended for r in shanghai + dalian if r.body.name_zh not in (PORT, COMMERCE))


def test_adjustment_needs_a_reason_and_is_audited(client, login, year_with_work):
    port = f.body(PORT)
    url = f"/evaluation/{year_with_work.key}/units/{port.id}"
    login("leader.sh")
    assert client.get(url).status_code == 200
    assert client.post(url, data={"points": "5", "reason": "x"}).status_code == 403
    login("lead.sh")
    page = client.post(url, data={"points": "5", "reason": "  "}).get_data(as_text=True)
    assert "必填" in page and db.session.scalar(select(EvaluationAdjustment)) is None
    page = client.post(url, data={"points": "25", "reason": "创新做法"}).get_data(as_text=True)
    assert "-20" in page and db.session.scalar(select(EvaluationAdjustment)) is None
    before = _results(year_with_work)[PORT].computed
    response = client.post(url, data={"points": "-2.5", "reason": "报送材料不规范"})
    assert response.status_code == 302
    result = _results(year_with_work)[PORT]
    assert result.computed == before and result.final == pytest.approx(before - 2.5)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.adjust"))
    assert event.after == {"scope": year_with_work.key, "points": -2.5, "reason": "报送材料不规范"}
    assert event.actor_id == f.user("lead.sh").id
    page = client.get(f"/evaluation/?scope={year_with_work.key}").get_data(as_text=True)
    assert "-2.5" in page and "报送材料不规范" in page
    login("liaison.dl.port")
    assert client.get(url).status_code == 403


def test_rubric_form_checks_the_weights(client, login, app):
    login("lead.dl")
    data = dict(completion=40, timeliness=25, extensions=10, quality=25, reporting=10)
    data.update(commend_top=3, commend_min=85)
    page = client.post("/evaluation/rubric", data=data).get_data(as_text=True)
    assert "权重之和必须为100" in page and f.mechanism().evaluation_rubric is None
    data["completion"] = 30
    data["commend_top"] = 2
    assert client.post("/evaluation/rubric", data=data).status_code == 302
    assert Rubric.from_dict(f.mechanism().evaluation_rubric).commend_top == 2
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.rubric")) is not None
    login("leader.dl")
    assert client.get("/evaluation/rubric").status_code == 403


def test_period_evaluation_shows_years_and_gaps(client, login, year_with_work):
    login("leader.dl")
    page = client.get("/evaluation/?scope=final").get_data(as_text=True)
    assert "终期评估" in page and PORT in page and "逐年情况" in page
    # only 3 of the 27 key tasks had work: the others are listed as gaps
    assert "整个期间没有安排工作的重点任务" in page and f.key_task(1).title_zh in page
    assert client.get("/evaluation/?scope=nonsense").status_code == 404
    assert client.get("/evaluation/?scope=midterm").status_code == 200


def test_components_with_nothing_to_measure_show_a_dash_not_zero(client, login, year_with_work):
    """A unit with no task verified has no quality rate: the page shows "—", not "0%"."""
    results = _results(year_with_work)
    untouched = next(r for name, r in results.items() if name not in (PORT, COMMERCE))
    assert untouched.record.quality_count == 0 and untouched.rates["quality"] is None
    assert results[COMMERCE].rates["quality"] == 100.0
    login("leader.dl")
    page = client.get(f"/evaluation/?scope={year_with_work.key}").get_data(as_text=True)
    import re

    row = page.split(untouched.body.name_zh, 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # completion 0 % of one task is a real 0 %; nothing due, nothing verified, no report owed is not
    assert cells[1:6] == ["0%", "—", "100%", "—", "—"]

"""A leading-group member cannot flood the job queue with reports: one report waiting or being
made per user and scope; asking again shows that one's progress."""

import threading

from sqlalchemy import func, select

from coordination.evaluation.queries import scope_of
from coordination.extensions import db
from coordination.jobs import get_queue
from coordination.supervision import generation
from coordination.supervision.models import GeneratedReport
from tests import factories as f
from tests.conftest import make_app


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(GeneratedReport))


def test_thirty_requests_queue_one_report_and_show_its_progress(client, login, app, run_jobs):
    login("leader.sh")
    for _ in range(30):
        response = client.post("/supervision/reports", data={"scope": "final"})
        assert response.status_code == 302
    assert _count() == 1 and len(get_queue()) == 1
    report = db.session.scalar(select(GeneratedReport))
    assert response.headers["Location"].endswith(f"#report-{report.id}")
    page = client.get("/supervision/reports").get_data(as_text=True)
    assert "已在为您生成" in page and f'id="report-{report.id}"' in page
    # Another scope, or another member, is another report.
    client.post("/supervision/reports", data={"scope": "midterm"})
    login("leader.dl")
    client.post("/supervision/reports", data={"scope": "final"})
    assert _count() == 3
    # Once made, the same report may be asked for again.
    run_jobs()
    login("leader.sh")
    client.post("/supervision/reports", data={"scope": "final"})
    assert _count() == 4
    assert db.session.scalar(select(func.count()).where(GeneratedReport.status == "pending")) == 1


def test_two_requests_at_the_same_moment_queue_one_report(app):
    """Two web processes (two apps, two connections) ask at once: the database lets one in."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    user_id, mechanism_id = f.user("leader.sh").id, f.mechanism().id
    barrier = threading.Barrier(2)
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    apps = [make_app(url, RQ_QUEUE=app.config["RQ_QUEUE"], REDIS_URL=app.config["REDIS_URL"]) for _ in "ab"]

    def ask(other) -> None:
        try:
            with other.app_context():
                from coordination.auth.models import User
                from coordination.organizations.models import Mechanism

                mechanism = db.session.get(Mechanism, mechanism_id)
                user = db.session.get(User, user_id)
                scope = scope_of(mechanism, "final")
                barrier.wait(timeout=60)
                _report, queued = generation.request_report(mechanism, scope, user)
                db.session.commit()
                outcomes.append(queued)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(other,)) for other in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    assert sorted(outcomes) == [False, True]
    db.session.rollback()
    assert _count() == 1

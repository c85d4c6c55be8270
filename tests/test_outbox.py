"""The outbox core: one claim, finished only by the claim that holds the row, one sweep, one
back-off; report generation claims like mail and reminders do."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import event, select

from coordination import outbox
from coordination.audit.models import AuditEvent
from coordination.evaluation.queries import scope_of
from coordination.extensions import db
from coordination.outbox import mail
from coordination.outbox.models import OutgoingMail
from coordination.supervision import generation
from coordination.supervision.models import GeneratedReport
from coordination.timeutil import frozen_at, to_local, utcnow
from tests import factories as f
from tests.conftest import make_app


def _mail(key: str = "outbox-test") -> OutgoingMail:
    message = mail.compose(
        to_name="李华",
        to_email="li.hua@example.org",
        subject="会议通知",
        template="reminder",
        context={"user": {"name": "李华"}, "items": [], "digest": False},
    )
    row = mail.queue(message, kind="invitation", dedupe_key=key)
    db.session.commit()
    return row


def test_a_stale_claim_token_cannot_finish_or_fail_a_row(app):
    app.config["CLAIM_TIMEOUT_SECONDS"] = 60
    row = _mail()
    first = outbox.claim(OutgoingMail, OutgoingMail.id == row.id)
    assert first.ids == [row.id]
    assert not outbox.claim(OutgoingMail, OutgoingMail.id == row.id)  # taken: nobody else gets it
    # The first worker is taken for dead: the sweep releases the row, another worker claims it.
    later = to_local(utcnow() + timedelta(seconds=61)).replace(tzinfo=None)
    with frozen_at(later):
        assert mail.sweep() == 1
        second = outbox.claim(OutgoingMail, OutgoingMail.id == row.id)
    assert second.ids == [row.id] and second.token != first.token
    # The first worker wakes up: whatever it says changes nothing.
    assert outbox.finish(OutgoingMail, [row.id], first.token) == 0
    assert outbox.fail(OutgoingMail, [(row.id, 1)], first.token, OSError("late")) == 0
    assert not outbox.update_claimed(OutgoingMail, row.id, first.token, transport="smtp")
    db.session.expire_all()
    stored = db.session.get(OutgoingMail, row.id)
    assert (stored.status, stored.claim_token, stored.last_error, stored.attempts) == (
        "sending",
        second.token,
        "",
        2,
    )
    assert outbox.finish(OutgoingMail, [row.id], second.token, transport="smtp") == 1
    db.session.expire_all()
    stored = db.session.get(OutgoingMail, row.id)
    assert (stored.status, stored.claim_token, stored.transport) == ("sent", None, "smtp")
    assert stored.sent_at is not None


def test_one_back_off_rule_then_failed_and_retried(app):
    row = _mail()
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        db.session.execute(
            OutgoingMail.__table__.update().where(OutgoingMail.id == row.id).values(due_at=utcnow())
        )
        db.session.commit()
        claimed = outbox.claim(OutgoingMail, OutgoingMail.id == row.id)
        assert (
            outbox.fail(OutgoingMail, [(row.id, claimed.rows[0].attempts)], claimed.token, OSError("x")) == 1
        )
        db.session.expire_all()
        stored = db.session.get(OutgoingMail, row.id)
        assert stored.attempts == attempt and stored.last_error == "OSError: x"
        if attempt < outbox.MAX_ATTEMPTS:
            backoff = outbox.BACKOFF[min(attempt - 1, len(outbox.BACKOFF) - 1)]
            assert stored.status == "pending" and stored.due_at > utcnow() + backoff - timedelta(seconds=5)
    assert stored.status == "failed"
    outbox.retry(stored)
    db.session.commit()
    assert (stored.status, stored.attempts) == ("pending", 0)


def _report(app) -> int:
    mechanism = f.mechanism()
    report, _queued = generation.request_report(mechanism, scope_of(mechanism, "final"), f.user("lead.dl"))
    db.session.commit()
    return report.id


def test_report_generation_claims_with_one_conditional_update(app):
    report_id = _report(app)
    statements: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        statements.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        claimed = outbox.claim(GeneratedReport, GeneratedReport.id == report_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert claimed.ids == [report_id]
    # No read before the write: the UPDATE's WHERE is the whole decision.
    writes = [s for s in statements if s.startswith(("select", "update", "insert"))]
    assert len(writes) == 1 and writes[0].startswith("update generated_reports")
    assert "status = " in writes[0] and "returning" in writes[0]


def test_of_two_workers_claiming_a_report_at_once_one_wins(app):
    """Two worker processes (two apps, two connections) take the same report: the database lets
    one have it; the other's job does nothing."""
    report_id = _report(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    apps = [make_app(url, RQ_QUEUE=app.config["RQ_QUEUE"]) for _ in "ab"]
    barrier = threading.Barrier(2)
    won: list[int] = []
    errors: list[BaseException] = []

    def take(other) -> None:
        try:
            with other.app_context():
                barrier.wait(timeout=60)
                won.append(len(outbox.claim(GeneratedReport, GeneratedReport.id == report_id).rows))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=take, args=(other,)) for other in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors, errors
    assert sorted(won) == [0, 1]
    db.session.expire_all()
    assert db.session.get(GeneratedReport, report_id).status == "sending"
    # The job that lost (or a second job for a report already made) leaves it alone.
    assert generation.generate([report_id]) == 0


def test_a_report_whose_claim_was_handed_on_is_not_recorded_done_by_the_old_worker(app):
    report_id = _report(app)
    old = outbox.claim(GeneratedReport, GeneratedReport.id == report_id)
    db.session.execute(
        GeneratedReport.__table__.update()
        .where(GeneratedReport.id == report_id)
        .values(status="pending", claim_token=None)
    )  # what the sweep does for a worker taken for dead
    db.session.commit()
    assert generation.generate([report_id]) == 1  # the new worker makes it
    assert outbox.finish(GeneratedReport, [report_id], old.token, filename="old.xlsx") == 0
    db.session.expire_all()
    report = db.session.get(GeneratedReport, report_id)
    assert report.state == "done" and report.filename != "old.xlsx"
    done = select(AuditEvent).where(AuditEvent.action == "report.done", AuditEvent.object_id == report_id)
    assert len(db.session.scalars(done).all()) == 1


def test_the_outbox_page_shows_every_kind_with_a_retry_for_failed_rows(client, login, app, run_jobs):
    f.issued_plan()  # reminders
    row = _mail("outbox-page")
    report_id = _report(app)
    db.session.execute(
        OutgoingMail.__table__.update()
        .where(OutgoingMail.id == row.id)
        .values(status="failed", attempts=6, last_error="SMTPRecipientsRefused: 550")
    )
    db.session.execute(
        GeneratedReport.__table__.update()
        .where(GeneratedReport.id == report_id)
        .values(status="failed", attempts=1, last_error="ValueError: 坏数据")
    )
    db.session.commit()
    login("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    for words in (
        ">邮件<",
        ">提醒<",
        ">生成报告<",
        ">发送失败<",
        "SMTPRecipientsRefused: 550",
        "ValueError: 坏数据",
    ):
        assert words in page, words
    assert f"/admin/outbox/mail/{row.id}/retry" in page and f"/admin/outbox/report/{report_id}/retry" in page
    client.post(f"/admin/outbox/report/{report_id}/retry")
    client.post(f"/admin/outbox/mail/{row.id}/retry")
    db.session.expire_all()
    assert db.session.get(GeneratedReport, report_id).status == "pending"
    assert db.session.get(OutgoingMail, row.id).status == "pending"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"mail.retry", "report.retry"} <= actions
    run_jobs()
    db.session.expire_all()
    assert db.session.get(GeneratedReport, report_id).state == "done"


def test_a_failed_report_is_not_retried_while_a_newer_one_waits(client, login, app):
    report_id = _report(app)
    db.session.execute(
        GeneratedReport.__table__.update().where(GeneratedReport.id == report_id).values(status="failed")
    )
    db.session.commit()
    newer = _report(app)  # the user asked again: one per user and scope may wait
    assert newer != report_id
    login("admin")
    page = client.post(f"/admin/outbox/report/{report_id}/retry", follow_redirects=True)
    assert "无需重发" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(GeneratedReport, report_id).status == "failed"

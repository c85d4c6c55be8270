"""Jobs queued after commit: each job id reaches Redis once per transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from coordination import jobs
from coordination.extensions import db


def _noop() -> None:
    pass


def test_a_job_id_queued_many_times_in_one_transaction_is_sent_once(app, monkeypatch):
    # Issuing a plan syncs reminders for every new task: each asks for the same few morning
    # runs; sending each of them to Redis once per task made a 100-task commit take seconds.
    from rq.registry import ScheduledJobRegistry

    queue = jobs.get_queue()
    round_trips = []
    real_pipeline = queue.connection.pipeline

    def pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = real_pipeline(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: round_trips.append(1) or execute(*a, **k)
        return pipe

    monkeypatch.setattr(queue.connection, "pipeline", pipeline)
    scheduled = ScheduledJobRegistry(queue=queue)

    def sent() -> list[tuple[str, datetime | None]]:
        now = [(job_id, None) for job_id in queue.job_ids]
        later = [(job_id, scheduled.get_scheduled_time(job_id)) for job_id in scheduled.get_job_ids()]
        return now + later

    morning = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    for _ in range(50):
        jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603030900", at=morning)
    jobs.enqueue_after_commit(db.session(), _noop)
    jobs.enqueue_after_commit(db.session(), _noop)  # jobs without an id are each their own
    db.session.commit()
    calls = sent()
    assert sorted((job_id.startswith("reminders"), at) for job_id, at in calls) == [
        (False, None),
        (False, None),
        (True, morning),
        (True, morning),
    ]
    assert {job_id for job_id, _at in calls if job_id.startswith("reminders")} == {
        "reminders-202603020900",
        "reminders-202603030900",
    }
    assert round_trips == [1]  # the whole transaction's jobs in one pipeline
    # The next transaction starts afresh, also after a rollback: the same morning is asked for again.
    scheduled.remove("reminders-202603020900", delete_job=True)
    db.session.execute(text("SELECT 1"))
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    db.session.rollback()
    jobs.enqueue_after_commit(db.session(), _noop, job_id="reminders-202603020900", at=morning)
    db.session.commit()
    assert "reminders-202603020900" in scheduled.get_job_ids() and round_trips == [1, 1]


def test_the_app_has_one_redis_client_and_one_queue(app):
    assert jobs.get_queue() is jobs.get_queue() is app.extensions["rq"]
    assert jobs.redis_connection() is jobs.get_queue().connection


def test_a_send_a_killed_worker_left_half_done_is_retried_after_the_claim_timeout_and_not_before(
    app, smtp, run_jobs
):
    """Mail and reminders (and reports) wait the same configured time for a worker that claimed
    them and died, then go out once: not after a fixed ten minutes for mail, not any sooner."""
    from email.message import EmailMessage

    from sqlalchemy import select, update

    from coordination import outbox
    from coordination.outbox import mail
    from coordination.outbox.models import OutgoingMail
    from coordination.reminders import delivery
    from coordination.reminders.models import Reminder
    from coordination.supervision import generation
    from coordination.supervision.models import GeneratedReport
    from coordination.timeutil import frozen_at, to_local, utcnow
    from tests import factories as f

    timeout = 120  # neither mail's old fixed 600 s nor the reports' old 30 minutes
    app.config.update(CLAIM_TIMEOUT_SECONDS=timeout, REMINDERS_IGNORE_QUIET_HOURS=True)
    f.issued_plan()
    liaison = f.user("liaison.dl.port")
    reminder = db.session.scalars(select(Reminder).where(Reminder.user_id == liaison.id)).first()
    db.session.execute(update(Reminder).where(Reminder.id != reminder.id).values(status="cancelled"))
    db.session.execute(update(OutgoingMail).values(status="sent"))  # the plan's own mail is not under test
    reminder.due_at = utcnow()
    message = EmailMessage()
    message["Subject"], message["To"], message["From"] = "会议通知", "guest@example.org", "hulian@example.cn"
    message.set_content("请准时参会。")
    row = mail.queue(message, kind="invitation", dedupe_key="claim-timeout-test")
    mechanism = f.mechanism()
    report, _queued = generation.request_report(
        mechanism, generation.evaluation.scope_of(mechanism, str(f.later().year)), f.user("lead.dl")
    )
    db.session.commit()
    # The workers take them, as their jobs do first, and are killed before sending anything.
    assert outbox.claim(OutgoingMail, OutgoingMail.id == row.id).ids == [row.id]
    assert [r.id for r in delivery._claim([liaison.id], utcnow())[1]] == [reminder.id]
    assert outbox.claim(GeneratedReport, GeneratedReport.id == report.id).ids == [report.id]
    claimed = utcnow()

    def states() -> tuple[str, str, str]:
        db.session.expire_all()
        return (
            db.session.get(OutgoingMail, row.id).status,
            db.session.get(Reminder, reminder.id).status,
            db.session.get(GeneratedReport, report.id).state,
        )

    with frozen_at(to_local(claimed + timedelta(seconds=timeout - 5)).replace(tzinfo=None)):
        assert (mail.sweep(), delivery.sweep(), generation.sweep()) == (0, 0, 0)
        run_jobs()
        assert states() == ("sending", "sending", "running")
        assert smtp.messages == []
    with frozen_at(to_local(claimed + timedelta(seconds=timeout + 5)).replace(tzinfo=None)):
        assert (mail.sweep(), delivery.sweep(), generation.sweep()) == (1, 1, 1)
        run_jobs()
        assert states() == ("sent", "sent", "done")
        assert len(smtp.to("guest@example.org")) == 1
        assert len(smtp.to(liaison.email)) == 1
        assert len(smtp.messages) == 2

"""Generating a report as an RQ job: the row records progress as the job goes, the file is kept
under REPORT_DIR with who asked for it and when. A job that never reached Redis is handed over
again by the sweep, like mail and reminders."""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.evaluation import queries as evaluation
from coordination.extensions import db
from coordination.jobs import claim_timeout, enqueue_after_commit, enqueue_many, insert_once
from coordination.organizations.models import Mechanism
from coordination.supervision import queries
from coordination.supervision.models import PENDING, GeneratedReport
from coordination.supervision.report import ReportContent, workbook
from coordination.timeutil import local_today, utcnow

log = logging.getLogger(__name__)
STALE_QUEUED = timedelta(minutes=5)


def content(mechanism: Mechanism, scope: evaluation.Scope, today: date) -> ReportContent:
    first, last = scope.first_year, scope.last_year
    title = f"{first}年度督查通报" if scope.is_year else f"{scope.label}报告"
    return ReportContent(
        mechanism_name=mechanism.name_zh,
        title=title,
        areas=queries.overview(mechanism.id, first, today, last_year=last),
        units=queries.units(mechanism.id, first, today, last_year=last),
        evaluation=evaluation.results(mechanism, scope, today),
        period=None if scope.is_year else queries.period_figures(mechanism.id, first, last, today),
    )


def request_report(
    mechanism: Mechanism, scope: evaluation.Scope, actor: User
) -> tuple[GeneratedReport, bool]:
    """Queue the report, unless this user already has one of this scope waiting or being made:
    then that one (its progress is what the user wants to see). (report, queued now)."""
    keys = {"requested_by_id": actor.id, "mechanism_id": mechanism.id, "scope": scope.key}
    for _attempt in range(3):
        report_id = insert_once(GeneratedReport, keys, list(keys), PENDING)
        if report_id is not None:
            report = db.session.get(GeneratedReport, report_id)
            record("report.request", report, summary=scope.key, actor_id=actor.id)
            enqueue_after_commit(db.session(), generate, report.id)
            return report, True
        waiting = db.session.scalar(
            select(GeneratedReport)
            .filter_by(**keys)
            .where(GeneratedReport.state.in_(("queued", "running")))
            .execution_options(populate_existing=True)
        )
        if waiting is not None:
            return waiting, False
        # The one in the way finished in between: ask again.
    raise RuntimeError("report claim kept conflicting")


def _step(report: GeneratedReport, progress: int, step: str) -> None:
    report.progress, report.step = progress, step
    db.session.commit()


def path_of(report: GeneratedReport) -> Path:
    return Path(current_app.config["REPORT_DIR"]) / report.stored_name


def generate(report_id: int) -> None:
    """Job: idempotent: a report already done or running elsewhere is left alone."""
    report = db.session.get(GeneratedReport, report_id)
    if report is None or report.state not in ("queued", "failed"):
        return
    report.state, report.error, report.started_at = "running", "", utcnow()
    _step(report, 5, "正在汇总指标")
    try:
        mechanism = db.session.get(Mechanism, report.mechanism_id)
        scope = evaluation.scope_of(mechanism, report.scope)
        with force_locale("zh_Hans_CN"):  # the file is for the higher level: Chinese
            gathered = content(mechanism, scope, local_today())
        _step(report, 70, "正在生成Excel文件")
        data = workbook(gathered).getvalue()
        directory = Path(current_app.config["REPORT_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        stored = f"{secrets.token_hex(16)}.xlsx"
        (directory / stored).write_bytes(data)
        report.stored_name, report.size = stored, len(data)
        report.filename = f"{gathered.title}.xlsx"
        report.state, report.finished_at = "done", utcnow()
        _step(report, 100, "已完成")
        record("report.done", report, summary=report.filename, actor_id=report.requested_by_id)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.exception("report %s failed", report_id)
        report = db.session.get(GeneratedReport, report_id)
        report.state, report.error, report.finished_at = "failed", str(error)[:2000], utcnow()
        record("report.failed", report, summary=str(error)[:300], actor_id=report.requested_by_id)
        db.session.commit()


def sweep() -> int:
    """Hand reports queued for a while (Redis was away when they were asked for), or left
    running by a worker that died, back to RQ."""
    now = utcnow()
    db.session.execute(
        update(GeneratedReport)
        .where(GeneratedReport.state == "running", GeneratedReport.started_at < now - claim_timeout())
        .values(state="queued")
    )
    db.session.commit()
    ids = list(
        db.session.scalars(
            select(GeneratedReport.id).where(
                GeneratedReport.state == "queued",
                # One that had started was released just above: its worker is gone, hand it over now.
                or_(
                    GeneratedReport.requested_at < now - STALE_QUEUED, GeneratedReport.started_at.is_not(None)
                ),
            )
        )
    )
    if ids:
        enqueue_many(generate, ids, f"{len(ids)} report(s)")
    return len(ids)

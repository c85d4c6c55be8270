"""Generating a report as an RQ job: the row (an outbox row) records progress as the job goes,
the file is kept under REPORT_DIR with who asked for it and when. The job claims the row as mail
and reminders are claimed, and a job that never reached Redis is handed over by the same sweep."""

from __future__ import annotations

import logging
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Row, select

from coordination import outbox
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.evaluation import queries as evaluation
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit, insert_once
from coordination.organizations.models import Mechanism
from coordination.supervision import queries
from coordination.supervision.models import WAITING, GeneratedReport
from coordination.supervision.report import ReportContent, workbook
from coordination.timeutil import local_today, utcnow

log = logging.getLogger(__name__)


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
        report_id = insert_once(GeneratedReport, keys, list(keys), WAITING)
        if report_id is not None:
            report = db.session.get_one(GeneratedReport, report_id)
            record("report.request", report, summary=scope.key, actor_id=actor.id)
            enqueue_after_commit(db.session(), generate, [report.id])
            return report, True
        waiting = db.session.scalar(
            select(GeneratedReport)
            .filter_by(**keys)
            .where(GeneratedReport.status.in_(outbox.CLAIMED))
            .execution_options(populate_existing=True)
        )
        if waiting is not None:
            return waiting, False
        # The one in the way finished in between: ask again.
    raise RuntimeError("report request kept conflicting")


def path_of(report: GeneratedReport) -> Path:
    return Path(current_app.config["REPORT_DIR"]) / report.stored_name


def generate(report_ids: list[int]) -> int:
    """Job: make these reports; returns how many were made. Each is claimed first, so a report
    done, or being made by another worker, is left alone."""
    return sum(_generate(report_id) for report_id in report_ids)


def _generate(report_id: int) -> int:
    claimed = outbox.claim(GeneratedReport, GeneratedReport.id == report_id)
    if not claimed:
        return 0
    token = claimed.token

    def step(progress: int, text: str) -> None:
        outbox.update_claimed(GeneratedReport, report_id, token, progress=progress, step=text)

    step(5, "正在汇总指标")
    try:
        report = db.session.get_one(GeneratedReport, report_id, populate_existing=True)
        mechanism = db.session.get_one(Mechanism, report.mechanism_id)
        scope = evaluation.scope_of(mechanism, report.scope)
        if scope is None:  # the key was valid when asked for; a plan since deleted is not
            raise LookupError(f"report scope {report.scope} no longer exists")
        with force_locale("zh_Hans_CN"):  # the file is for the higher level: Chinese
            gathered = content(mechanism, scope, local_today())
        step(70, "正在生成Excel文件")
        data = workbook(gathered).getvalue()
        directory = Path(current_app.config["REPORT_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        stored = f"{secrets.token_hex(16)}.xlsx"
        (directory / stored).write_bytes(data)
        filename = f"{gathered.title}.xlsx"
        done = outbox.finish(
            GeneratedReport,
            [report_id],
            token,
            stored_name=stored,
            size=len(data),
            filename=filename,
            finished_at=utcnow(),
            progress=100,
            step="已完成",
        )
    except Exception as error:
        db.session.rollback()
        log.exception("report %s failed", report_id)
        if outbox.fail(
            GeneratedReport, [(report_id, claimed.rows[0].attempts)], token, error, finished_at=utcnow()
        ):
            report = db.session.get_one(GeneratedReport, report_id, populate_existing=True)
            record("report.failed", report, summary=str(error)[:300], actor_id=report.requested_by_id)
            db.session.commit()
        return 0
    if not done:  # taken for dead and handed to another worker meanwhile: that one records it
        (directory / stored).unlink(missing_ok=True)
        return 0
    report = db.session.get_one(GeneratedReport, report_id, populate_existing=True)
    record("report.done", report, summary=filename, actor_id=report.requested_by_id)
    db.session.commit()
    return 1


def _describe(row: Row[Any]) -> str:
    return f"{row.kind} · {row.key}"  # the scope and the file made


outbox.handle(
    outbox.Kind(
        name="report",
        model=GeneratedReport,
        job=generate,
        key=GeneratedReport.id,
        per_job=1,
        what="report(s)",
        listing=lambda: (
            outbox.listed(
                GeneratedReport,
                "report",
                created=GeneratedReport.requested_at,
                recipient=User.name,
                subject=Mechanism.name_zh,
                kind=GeneratedReport.scope,
                key=GeneratedReport.filename,
            )
            .join(User, User.id == GeneratedReport.requested_by_id)
            .join(Mechanism, Mechanism.id == GeneratedReport.mechanism_id)
        ),
        describe=_describe,
    )
)


def sweep() -> int:
    """Hand reports Redis lost, or a dead worker left, back to RQ (the outbox's one sweep)."""
    return outbox.sweep(GeneratedReport)

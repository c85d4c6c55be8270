"""Reading an uploaded plan sheet as an RQ job, so an upload never holds a web worker: the web
request only checks the archive's directory (excel.check_archive) and stores the file in the
row; the job reads it with bounded rows, columns and time, writes its progress on the row, and
either adds every item (one transaction, one revision) or keeps the problems by row. Like
report generation, a job that never reached Redis is handed over again by the sweep."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO
from typing import TYPE_CHECKING, Any, cast

from flask_babel import gettext as _
from sqlalchemy import select, update

from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit, enqueue_many, insert_once
from coordination.operations import OperationError
from coordination.plans import excel
from coordination.plans.models import IMPORT_PENDING, AnnualPlan, PlanImport
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

log = logging.getLogger(__name__)
STALE_QUEUED = timedelta(minutes=5)
STALE_RUNNING = timedelta(minutes=10)  # a worker died mid-read (RQ's own timeout is shorter)


def pending(plan: AnnualPlan) -> PlanImport | None:
    return db.session.scalar(
        select(PlanImport)
        .where(PlanImport.plan_id == plan.id, PlanImport.state.in_(("queued", "running")))
        .execution_options(populate_existing=True)
    )


def request_import(plan: AnnualPlan, filename: str, data: bytes, actor: User) -> tuple[PlanImport, bool]:
    """Queue the sheet for reading: (the import, queued now). An import of this plan already
    waiting or running is returned instead (one at a time per plan). A file that would cost too
    much to open is refused here (ImportRejected), before anything is stored."""
    excel.check_archive(data)
    import_id = insert_once(
        PlanImport,
        {"plan_id": plan.id, "requested_by_id": actor.id, "filename": filename[:200], "content": data},
        ["plan_id"],
        IMPORT_PENDING,
    )
    if import_id is None:
        waiting = pending(plan)
        if waiting is None:  # it finished in between: the user may simply upload again
            raise OperationError(_("Another import of this plan has just finished. Upload the file again."))
        return waiting, False
    row = db.session.get_one(PlanImport, import_id)  # just inserted
    record("plan.import_request", plan, summary=filename[:200], actor_id=actor.id)
    enqueue_after_commit(db.session(), run, row.id)
    return row, True


def run(import_id: int) -> None:
    """Job: idempotent, a row already read or being read elsewhere is left alone."""
    # An UPDATE's result is a CursorResult, which counts the rows; Session.execute is typed wider.
    claimed = cast(
        "CursorResult[Any]",
        db.session.execute(
            update(PlanImport)
            .where(PlanImport.id == import_id, PlanImport.state == "queued")
            .values(state="running", started_at=utcnow(), progress=5)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    row = db.session.get_one(PlanImport, import_id)  # claimed just now
    plan = row.plan

    def progress(percent: int) -> None:
        row.progress = percent
        db.session.commit()

    try:
        items = excel.read_items(plan, BytesIO(row.content or b""), progress)
        excel.add_rows(plan, items, row.requested_by)
        row.state, row.items, row.progress = "done", len(items), 100
    except excel.ImportRejected as rejected:
        db.session.rollback()
        row.state, row.progress = "rejected", 100
        row.problems = [[p.row, p.column, p.message] for p in rejected.problems]
    except Exception:
        db.session.rollback()
        log.exception("plan import %s failed", import_id)
        row.state, row.progress = "failed", 100
    row.content, row.finished_at = None, utcnow()  # the file is not kept once read
    db.session.commit()


def sweep() -> int:
    """Hand imports queued for a while (Redis was away) or left running by a dead worker back."""
    now = utcnow()
    db.session.execute(
        update(PlanImport)
        .where(PlanImport.state == "running", PlanImport.started_at < now - STALE_RUNNING)
        .values(state="queued")
    )
    db.session.commit()
    ids = list(
        db.session.scalars(
            select(PlanImport.id).where(
                PlanImport.state == "queued", PlanImport.requested_at < now - STALE_QUEUED
            )
        )
    )
    if ids:
        enqueue_many(run, ids, f"{len(ids)} plan import(s)")
    return len(ids)

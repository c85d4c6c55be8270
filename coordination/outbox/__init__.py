"""The outbox: every row whose work leaves the process (mail, reminders, generated reports).

A row is written in the transaction of the change it is about and handed to RQ after commit;
the database stays the source of truth. Every kind of row goes through the same few steps:

- **claim**: one conditional ``UPDATE … WHERE status='pending' AND due_at <= now AND … RETURNING``
  takes the rows and stamps them with a fresh claim token; rows another worker took do not
  match, so no row is taken twice;
- **finish** / **fail**: ``UPDATE … WHERE id IN … AND claim_token = ?``: a worker whose claim
  was handed to another (it was presumed dead) changes nothing;
- **sweep**: rows claimed longer than ``jobs.claim_timeout()`` ago are released (their token
  cleared), and every due pending row is handed to RQ again: a Redis outage delays, never loses;
- **back-off**: a failed attempt is retried after BACKOFF; after the table's ``max_attempts`` the
  row is 'failed', shown on the outbox page, where an administrator can retry it.

A table joins by mixing in OutboxMixin and registering its job with ``handle``.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import Row, Select, String, Text, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from coordination.extensions import db
from coordination.jobs import claim_timeout, enqueue_after_commit, enqueue_many
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, CursorResult, Table, Update
    from sqlalchemy.orm import InstrumentedAttribute

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
STATUSES = (PENDING, SENDING, SENT, FAILED, CANCELLED)
CLAIMED = (PENDING, SENDING)  # waiting or being worked on
MAX_ATTEMPTS = 6
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)


class OutboxMixin:
    """The columns the outbox works with. ``max_attempts`` is how many tries a row gets before it
    is 'failed' (a report whose generation failed will fail the same way again: one)."""

    max_attempts: ClassVar[int] = MAX_ATTEMPTS

    status: Mapped[str] = mapped_column(String(20), default=PENDING)  # see STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(32))  # which claim took the row
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime] = mapped_column(default=utcnow)

    if TYPE_CHECKING:  # every outbox model maps them itself
        __tablename__: str
        id: Mapped[int]


@dataclass(frozen=True)
class Kind:
    """One kind of outbox row. Its rows reach a worker as job(keys), up to per_job keys a job,
    where a key is the value of column `key` (a row id, or the user id for reminders: one digest
    each). `listing` selects its rows for the outbox page in LISTED columns; `describe` adds a
    line about a listed row. `name` is what the page, its retry link and the audit action say."""

    name: str
    model: type[OutboxMixin]
    job: Callable[[list[int]], object]
    key: InstrumentedAttribute[int]
    per_job: int
    what: str
    listing: Callable[[], Select[Any]]
    describe: Callable[[Row[Any]], str] | None = None


# What every kind's listing selects, in this order, for the one outbox page.
LISTED = (
    "source",
    "id",
    "created",
    "recipient",
    "subject",
    "status",
    "attempts",
    "last_error",
    "kind",
    "key",
)


def listed(
    model: type[OutboxMixin], name: str, **columns: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> Select[Any]:
    """A kind's listing: the outbox columns of model, and created, recipient, subject, kind and
    key as given (literal '' where a kind has none)."""
    table = _table(model)
    given: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {"source": literal(name)}
    given |= {c: table.c[c] for c in ("id", "status", "attempts", "last_error")}
    given |= {c: columns.get(c, literal("")) for c in ("created", "recipient", "subject", "kind", "key")}
    return select(*(given[c].label(c) for c in LISTED))


_kinds: dict[type[OutboxMixin], Kind] = {}


def handle(kind: Kind) -> None:
    """Register a kind of row (once, where its job is defined)."""
    _kinds[kind.model] = kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind_named(name: str) -> Kind | None:
    return next((kind for kind in _kinds.values() if kind.name == name), None)


def _table(model: type[OutboxMixin]) -> Table:
    # The mixin has no table; each mapped model that mixes it in has one (a Table).
    return model.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Claim:
    """What one claim took: its token (needed to finish the rows) and the returned columns."""

    token: str
    rows: Sequence[Row]  # id, attempts, then the columns asked for

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    def __bool__(self) -> bool:
        return bool(self.rows)


def claim(
    model: type[OutboxMixin],
    *where: ColumnElement[bool],
    columns: Sequence[str] = (),
    now: datetime | None = None,
) -> Claim:
    """Pending → sending for every due row matching where, in one conditional UPDATE, and commit
    (the claim must be visible to other workers before the slow part starts)."""
    now = now or utcnow()
    table = _table(model)
    token = uuid.uuid4().hex
    rows = db.session.execute(
        update(table)
        .where(table.c.status == PENDING, table.c.due_at <= now, *where)
        .values(status=SENDING, claim_token=token, claimed_at=now, attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.attempts, *(table.c[name] for name in columns))
    ).all()
    db.session.commit()
    return Claim(token, rows)


def _claimed(model: type[OutboxMixin], ids: Sequence[int], token: str) -> tuple[Table, ColumnElement[bool]]:
    table = _table(model)
    return table, (table.c.id.in_(list(ids))) & (table.c.claim_token == token)


def _run(
    statement: Update, connection: Connection | None, then: Callable[[Connection], None] | None = None
) -> int:
    """Run the UPDATE and commit; `then`, when the UPDATE changed rows, in the same transaction."""
    if connection is None:
        # An UPDATE's result is a CursorResult, which counts the rows; Session.execute is typed wider.
        result = cast("CursorResult[Any]", db.session.execute(statement))
        if result.rowcount and then is not None:
            then(db.session.connection())
        db.session.commit()
        return result.rowcount
    with connection.begin():
        count = connection.execute(statement).rowcount
        if count and then is not None:
            then(connection)
        return count


def update_claimed(model: type[OutboxMixin], row_id: int, token: str, **values: object) -> bool:
    """Write progress on a claimed row (a report's step), only while this claim holds it."""
    table, held = _claimed(model, [row_id], token)
    return _run(update(table).where(held).values(**values), None) == 1


def finish(
    model: type[OutboxMixin],
    ids: Sequence[int],
    token: str,
    *,
    status: str = SENT,
    connection: Connection | None = None,
    then: Callable[[Connection], None] | None = None,
    **values: object,
) -> int:
    """Mark claimed rows done (sent, or cancelled when they turned out to be moot), and commit.
    Returns how many this claim still held: a claim the sweep handed on finishes nothing.
    `then` writes what follows from the rows being done, in the same transaction, if any was held."""
    if not ids:
        return 0
    table, held = _claimed(model, ids, token)
    done: dict[str, object] = {"status": status, "claim_token": None, "last_error": ""}  # nosec B105 - a claim token, no secret
    if status == SENT:
        done["sent_at"] = utcnow()
    return _run(update(table).where(held).values(**done, **values), connection, then)


def after_failure(attempts: int, max_attempts: int, error: BaseException) -> dict[str, object]:
    """The one back-off rule: the columns of a row whose attempt failed: pending again later, or,
    after max_attempts, 'failed' for administrators to see and retry."""
    values: dict[str, object] = {"last_error": f"{type(error).__name__}: {error}"[:2000], "claim_token": None}  # nosec B105
    if attempts >= max_attempts:
        values["status"] = FAILED
    else:
        values["status"] = PENDING
        values["due_at"] = utcnow() + BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
    return values


def fail(
    model: type[OutboxMixin],
    rows: Sequence[tuple[int, int]],
    token: str,
    error: BaseException,
    **values: object,
) -> int:
    """An attempt at these claimed rows (id, attempts) failed: back off or give up, and commit."""
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for row_id, attempts in rows:
        by_attempts[attempts].append(row_id)
    changed = 0
    for attempts, ids in by_attempts.items():
        table, held = _claimed(model, ids, token)
        statement = (
            update(table).where(held).values(**after_failure(attempts, model.max_attempts, error), **values)
        )
        changed += db.session.execute(statement).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    log.warning("%s %s failed: %s", _table(model).name, [r[0] for r in rows], error)
    return changed


def retry(row: OutboxMixin) -> None:
    """A failed row is tried afresh (by an administrator), handed to its job after commit."""
    kind = _kinds[type(row)]
    row.status, row.attempts, row.due_at, row.claim_token = PENDING, 0, utcnow(), None
    enqueue_after_commit(db.session(), kind.job, [getattr(row, kind.key.key)])


def sweep(model: type[OutboxMixin], now: datetime | None = None) -> int:
    """Release rows whose worker is presumed dead (claimed longer than claim_timeout() ago), then
    hand every due pending row to RQ, per_job keys a job. Returns the number of rows due. Safe
    to run as often as wanted: workers claim rows, so a row handed over twice is sent once."""
    kind = _kinds[model]
    now = now or utcnow()
    table = _table(model)
    db.session.execute(
        update(table)
        .where(table.c.status == SENDING, table.c.claimed_at < now - claim_timeout())
        .values(status=PENDING, claim_token=None)
    )
    db.session.commit()
    key = table.c[kind.key.key]
    due = db.session.scalars(
        select(key).where(table.c.status == PENDING, table.c.due_at <= now).order_by(table.c.due_at)
    ).all()
    keys = list(dict.fromkeys(due))
    if keys:
        batches = [keys[i : i + kind.per_job] for i in range(0, len(keys), kind.per_job)]
        enqueue_many(kind.job, batches, f"{len(due)} {kind.what}")
    return len(due)


def sweep_all() -> dict[str, int]:
    """Every registered kind of row, swept: {table name: rows due}."""
    return {_table(kind.model).name: sweep(kind.model) for kind in kinds()}

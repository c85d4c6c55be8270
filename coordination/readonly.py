"""A request that only read ends its transaction with COMMIT, so PostgreSQL plans a page's
statements once per connection instead of on every request.

psycopg prepares a statement it has sent five times on a connection (`prepare_threshold`), but
forgets every prepared statement on ROLLBACK (`_rollback_gen` clears its cache, in case the
transaction created what they refer to), and the session's close at the end of every request
rolls back. So nothing was ever prepared: on the 100,000-task database the overdue list spent
3.8 ms per request planning five statements that ran in 2.9 ms. Our requests change no schema,
and on the server COMMIT and ROLLBACK of a transaction that wrote nothing end it the same way.

A transaction is "only read" when every statement it ran was a compiled SELECT and the session
holds no unflushed change; anything else (a flush, a Core UPDATE, a text() statement, an error)
is rolled back by the session's close as before, so a refused change is still never saved.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExecutionContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import CompoundSelect, Select

from coordination.extensions import db

log = logging.getLogger(__name__)

WROTE = "coordination.wrote"  # Connection.info: this transaction ran something but a SELECT


def init_app(app: Flask) -> None:
    with app.app_context():
        _watch(db.engine)
    # Registered after Flask-SQLAlchemy's, so it runs before the session is removed.
    app.teardown_appcontext(_end_read_only_transaction)


def _watch(engine: Engine) -> None:
    if event.contains(engine, "before_cursor_execute", _note_writes):
        return
    event.listen(engine, "begin", _forget_writes)
    event.listen(engine, "before_cursor_execute", _note_writes)


def _forget_writes(connection: Connection) -> None:
    connection.info.pop(WROTE, None)


def _note_writes(
    connection: Connection,
    _cursor: object,
    _statement: str,
    _parameters: object,
    context: ExecutionContext | None,
    _executemany: bool,
) -> None:
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    if not isinstance(statement, Select | CompoundSelect):
        connection.info[WROTE] = True


def _end_read_only_transaction(error: BaseException | None) -> None:
    session = db.session()
    if error is not None or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    try:
        if not session.connection().info.get(WROTE):
            session.commit()
    except SQLAlchemyError as failure:  # the page is drawn; the session's close rolls back
        log.warning("Could not end a read-only transaction with COMMIT: %s", failure)

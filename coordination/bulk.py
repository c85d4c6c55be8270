"""Many rows in one statement: COPY on PostgreSQL, one executemany elsewhere.

For the write path's batches (a plan's tasks, their audit events, tens of thousands of
reminders): a row-at-a-time INSERT costs ~0.15 ms of driver work per row, COPY a few µs. Rows
are plain dicts with the same keys; columns left out get their Python-side default (computed
once per batch). COPY is announced to the engine's `before_cursor_execute` listeners like any
statement, so the page cache sees the write and statement counters count it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy import JSON, ColumnDefault, Table

from coordination.extensions import Model, db


def table_of(model: type[Model]) -> Table:
    """The model's table. `__table__` is typed as any FROM clause (a mapping may be of a join);
    every model here maps one Table."""
    return cast(Table, model.__table__)


def insert_rows(table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    defaults = {
        column.name: column.default.arg(None) if callable(column.default.arg) else column.default.arg
        for column in table.columns
        if column.name not in names and isinstance(column.default, ColumnDefault) and not column.primary_key
    }
    json = {c.name for c in table.columns if isinstance(c.type, JSON)}
    columns = [*names, *defaults]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    raw = connection.connection.driver_connection
    if raw is None:  # only a connection that was invalidated has none
        raise RuntimeError("the database connection was lost")
    with raw.cursor() as cursor:
        text = statement.as_string(raw)
        connection.dispatch.before_cursor_execute(connection, cursor, text, None, None, True)
        with cursor.copy(statement) as copy:
            for row in rows:
                values = [*(row[n] for n in names), *defaults.values()]
                copy.write_row(
                    [
                        Json(v) if c in json and v is not None else v
                        for c, v in zip(columns, values, strict=True)
                    ]
                )

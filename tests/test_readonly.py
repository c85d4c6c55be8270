"""A request that only read ends its transaction with COMMIT (coordination/readonly.py): on
PostgreSQL the driver then keeps the statements it prepared, so busy pages are not planned again
on every request. A request that changed anything and did not commit still saves nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event, select, text, update

from coordination.auth.models import User
from coordination.extensions import db
from tests import factories as f

MODES = ["changed object", "flushed change", "core update", "text update"]


def _how_transactions_end(web_app: Flask) -> tuple[list[str], object]:
    with web_app.app_context():
        engine = db.engine
    ends: list[str] = []

    def on_commit(_connection: object) -> None:
        ends.append("commit")

    def on_rollback(_connection: object) -> None:
        ends.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    return ends, engine


def test_pages_that_only_read_end_with_commit_and_keep_their_prepared_statements(web_app, client, login):
    login("liaison.dl.port")
    ends, engine = _how_transactions_end(web_app)
    for _ in range(6):  # psycopg prepares a statement on its fifth use
        assert client.get("/tasks?overdue=1").status_code == 200
    assert ends and set(ends) == {"commit"}, ends
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            prepared = connection.scalar(
                text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM assignments%'")
            )
        assert prepared >= 2  # the list's count and its page


@pytest.mark.parametrize("mode", MODES)
def test_a_change_a_request_did_not_commit_is_not_saved(app, web_app, client, mode):
    user_id = f.user("liaison.dl.port").id

    @web_app.get("/change-without-commit")
    def change_without_commit() -> str:
        if mode in ("changed object", "flushed change"):
            db.session.get(User, user_id).name = "改掉了"
            if mode == "flushed change":
                db.session.flush()
        elif mode == "core update":
            db.session.execute(update(User).where(User.id == user_id).values(name="改掉了"))
        else:
            db.session.execute(text("UPDATE users SET name = '改掉了' WHERE id = :id"), {"id": user_id})
        if mode != "changed object":  # (a read would flush it)
            db.session.scalar(select(User.id).limit(1))  # a read after the change ends nothing
        return "ok"

    ends, _engine = _how_transactions_end(web_app)
    assert client.get("/change-without-commit").status_code == 200
    assert "commit" not in ends
    assert db.session.scalar(select(User.name).where(User.id == user_id)) != "改掉了"

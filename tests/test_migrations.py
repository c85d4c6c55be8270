"""The migrations build exactly the models' schema, from empty, on each backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from coordination.extensions import db
from tests.conftest import ROOT, make_app, reset_schema


def test_migrations_match_models_and_downgrade(database_url):
    app = make_app(database_url)
    with app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], diff
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(ROOT / "migrations"))
        assert "audit_events" in inspect(db.engine).get_table_names()
    reset_schema(app)


def test_upgrade_keeps_rows_written_before_it(database_url):
    """Columns added later get defaults on rows that already exist (here: meetings of 0002)."""
    from sqlalchemy import text

    app = make_app(database_url)
    with app.app_context():
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        upgrade(directory=str(ROOT / "migrations"), revision="0002_plans_assignments")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO mechanisms (id, code, name_zh, name_en, period_start, period_end, active) "
                    "VALUES (1, 'm', '机制', 'M', 2020, 2030, true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO parties (id, mechanism_id, code, name_zh, name_en, position) "
                    "VALUES (1, 1, 'sh', '上海', 'Shanghai', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO meetings (id, mechanism_id, kind, title, starts_at, ends_at, host_party_id, "
                    "venue, state, created_at, version) VALUES (1, 1, 'joint', '会', '2026-03-05 01:30', "
                    "'2026-03-05 04:00', 1, '', 'held', '2026-01-01', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO agenda_items (id, meeting_id, position, title, notes) "
                    "VALUES (1, 1, 1, '议题', '')"
                )
            )
        upgrade(directory=str(ROOT / "migrations"))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT sequence, chair_name, cancel_reason FROM meetings")).one() == (
                0,
                "",
                "",
            )
            assert conn.execute(text("SELECT outcome FROM agenda_items")).scalar_one() == ""
    reset_schema(app)

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

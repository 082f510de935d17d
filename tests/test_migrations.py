"""The committed migrations build exactly the models' schema, and go down and up again."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from agentnfe import create_app
from agentnfe.extensions import db

from .conftest import TEST_DATABASE_URL

SCHEMA = "migration_check"


@pytest.fixture
def fresh_app(clean_env):
    """An app on an empty database of its own: a new SQLite file, or a private PostgreSQL schema."""
    overrides = {"CACHE_TYPE": "SimpleCache"}
    if TEST_DATABASE_URL:
        admin = sa.create_engine(TEST_DATABASE_URL)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        overrides["SQLALCHEMY_DATABASE_URI"] = TEST_DATABASE_URL
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    app = create_app(overrides)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_the_models_schema_and_downgrade_removes_it(fresh_app):
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)
    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diffs == []
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)


def test_db_upgrade_command(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "empresa" in _tables() and "nfse" in _tables()

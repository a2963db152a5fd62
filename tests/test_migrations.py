"""The migrations build exactly the models' schema, and can be undone and redone.

On PostgreSQL (TEST_DATABASE_URL=postgresql+psycopg://...): a brand-new database, upgrade to
head, no drift against the models (types compared too), downgrade to base, upgrade again.
On SQLite (always): the same on a fresh file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests import databases
from tests.conftest import ROOT, app_overrides
from wholesale.extensions import db, limiter, socketio

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def separate_app() -> Iterator[Any]:
    """`make(url, instance)`: another app on its own database. The extensions are module
    globals that `create_app` re-binds, so the session app's bindings are put back after."""
    saved_socketio = {k: getattr(socketio, k, None) for k in ("server", "sockio_mw")}
    saved_options = dict(socketio.server_options)
    saved_limiter = {k: getattr(limiter, k, None) for k in ("_storage", "_limiter")}
    made: list[Flask] = []

    def make(url: str, instance: Path) -> Flask:
        from app import create_app

        application = create_app(app_overrides(url), instance_path=instance)
        made.append(application)
        return application

    try:
        yield make
    finally:
        for application in made:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
        for key, value in saved_socketio.items():
            setattr(socketio, key, value)
        socketio.server_options.clear()
        socketio.server_options.update(saved_options)
        for key, value in saved_limiter.items():
            setattr(limiter, key, value)


def drift() -> list[Any]:
    """What autogenerate would write: the difference between the database and the models."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def model_tables() -> set[str]:
    return set(db.metadata.tables)


def assert_tables_are_the_models() -> None:
    present = tables() - {"alembic_version"}
    expected = model_tables()
    assert present == expected, (
        f"tables no model declares: {sorted(present - expected)}; "
        f"models no migration creates: {sorted(expected - present)}"
    )


def upgrade_downgrade_upgrade(check_drift: bool) -> None:
    assert tables() == set(), f"not a fresh database: {tables()}"
    upgrade(directory=MIGRATIONS)
    assert_tables_are_the_models()
    if check_drift:
        assert drift() == []
    downgrade(directory=MIGRATIONS, revision="base")
    assert tables() == {"alembic_version"}
    upgrade(directory=MIGRATIONS)
    assert_tables_are_the_models()
    if check_drift:
        assert drift() == []


@pytest.mark.postgres_only
def test_postgresql_migrations_match_the_models_and_reverse_cleanly(separate_app, tmp_path):
    configured = databases.test_database_url()
    if not databases.is_postgres(configured):
        pytest.skip("PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://...")
    url = databases.create_postgres_database(configured, f"migrations_{os.getpid()}")
    try:
        application = separate_app(url, tmp_path / "instance")
        with application.app_context():
            assert db.engine.dialect.name == "postgresql"
            upgrade_downgrade_upgrade(check_drift=True)
    finally:
        databases.drop_postgres_database(url)


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression")
def test_sqlite_migrations_match_the_models_and_reverse_cleanly(separate_app, tmp_path):
    url = databases.sqlite_url(tmp_path, "migrations.db")
    application = separate_app(url, tmp_path / "instance")
    with application.app_context():
        assert db.engine.dialect.name == "sqlite"
        # The drift check holds on SQLite too (the migrations use portable types: non-native
        # enums, timezone-aware DateTime, Numeric); if SQLite's type affinity ever makes it
        # report false differences, keep the drift check for PostgreSQL only. Expression
        # indexes (the PostgreSQL-only product search index) cannot be reflected on SQLite:
        # alembic skips them with a warning, and the PostgreSQL test compares them.
        upgrade_downgrade_upgrade(check_drift=True)


def test_there_is_one_head(separate_app, tmp_path):
    from alembic.script import ScriptDirectory

    application = separate_app(databases.sqlite_url(tmp_path, "heads.db"), tmp_path / "i")
    with application.app_context():
        config = application.extensions["migrate"].migrate.get_config(MIGRATIONS)
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads, merge them: {heads}"

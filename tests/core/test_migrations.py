"""Migrations: an empty database reaches the newest schema, back to empty and up again, and the
models agree with what the migrations build."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.core.db import Base
from tests.conftest import make_settings


@pytest.fixture
def empty_database(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, of the kind under test."""
    if migrated_database.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"bf_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(migrated_database).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(migrated_database).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_to_head_downgrade_and_again(empty_database, tmp_path):
    app = create_app(make_settings(tmp_path, empty_database))
    cli = app.test_cli_runner()
    assert _tables(empty_database) == set()

    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert {"org_units", "people", "users", "role_assignments", "audit_events"} <= _tables(
        empty_database
    )

    result = cli.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_database) <= {"alembic_version"}

    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    app.extensions["branchflow.db"].dispose()


def test_models_match_the_migrations(migrated_database):
    engine = create_engine(migrated_database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []

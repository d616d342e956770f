"""Test fixtures: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

The schema is built once per run by the real migrations. Each test then gets a clean database:
on SQLite a copy of the migrated template file, on PostgreSQL the same database emptied with
TRUNCATE after the test. Commands commit for real, exactly as in production.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from app.core.audit import AuditEvent
from app.core.clock import FrozenClock
from app.core.migrate import upgrade
from app.extensions import db
from config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
#: Tests run at a fixed instant: 2026-11-23 10:00 in Beijing.
TEST_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TEST_PASSWORD = "correct-horse-42"


def pytest_report_header() -> str:
    return f"database: {_backend()}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every item its own node id. Schemathesis names one item per API operation but gives
    them all the function's node id; pytest-xdist schedules by node id, so under ``-n 2`` only the
    first operation ran (7 of 8 silently skipped)."""
    seen: set[str] = set()
    for item in items:
        if item.nodeid in seen:
            item._id = item.parent.id.child(item.name)  # pytest's own rule for a node's id
        seen.add(item.nodeid)


def _backend() -> str:
    return "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Build the .mo catalogues from the .po sources when they are missing or stale."""
    for po_path in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)


def make_settings(tmp: Path, database_url: str, **overrides: object) -> TestConfig:
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "BRANCHFLOW_INSTANCE_DIR": str(tmp / "instance"),
    }
    settings = TestConfig(env)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


def migrate(database_url: str, tmp: Path) -> None:
    app = create_app(make_settings(tmp, database_url))
    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at the newest schema: a template file (SQLite) or the test database (PG)."""
    tmp = tmp_path_factory.mktemp("schema")
    url = os.environ.get("TEST_DATABASE_URL")
    url = f"sqlite:///{tmp / 'template.db'}" if url is None else _worker_database(url)
    migrate(url, tmp)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    return url


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own, named after the run's
    (``<name>_gw0``: scripts/pgtestdb.py drops it with the run's); one worker uses the run's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    source = make_url(url)
    name = f"{source.database}_{worker}"
    server = source.set(database="postgres")
    engine = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return source.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    if migrated_database.startswith("sqlite"):
        template = Path(migrated_database.removeprefix("sqlite:///"))
        copy = tmp_path / "test.db"
        shutil.copyfile(template, copy)
        yield f"sqlite:///{copy}"
        return
    yield migrated_database
    empty_postgresql(migrated_database)


def empty_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            )
            if row[0] != "alembic_version"
        ]
        # Replica mode skips the append-only triggers, which guard against everyone but the tests.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TEST_NOW)


class IsolatedClient(FlaskClient):
    """Runs each request in a context of its own, with its own app context and ``g``.

    The test itself holds an app context (for factories and queries); without this, Flask would
    reuse it for every request and share ``g`` between them, which never happens in production.
    """

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Flask]:
    application = create_app(make_settings(tmp_path, database_url), clock=clock)
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
    application.extensions["branchflow.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: FlaskClient, login: str, password: str = TEST_PASSWORD):
    return client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "login": login, "password": password},
    )


@pytest.fixture
def login(client: FlaskClient):
    """``login("wang")`` signs the test client in and returns the response."""

    def _login(user_login: str, password: str = TEST_PASSWORD):
        response = log_in(client, user_login, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return _login


def last_audit_event() -> AuditEvent:
    """The newest audit event, read in a fresh transaction (requests commit on their own)."""
    db.session.rollback()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()

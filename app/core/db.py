"""Database access: the declarative base, column types, engines and sessions.

Two kinds of session exist, and only two:

* the *read* session of a request (``db.session``): views and queries use it; it is never committed
  and is closed when the request ends;
* the *write* session of a command, opened and committed by ``core.commands.run`` alone.

On SQLite a write transaction starts with ``BEGIN IMMEDIATE`` so that concurrent commands queue on
the database lock instead of failing half-way with "database is locked"; reads use plain ``BEGIN``
and, thanks to WAL, never wait for writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy import DateTime
from sqlalchemy import Engine
from sqlalchemy import Enum
from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset; store UTC wall time there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


@dataclass(frozen=True)
class Engines:
    read: Engine
    write: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.read.dispose()
        if self.write is not self.read:
            self.write.dispose()


def _configure_sqlite(engine: Engine, begin_statement: str) -> None:
    """Take transaction control from pysqlite so that BEGIN is ours (SQLAlchemy's recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_statement)


def build_engines(url: str) -> Engines:
    if url.startswith("sqlite"):
        read = create_engine(url)
        write = create_engine(url)
        _configure_sqlite(read, "BEGIN")
        _configure_sqlite(write, "BEGIN IMMEDIATE")
    else:
        # Reads test a pooled connection before use (a view cannot safely run twice); commands
        # do not: the test costs round trips on every command, and ``commands.run`` runs a
        # command again when its connection turns out dead before anything was committed.
        read = create_engine(url, pool_pre_ping=True)
        write = create_engine(url, pool_pre_ping=False)
    return Engines(
        read=read,
        write=write,
        read_sessions=sessionmaker(read, expire_on_commit=False, autoflush=False),
        write_sessions=sessionmaker(write, expire_on_commit=False),
    )


class Database:
    """Unbound holder of the engines of the current app (bound with ``init_app``)."""

    _key = "branchflow.db"

    def init_app(self, app: Flask) -> None:
        app.extensions[self._key] = build_engines(app.config["DATABASE_URL"])
        app.teardown_appcontext(self._close_read_session)

    @property
    def engines(self) -> Engines:
        return current_app.extensions[self._key]

    @property
    def engine(self) -> Engine:
        return self.engines.read

    @property
    def session(self) -> Session:
        """The read session of this request (or app context), created on first use."""
        if "db_read_session" not in g:
            g.db_read_session = self.engines.read_sessions()
        return g.db_read_session

    def write_session(self) -> Session:
        return self.engines.write_sessions()

    def end_read_transaction(self) -> None:
        """Let the next read see what a command just committed (a SQLite read is a snapshot)."""
        session = g.get("db_read_session")
        if session is not None:
            session.rollback()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not answering"
            return False
        return True

    @staticmethod
    def _close_read_session(_exc: BaseException | None) -> None:
        session = g.pop("db_read_session", None)
        if session is not None:
            session.close()


def str_enum(enum_class: type[Any], name: str) -> Enum:
    """Store a StrEnum by value in a VARCHAR with a CHECK constraint (portable across databases)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


#: The one database handle, bound to an app by ``create_app``; ``app.extensions`` offers it
#: beside the other extensions, and the core, which sits below them, takes it from here.
db = Database()

"""Alembic environment: the URL comes from the Flask app's settings (see app/core/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy import pool

import app.auditing.models
import app.branches.models
import app.core.audit
import app.files.models
import app.grading.analysis.models
import app.grading.brands.models
import app.grading.cycle.models
import app.grading.results.models
import app.grading.rubric.models
import app.grading.sites.models
import app.grading.targets.models
import app.identity.models
import app.inbox.models
import app.ledgers.models
import app.levels.models
import app.meetings.models
import app.members.points.models
import app.workflow.models  # noqa: F401 - registers the tables on Base.metadata
from app.core.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

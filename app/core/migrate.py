"""Schema migrations: Alembic through ``flask db`` (upgrade, downgrade, current, history, revision).

The schema is created and changed only by the scripts in ``migrations/versions``; ``create_all`` is
never used outside tests.
"""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

db_cli = AppGroup("db", help="Create and upgrade the database schema (Alembic).")


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    return cfg


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    upgrade(revision)


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" empties the database)."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("current")
def current_command() -> None:
    """Show the schema revision of the database."""
    command.current(alembic_config(), verbose=True)


@db_cli.command("history")
def history_command() -> None:
    """List the migration scripts."""
    command.history(alembic_config())


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration script (compares the models to the database by default)."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)

"""Command-line commands: ``flask --app app <group> <command>``."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Manage user accounts.")
orgs_cli = AppGroup("orgs", help="Build the organisation tree.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data already exists.")
@click.option("--seed", default=20261123, show_default=True, help="Random seed of the generator.")
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Also write a year of 三会一课 history (needs the processes deployed first).",
)
def demo_load(if_empty: bool, seed: int, history: bool) -> None:
    """Load the fictional Hanhai Oilfield: units, branches, people, users and roles, and a year
    of process history at the showcase unit."""
    from app.core.commands import cli_actor
    from app.core.commands import run
    from app.demo.enterprise import DemoAlreadyLoaded
    from app.demo.enterprise import load_demo_data

    try:
        summary = run(load_demo_data, actor=cli_actor(), seed=seed)
    except DemoAlreadyLoaded:
        if if_empty:
            click.echo("demo data: the database already has organisations; nothing loaded")
            return
        click.echo(
            "the database already has organisations; demo data is loaded only into an empty one",
            err=True,
        )
        sys.exit(1)
    click.echo(summary.describe())
    if history:
        _demo_history(seed)


def _demo_history(seed: int) -> None:
    from flask import current_app
    from sqlalchemy import select

    from app.demo.history import load_demo_history
    from app.extensions import db
    from app.workflow.models import ProcessDefinition

    # The history runs every shipped procedure (each file is named by its process id).
    models = Path(current_app.root_path).parent / "processes"
    needed = {path.stem for path in models.rglob("*.bpmn")}
    deployed = set(db.session.scalars(select(ProcessDefinition.process_key)))
    if not needed <= deployed:
        click.echo("process history: skipped (deploy the processes first: flask processes sync)")
        return
    counts = load_demo_history(seed)
    click.echo(
        f"process history: {counts.committee_meetings} committee meetings,"
        f" {counts.group_meetings} party-group meetings, {counts.assemblies} general assemblies,"
        f" {counts.lectures} party lectures, {counts.themed_days} themed party days,"
        f" {counts.dues_rounds} party dues rounds,"
        f" {counts.cancelled} cancelled; {counts.development} people in member development;"
        f" this year's grading cycle at HH01 for {counts.cycle.branches} branches,"
        f" {counts.cycle.advanced} of them past their self-assessment;"
        f" next year's targets under way at HH01 ({counts.targets.declared} declared,"
        f" {counts.targets.incidents} revisions stopped by an incident)"
    )
    life = counts.org_life
    click.echo(
        f"organisational life: {life.appraisals} democratic appraisal completed last year;"
        f" this year's heart-to-heart talks {life.talks_held} held, {life.talks_open} still open"
    )


@users_cli.command("create")
@click.argument("login")
@click.option("--name", "display_name", default="", help="Display name (defaults to the login).")
@click.option("--admin", is_flag=True, help="Also make the user a system administrator.")
@click.password_option()
def users_create(login: str, display_name: str, admin: bool, password: str) -> None:
    """Create a user (for example the first administrator of a new installation)."""
    from app.core.commands import cli_actor
    from app.core.commands import run
    from app.core.errors import DomainError
    from app.identity.commands import create_user_with_roles

    try:
        run(
            create_user_with_roles,
            actor=cli_actor(),
            login=login,
            password=password,
            display_name=display_name,
            admin=admin,
        )
    except DomainError as refused:
        _fail(refused)
    click.echo(f"user {login.lower()} created" + (" as system administrator" if admin else ""))


@users_cli.command("set-password")
@click.argument("login")
@click.password_option()
def users_set_password(login: str, password: str) -> None:
    """Set a user's password; their open sessions end."""
    from app.core.commands import cli_actor
    from app.core.commands import run
    from app.core.errors import DomainError
    from app.identity.commands import set_password

    try:
        run(set_password, actor=cli_actor(), login=login, password=password)
    except DomainError as refused:
        _fail(refused)
    click.echo(f"password of {login.lower()} changed")


@orgs_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["company", "unit", "general_branch", "branch", "party_group"]),
)
@click.option(
    "--parent", "parent_code", default=None, help="Code of the node above (none for the company)."
)
@click.option(
    "--branch-type",
    type=click.Choice(["production_flow", "joint_business", "territorial", "project_construction"]),
    default=None,
)
@click.option("--term-start", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--term-end", type=click.DateTime(["%Y-%m-%d"]), default=None)
def orgs_add(
    code: str,
    name: str,
    kind: str,
    parent_code: str | None,
    branch_type: str | None,
    term_start: datetime | None,
    term_end: datetime | None,
) -> None:
    """Add a node to the organisation tree (start with the company, then units, then branches)."""
    from app.core.commands import cli_actor
    from app.core.commands import run
    from app.core.errors import DomainError
    from app.identity.commands import OrgDetails
    from app.identity.commands import create_org_unit
    from app.identity.kinds import BranchType
    from app.identity.kinds import OrgKind

    details = OrgDetails(
        name=name,
        branch_type=BranchType(branch_type) if branch_type else None,
        term_start=term_start.date() if term_start else None,
        term_end=term_end.date() if term_end else None,
    )
    try:
        run(
            create_org_unit,
            actor=cli_actor(),
            parent_code=parent_code,
            code=code,
            kind=OrgKind(kind),
            details=details,
        )
    except DomainError as refused:
        _fail(refused)
    click.echo(f"{kind} {code} added")


@users_cli.command("token")
@click.argument("login")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def users_token(login: str, name: str) -> None:
    """Create an API token for LOGIN and print it (shown once; only its hash is kept)."""
    from app.core.commands import cli_actor
    from app.core.commands import run
    from app.core.errors import DomainError
    from app.identity.commands import create_api_token

    try:
        created = run(create_api_token, actor=cli_actor(), login=login, name=name)
    except DomainError as refused:
        _fail(refused)
    click.echo(created.token)


def _fail(refused: Exception) -> None:
    from app.core.errors import NotFound
    from app.core.errors import ValidationFailed

    if isinstance(refused, NotFound):
        click.echo("no such user", err=True)
    elif isinstance(refused, ValidationFailed):
        click.echo(str(refused.message), err=True)
        for name, message in refused.field_errors.items():
            click.echo(f"  {name}: {message}", err=True)
    else:
        click.echo(str(refused), err=True)
    sys.exit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one round and exit.")
@click.option("--interval", type=float, default=None, help="Seconds between rounds.")
def workflow_worker(once: bool, interval: float | None) -> None:
    """Fire due timers and retry undelivered messages, until stopped."""
    from app.worker import run_forever
    from app.worker import run_once

    if once:
        tick = run_once()
        click.echo(
            f"timers fired: {tick.timers_fired}, messages delivered: {tick.messages_delivered}"
        )
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    run_forever(interval or current_app.config["WORKER_INTERVAL_SECONDS"], stop)


def register_commands(app: Flask) -> None:
    from app.auditing.cli import audit_cli
    from app.core.migrate import db_cli
    from app.ledgers.cli import ledgers_cli
    from app.members.points.cli import points_cli
    from app.workflow.cli import processes_cli
    from app.workflow.cli import workflow_cli

    # The worker runs every domain's periodic work, so it lives here, above the domains; its
    # command stays where operators know it, `flask workflow worker`.
    workflow_cli.add_command(workflow_worker)
    for group in (
        db_cli,
        audit_cli,
        demo_cli,
        users_cli,
        orgs_cli,
        processes_cli,
        workflow_cli,
        ledgers_cli,
        points_cli,
    ):
        app.cli.add_command(group)

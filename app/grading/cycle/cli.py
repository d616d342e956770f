"""``flask --app app grading start-cycle YEAR``: start the year's grading cycle for every branch
of the company (or of one unit) from the command line, as the system."""

from __future__ import annotations

import sys
import time

import click

from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.commands import start_cycle
from app.grading.cycle.models import CycleBranch
from app.identity.queries import get_root


@click.command("start-cycle")
@click.argument("year", type=int)
@click.option("--scope", "scope_code", help="A unit's code; the whole company when left out.")
def start_cycle_command(year: int, scope_code: str | None) -> None:
    """Start the grading cycle of YEAR for every branch under the company (or --scope)."""
    if scope_code is None:
        root = get_root(db.session)
        if root is None:
            click.echo("no organisation is loaded", err=True)
            sys.exit(1)
        scope_code = root.code
    started = time.perf_counter()
    try:
        cycle_id = run(start_cycle, actor=cli_actor(), year=year, scope_code=scope_code)
    except (ValidationFailed, Conflict, NotFound) as refused:
        click.echo(str(refused.message or "refused"), err=True)
        for where, message in getattr(refused, "field_errors", {}).items():
            click.echo(f"{where}: {message}", err=True)
        sys.exit(1)
    branches = db.session.query(CycleBranch).filter_by(cycle_id=cycle_id).count()
    elapsed = time.perf_counter() - started
    click.echo(
        f"grading cycle {cycle_id} of {year} started for {branches} branches in {elapsed:.1f} s"
    )

"""``flask --app app grading start-cycle YEAR``: start the year's grading cycle for every branch
of the company (or of one unit) from the command line, as the system, one chunk per transaction
(cycle/start.py). Run again, it resumes a start that was interrupted half-way."""

from __future__ import annotations

import sys
import time

import click
from sqlalchemy import select

from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.cycle.start import CHUNK
from app.grading.cycle.start import open_cycle
from app.grading.cycle.start import start_next_branches
from app.identity.queries import get_org_by_code
from app.identity.queries import get_root


@click.command("start-cycle")
@click.argument("year", type=int)
@click.option("--scope", "scope_code", help="A unit's code; the whole company when left out.")
@click.option("--chunk", type=click.IntRange(1, 5000), default=CHUNK, show_default=True)
def start_cycle_command(year: int, scope_code: str | None, chunk: int) -> None:
    """Start (or resume starting) the grading cycle of YEAR for every branch under the company
    (or --scope)."""
    scope = get_org_by_code(db.session, scope_code) if scope_code else get_root(db.session)
    if scope is None:
        click.echo("no such organisation", err=True)
        sys.exit(1)
    started = time.perf_counter()
    try:
        cycle_id = _unfinished(year, scope.id) or run(
            open_cycle, actor=cli_actor(), year=year, scope_code=scope.code
        )
        remaining = 1
        while remaining:
            remaining = run(start_next_branches, actor=cli_actor(), cycle_id=cycle_id, limit=chunk)
            click.echo(f"  {_count(cycle_id)} started, {remaining} waiting")
    except (ValidationFailed, Conflict, NotFound) as refused:
        click.echo(str(refused.message or "refused"), err=True)
        for where, message in getattr(refused, "field_errors", {}).items():
            click.echo(f"{where}: {message}", err=True)
        sys.exit(1)
    elapsed = time.perf_counter() - started
    click.echo(
        f"grading cycle {cycle_id} of {year}: {_count(cycle_id)} branches started in "
        f"{elapsed:.1f} s"
    )


def _unfinished(year: int, scope_id: int) -> int | None:
    """The cycle of this year and scope whose start was interrupted, to resume."""
    cycle = db.session.scalars(
        select(GradingCycle).where(GradingCycle.year == year, GradingCycle.scope_org_id == scope_id)
    ).first()
    if cycle is None or cycle.branches_planned is None:
        return None
    return cycle.id if _count(cycle.id) < cycle.branches_planned else None


def _count(cycle_id: int) -> int:
    db.end_read_transaction()
    return db.session.query(CycleBranch).filter_by(cycle_id=cycle_id).count()

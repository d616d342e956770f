"""``flask ledgers check``: every file of ledgers/ loads and names procedures that exist;
``flask ledgers export``: a branch's ledgers of a year as workbooks; ``flask ledgers archive`` and
``verify-archive``: a closed year's sealed archive, and its hashes recomputed."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from app.core import clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.ledgers.archive import archives_of
from app.ledgers.archive import seal_archive
from app.ledgers.archive import verify_archive
from app.ledgers.definitions import check_directory
from app.ledgers.export import workbook_bytes
from app.ledgers.registry import ledgers_dir
from app.ledgers.table import ledger_table
from app.ledgers.views import kept_at

ledgers_cli = AppGroup("ledgers", help="Ledgers (台账) declared in ledgers/.")


@ledgers_cli.command("check")
def check() -> None:
    """Check every ledger file; exit 1 and name each problem by file and place."""
    directory = ledgers_dir(current_app)
    ledgers, problems = check_directory(directory)
    known = {p.stem for p in (directory.parent / "processes").rglob("*.bpmn")}
    for ledger in ledgers.values():
        problems += [
            f"{directory.name}/{ledger.key}.json: process_keys: no model processes/**/{key}.bpmn"
            for key in ledger.process_keys
            if key not in known
        ]
    for line in problems:
        click.echo(line, err=True)
    click.echo(f"{len(ledgers)} ledgers read, {len(problems)} problems")
    if problems:
        raise SystemExit(1)


@ledgers_cli.command("export")
@click.option("--org", "code", required=True, help="The organisation's code, e.g. HH01-01.")
@click.option("--year", type=int, required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--lang", default="zh", type=click.Choice(["zh", "en"]))
def export_all(code: str, year: int, out: Path, lang: str) -> None:
    """Write every ledger kept at the organisation for the year, one workbook each, to OUT."""
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()
    if org is None:
        raise click.ClickException(f"no organisation {code}")
    out.mkdir(parents=True, exist_ok=True)
    with force_locale(lang):
        for ledger in kept_at(org):
            table = ledger_table(db.session, ledger, org, year, clock.local_zone(), lang)
            target = out / f"{code}-{year}-{ledger.key}.xlsx"
            target.write_bytes(workbook_bytes(table, lang))
            click.echo(f"{target}: {len(table.rows)} rows")


@ledgers_cli.command("archive")
@click.option("--org", "code", required=True, help="The branch's code, e.g. HH01-01.")
@click.option("--year", type=int, required=True)
@click.option("--reason", default=None, help="Why a year archived already is archived again.")
def archive_year(code: str, year: int, reason: str | None) -> None:
    """Seal the branch's ledgers and documents of a closed year as a hashed archive."""
    org = _org(code)
    row = run(seal_archive, actor=SYSTEM, org_id=org.id, year=year, supersede_reason=reason)
    click.echo(f"archive {row.id}: {row.file_count} files, manifest sha256 {row.manifest_hash}")


@ledgers_cli.command("verify-archive")
@click.option("--org", "code", required=True, help="The branch's code, e.g. HH01-01.")
@click.option("--year", type=int, required=True)
def verify_year(code: str, year: int) -> None:
    """Recompute every hash of the year's archives; exit 1 when one was tampered with."""
    org = _org(code)
    rows = [a for a in archives_of(db.session, org.id) if a.year == year]
    if not rows:
        raise click.ClickException(f"{code} has no archive of {year}")
    tampered = False
    for row in rows:
        result = verify_archive(db.session, row)
        state = "intact" if result.intact else "TAMPERED"
        click.echo(f"archive {row.id} ({row.year}): {state}, {result.files_checked} files checked")
        for problem in result.problems:
            click.echo(f"  {problem}")
        tampered = tampered or not result.intact
    if tampered:
        raise SystemExit(1)


def _org(code: str) -> OrgUnit:
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()
    if org is None:
        raise click.ClickException(f"no organisation {code}")
    return org

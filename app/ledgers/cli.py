"""``flask ledgers check``: every file of ledgers/ loads and names procedures that exist;
``flask ledgers export``: a branch's ledgers of a year as workbooks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from app.core import clock
from app.extensions import db
from app.identity.models import OrgUnit
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

"""``flask ledgers check``: every file of ledgers/ loads, and names procedures that exist."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.ledgers.definitions import check_directory
from app.ledgers.registry import ledgers_dir

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

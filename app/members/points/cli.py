"""``flask --app app points …``: check a points scheme file, publish it as the next version."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.members.points.scheme import validate
from app.members.points.versions import publish_scheme

points_cli = AppGroup("points", help="The member points scheme.")


@points_cli.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(path: Path) -> None:
    """Check a scheme document (JSON); list every problem, exit 1 if there is any."""
    problems = validate(json.loads(path.read_text(encoding="utf-8")))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{path}: a valid points scheme")


@points_cli.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why the scheme changes (in the audit trail).")
def publish_command(path: Path, reason: str) -> None:
    """Publish a scheme document (JSON) as the next version."""
    document = json.loads(path.read_text(encoding="utf-8"))
    try:
        version = run(publish_scheme, actor=cli_actor(), document=document, reason=reason)
    except ValidationFailed as refused:
        click.echo(str(refused.message), err=True)
        for message in refused.field_errors.values():
            click.echo(message, err=True)
        sys.exit(1)
    click.echo(f"points scheme version {version} published")

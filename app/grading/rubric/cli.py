"""``flask --app app grading …``: store the default, check or publish a rubric file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.rubric import commands
from app.grading.rubric.document import validate
from app.grading.rubric.queries import rubric_version


@click.command("init")
def init_command() -> None:
    """Store the shipped default rubric as version 1 when no version is stored yet."""
    version_id = run(commands.ensure_default_rubric, actor=cli_actor())
    record = rubric_version(db.session, version_id)
    click.echo(f"grading rubric in force: version {record.version if record else '?'}")


@click.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(path: Path) -> None:
    """Check a rubric document (JSON); list every problem, exit 1 if there is any."""
    problems = validate(json.loads(path.read_text(encoding="utf-8")))
    for problem in problems:
        click.echo(f"{problem.path or '(document)'}: {problem.zh} / {problem.en}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{path}: a valid rubric")


@click.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--reason", required=True, help="Why the rubric changes (recorded in the audit trail)."
)
def publish_command(path: Path, reason: str) -> None:
    """Publish a rubric document (JSON) as the next version."""
    document = json.loads(path.read_text(encoding="utf-8"))
    try:
        version = run(commands.publish_rubric, actor=cli_actor(), document=document, reason=reason)
    except ValidationFailed as refused:
        click.echo(str(refused.message), err=True)
        for where, message in refused.field_errors.items():
            click.echo(f"{where or '(document)'}: {message}", err=True)
        sys.exit(1)
    click.echo(f"grading rubric version {version} published")

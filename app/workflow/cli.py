"""``flask processes …`` (deploy models) and ``flask workflow …`` (start instances, worker)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import json_input
from app.core.clock import local_zone
from app.core.clock import now
from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import DomainError
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.workflow.actions import describe_actions
from app.workflow.actions_report import catalogue_lines
from app.workflow.check_report import problem_lines
from app.workflow.check_report import report_data
from app.workflow.check_report import report_lines
from app.workflow.deploy import MODEL_SUFFIXES
from app.workflow.deploy import check_sources
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import model_files_for_check
from app.workflow.deploy import read_model_files
from app.workflow.dry_run import dry_run
from app.workflow.dry_run_report import report_data as dry_run_data
from app.workflow.dry_run_report import report_lines as dry_run_lines
from app.workflow.instances import start_instance
from app.workflow.migration import migrate_movable
from app.workflow.migration import plan_migration
from app.workflow.migration_report import migration_lines
from app.workflow.queries import instance_overview
from app.workflow.show_report import overview_data
from app.workflow.show_report import overview_lines

processes_cli = AppGroup("processes", help="Deploy BPMN/DMN models.")
workflow_cli = AppGroup("workflow", help="Run process instances.")


def _deploy(sources: dict[str, bytes]) -> None:
    try:
        results = run(deploy_definitions, actor=cli_actor(), sources=sources)
    except DeploymentRefused as refused:
        click.echo(
            f"deployment refused, nothing deployed ({len(refused.errors)} problem(s)):", err=True
        )
        for error in refused.errors:
            for line in problem_lines(error.as_dict()):
                click.echo(f"  {line}", err=True)
        sys.exit(1)
    for result in results:
        state = "new version" if result.created else "unchanged"
        click.echo(f"{result.process_key}: version {result.version} ({state})")


@processes_cli.command("sync")
def processes_sync() -> None:
    """Deploy everything under processes/ (unchanged models make no new version)."""
    root = current_app.config["PROCESSES_DIR"]
    sources = read_model_files([root], root=root)
    if not sources:
        click.echo(f"no .bpmn or .dmn files under {root}")
        return
    _deploy(sources)


@processes_cli.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def processes_deploy(files: tuple[Path, ...]) -> None:
    """Deploy the given files as one set; on any problem print them all and deploy nothing."""
    _deploy(read_model_files(list(files)))


@processes_cli.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def processes_check(files: tuple[Path, ...], as_json: bool) -> None:
    """Run every deployment check on the given files (as one set) without deploying.

    Exit 0 when all would deploy, 1 when not, 2 for usage errors.
    """
    named = [f for f in files if f.is_file() and f.suffix.lower() not in MODEL_SUFFIXES]
    if named:
        raise click.UsageError(f"not a .bpmn or .dmn file: {named[0]}")
    try:
        sources = model_files_for_check(list(files))
    except OSError as exc:
        raise click.UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None
    if not sources:
        raise click.UsageError("no .bpmn or .dmn files among the given paths")
    data = report_data(check_sources(sources))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(report_lines(data)))
    sys.exit(0 if data["deployable"] else 1)


@processes_cli.command("actions")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def processes_actions(as_json: bool) -> None:
    """List the domain actions a service task may call: labels, parameters and their types,
    and what each writes."""
    actions = describe_actions()
    if as_json:
        click.echo(json.dumps(actions, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(catalogue_lines(actions)).rstrip())


@workflow_cli.command("start")
@click.argument("process_key")
@click.option(
    "--org", "org_code", required=True, help="Code of the organisation the instance is for."
)
@click.option("--data", default=None, help="Start data as a JSON object.")
@click.option("--business-key", default=None)
def workflow_start(
    process_key: str, org_code: str, data: str | None, business_key: str | None
) -> None:
    """Start an instance and print its id."""
    try:
        start_data = json_input.loads(data) if data else None
    except json_input.UnsafeJson as exc:
        click.echo(f"--data is refused: {json_input.problem_message(exc.problem)}", err=True)
        sys.exit(1)
    except ValueError as exc:
        click.echo(f"--data is not JSON: {exc}", err=True)
        sys.exit(1)
    try:
        instance_id = run(
            start_instance,
            actor=cli_actor(),
            process_key=process_key,
            org_code=org_code,
            business_key=business_key,
            data=start_data,
        )
    except DomainError as refused:
        fields = getattr(refused, "field_errors", {})
        reasons = "".join(f"\n  {name}: {message}" for name, message in fields.items())
        click.echo(f"not started: {refused.message or refused.code}{reasons}", err=True)
        sys.exit(1)
    click.echo(instance_id)


@workflow_cli.command("show")
@click.argument("instance_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the same data as JSON.")
def workflow_show(instance_id: int, as_json: bool) -> None:
    """Show an instance: status, open tasks, incidents, next timer, awaited messages."""
    overview = instance_overview(db.session, instance_id, now())
    if overview is None:
        click.echo(f"no instance {instance_id} / 没有编号为 {instance_id} 的实例", err=True)
        sys.exit(1)
    data = overview_data(overview, local_zone())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(overview_lines(data)))


@processes_cli.command("try")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--key", "process_key", required=True, help="The process to walk.")
@click.option("--org", "org_code", required=True, help="Code of the organisation to walk it at.")
@click.option("--date", "on", default=None, help="The day (YYYY-MM-DD); today if not given.")
@click.option(
    "--data",
    default=None,
    help='Sample data as JSON: {"start": {…}, "fields": {…}, "<user task id>": {…} or [{…}, …]}.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def processes_try(
    files: tuple[Path, ...],
    process_key: str,
    org_code: str,
    on: str | None,
    data: str | None,
    as_json: bool,
) -> None:
    """Dry-run a model (not deployed) at an organisation: who gets each task, its deadline, the
    path of each gateway, what each action would write. Nothing is kept. FILES may include
    draft forms (<form key>.json), used instead of or beside those of forms/.

    Exit 0 when the walk met no problem, 1 when it did, 2 for usage errors.
    """
    try:
        day = date.fromisoformat(on) if on else now().astimezone(local_zone()).date()
    except ValueError:
        raise click.UsageError(f"--date is not a date: {on}") from None
    try:
        sample = json_input.loads(data) if data else {}
    except (json_input.UnsafeJson, ValueError) as exc:
        raise click.UsageError(f"--data is not a JSON object: {exc}") from None
    if not isinstance(sample, dict):
        raise click.UsageError("--data must be a JSON object")
    sources = read_model_files(list(files))
    if not sources:
        raise click.UsageError("no .bpmn or .dmn files among the given paths")
    forms = {f.stem: f.read_bytes() for f in files if f.is_file() and f.suffix.lower() == ".json"}
    report = dry_run(sources, process_key, org_code, day, sample, forms)
    shown = dry_run_data(report, local_zone())
    if as_json:
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(dry_run_lines(shown)))
    sys.exit(1 if report.problems else 0)


@processes_cli.command("migrate")
@click.argument("process_key")
@click.option("--to", "to_version", type=int, default=None, help="Target version (the newest).")
@click.option("--dry-run", is_flag=True, help="Only say which instances can move and why not.")
def processes_migrate(process_key: str, to_version: int | None, dry_run: bool) -> None:
    """Move the running instances of older versions of PROCESS_KEY onto a newer version, each
    in its own transaction; those that cannot move stay, with the reason.

    Exit 0 when every instance listed moved (or, with --dry-run, can move), 1 otherwise.
    """
    try:
        if dry_run:
            plan = plan_migration(db.session, process_key, to_version)
            moved, failed = None, {}
        else:
            report = migrate_movable(db.session, process_key, to_version, actor=cli_actor())
            plan, moved, failed = report.plan, report.moved, report.failed
    except DomainError as refused:
        click.echo(f"{refused.message or refused.code}", err=True)
        sys.exit(1)
    click.echo("\n".join(migration_lines(plan, moved, failed)))
    stayed = [c for c in plan.checks if not c.movable] or failed
    sys.exit(1 if stayed else 0)

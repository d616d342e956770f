"""``flask processes …`` (deploy models) and ``flask workflow …`` (start instances, worker)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import json_input
from app.core.commands import cli_actor
from app.core.commands import run
from app.core.errors import DomainError
from app.engine.models import DeploymentRefused
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.instances import start_instance

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
            click.echo(f"  {error}", err=True)
            click.echo(f"    {error.message_zh}", err=True)
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


@workflow_cli.command("worker")
@click.option("--once", is_flag=True, help="Run one round and exit.")
@click.option("--interval", type=float, default=None, help="Seconds between rounds.")
def workflow_worker(once: bool, interval: float | None) -> None:
    """Fire due timers and retry undelivered messages, until stopped."""
    from app.workflow.worker import run_forever  # noqa: PLC0415 - keeps `flask --help` light
    from app.workflow.worker import run_once  # noqa: PLC0415

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

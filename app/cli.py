"""Command-line commands: ``flask --app app <group> <command>``."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime

import click
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="Inspect the audit trail.")
demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Manage user accounts.")
orgs_cli = AppGroup("orgs", help="Build the organisation tree.")


@audit_cli.command("verify")
@click.option(
    "--anchors",
    "anchors_file",
    type=click.File(encoding="utf-8"),
    help="Also check that the chains pass through every anchor printed in this file.",
)
def audit_verify(anchors_file) -> None:
    """Check the audit trail and every instance's step log; exit 1 naming the first broken links."""
    from app.core.audit import verify_chain
    from app.extensions import db
    from app.workflow.queries import verify_step_logs

    report = verify_chain(db.session)
    steps_checked, broken_steps = verify_step_logs(db.session)
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} events verified")
    else:
        click.echo(f"audit trail BROKEN at event #{report.broken_seq}: {report.problem}", err=True)
        click.echo(f"({report.checked} events verified before the break)", err=True)
    if not broken_steps:
        click.echo(f"step logs intact: {steps_checked} steps verified")
    for broken in broken_steps:
        where = f"step log of instance {broken.instance_id} BROKEN at step {broken.seq}"
        click.echo(f"{where}: {broken.problem}", err=True)
    anchors_ok = _check_anchors(anchors_file.read()) if anchors_file else True
    if not report.ok or broken_steps or not anchors_ok:
        sys.exit(1)


def _check_anchors(printed: str) -> bool:
    from app.auditing.anchors import check_anchor
    from app.auditing.anchors import parse_anchors
    from app.extensions import db

    anchors = parse_anchors(printed)
    if not anchors:
        click.echo("no anchor found in the file", err=True)
        return False
    ok = True
    for anchor in anchors:
        problems = check_anchor(db.session, anchor)
        when = anchor.taken_at.isoformat()
        if not problems:
            click.echo(f"anchor of {when}: the chains pass through its heads")
        for problem in problems:
            click.echo(f"anchor of {when} BROKEN: {problem}", err=True)
        ok = ok and not problems
    return ok


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Record the heads of the audit trail and the step logs; print them for safekeeping."""
    from app.auditing.anchors import take_anchor
    from app.core.commands import cli_actor
    from app.core.commands import run

    click.echo(run(take_anchor, actor=cli_actor()), nl=False)


@audit_cli.command("export")
@click.option(
    "--format", "kind", type=click.Choice(["xes", "ocel", "csv"]), default="xes", show_default=True
)
@click.option("--process", "process_key", default="", help="Process key (all when left out).")
@click.option("--org", "org_code", default="", help="Organisation code: it and everything below.")
@click.option("--from", "started_from", default="", help="Started on or after (YYYY-MM-DD).")
@click.option("--to", "started_to", default="", help="Started on or before (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
def audit_export(
    kind: str, process_key: str, org_code: str, started_from: str, started_to: str, out: str
) -> None:
    """Write the instances found as an event log for process mining (XES, OCEL 2.0 or CSV)."""
    import json
    from pathlib import Path

    from app.auditing import eventlog
    from app.auditing.queries import InstanceSearch
    from app.auditing.queries import filtered_instances
    from app.core import clock
    from app.extensions import db

    args = {"process": process_key, "org": org_code, "from": started_from, "to": started_to}
    search = InstanceSearch.from_args(args)
    if search.errors:
        raise click.UsageError("dates are written YYYY-MM-DD")
    instances = filtered_instances(search, None, clock.now(), clock.local_zone())
    events = eventlog.events_of(db.session, instances)
    if kind == "xes":
        data = eventlog.xes_bytes(events, eventlog.log_name(db.session, process_key))
    elif kind == "ocel":
        ocel = eventlog.ocel_json(db.session, instances, events)
        data = json.dumps(ocel, ensure_ascii=False, indent=1).encode()
    else:
        data = eventlog.csv_bytes(events)
    Path(out).write_bytes(data)
    cases = len({e.case for e in events})
    click.echo(f"{len(events)} events of {cases} instances written to {out} ({kind})")


@audit_cli.command("replay")
@click.argument("instance_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Replay every instance.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes for --all (default: every core, up to 4, from 1000 instances on).",
)
def audit_replay(instance_id: int | None, every: bool, jobs: int | None) -> None:
    """Re-run instances from their logged inputs; exit 1 naming the first divergence."""
    import time

    from flask import current_app

    from app.auditing.replay import replay_instance
    from app.auditing.replay_pool import default_jobs
    from app.auditing.replay_pool import replay_all_parallel
    from app.extensions import db

    if every == (instance_id is not None):
        raise click.UsageError("give an instance id or --all")
    started = time.perf_counter()
    try:
        if every:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            workers = jobs or default_jobs(db.session)
            results = replay_all_parallel(app, db.session, workers)
        else:
            try:
                results = iter([replay_instance(db.session, instance_id)])
            except LookupError as missing:
                raise click.ClickException(str(missing)) from None
        failed = _report_replays(results, verbose=not every)
    finally:
        db.session.rollback()  # replay only reads; nothing it touched is kept
    elapsed = time.perf_counter() - started
    if every:
        count = failed.count
        rate = count / elapsed if elapsed > 0 else 0.0
        click.echo(f"{count} instances replayed in {elapsed:.2f} s ({rate:.0f} instances/s)")
    if failed.first is not None:
        click.echo(f"first divergence: {failed.first}", err=True)
    if failed.first is not None or failed.unreplayable:
        sys.exit(1)


class _ReplayTally:
    count = 0
    unreplayable = 0
    first: str | None = None


def _report_replays(results, *, verbose: bool) -> _ReplayTally:
    """Print every instance that is not identical (and, for one instance, its success too)."""
    tally = _ReplayTally()
    for result in results:
        tally.count += 1
        if result.not_replayable:
            tally.unreplayable += 1
        elif result.diverged_at is not None and tally.first is None:
            tally.first = f"instance {result.instance_id}, step {result.diverged_at}"
        if verbose or not result.identical:
            click.echo(result.describe(), err=not result.identical)
    if tally.unreplayable:
        click.echo(f"instances not replayable: {tally.unreplayable} (see above)", err=True)
    return tally


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
    from sqlalchemy import select

    from app.demo.history import load_demo_history
    from app.extensions import db
    from app.workflow.models import ProcessDefinition

    needed = {
        "branch_committee_meeting",
        "party_group_meeting",
        "branch_general_assembly",
        "party_lecture",
        "themed_party_day",
        "grading_cycle",
        "level_decision",
        "annual_grading_target_setting",
        "unit_target_breakdown",
        "branch_target_declaration",
    }
    deployed = set(db.session.scalars(select(ProcessDefinition.process_key)))
    if not needed <= deployed:
        click.echo("process history: skipped (deploy the processes first: flask processes sync)")
        return
    counts = load_demo_history(seed)
    click.echo(
        f"process history: {counts.committee_meetings} committee meetings,"
        f" {counts.group_meetings} party-group meetings, {counts.assemblies} general assemblies,"
        f" {counts.lectures} party lectures, {counts.themed_days} themed party days,"
        f" {counts.cancelled} cancelled;"
        f" this year's grading cycle at HH01 for {counts.cycle.branches} branches,"
        f" {counts.cycle.advanced} of them past their self-assessment;"
        f" next year's targets under way at HH01 ({counts.targets.declared} declared,"
        f" {counts.targets.incidents} revisions stopped by an incident)"
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
    from app.core.migrate import db_cli
    from app.ledgers.cli import ledgers_cli
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
    ):
        app.cli.add_command(group)

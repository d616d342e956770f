"""The auditor's command line: ``flask --app app audit verify|anchor|export|replay``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.auditing import eventlog
from app.auditing.anchors import check_anchor
from app.auditing.anchors import parse_anchors
from app.auditing.anchors import take_anchor
from app.auditing.queries import InstanceSearch
from app.auditing.queries import filtered_instances
from app.auditing.replay import replay_instance
from app.auditing.replay_pool import default_jobs
from app.auditing.replay_pool import replay_all_parallel
from app.core import clock
from app.core.audit import verify_chain
from app.core.commands import cli_actor
from app.core.commands import run
from app.extensions import db
from app.workflow.queries import verify_step_logs

audit_cli = AppGroup("audit", help="Inspect the audit trail.")


@audit_cli.command("verify")
@click.option(
    "--anchors",
    "anchors_file",
    type=click.File(encoding="utf-8"),
    help="Also check that the chains pass through every anchor printed in this file.",
)
def audit_verify(anchors_file) -> None:
    """Check the audit trail and every instance's step log; exit 1 naming the first broken links."""

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

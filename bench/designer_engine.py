"""What a dry run and a migration cost, against what the same work costs for real.

    .venv/bin/python bench/designer_engine.py [--database sqlite|URL] [--instances 40] [--runs 5]

The demo enterprise and the shipped models, as `make run` loads them. Then, at the demo branch:

1. A dry run of the committee meeting (deploy the draft, start, five tasks with generated
   answers, all rolled back), against the baseline of the same meeting run for real through
   the commands (start and five completions, committed). Medians of ``--runs``.
2. Migrating ``--instances`` committee meetings waiting at their second task onto a second
   version (one command each), against the baseline of completing one task of as many meetings
   (one command each). Also the plan alone (the dry run of the migration).

Nothing is asserted; the figures are for reading, with their ratio to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbox import database
from sqlalchemy import select

from app import create_app
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.migrate import upgrade
from app.demo.enterprise import load_demo_data
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.workflow import roster
from app.workflow.commands import complete_task
from app.workflow.commands import start_instance
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.dry_run import dry_run
from app.workflow.migration import migrate_movable
from app.workflow.migration import plan_migration
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from config import TestConfig

BRANCH = "HH01-01"
KEY = "branch_committee_meeting"
COMMITTEE = ROOT / "processes" / "meetings" / "branch_committee_meeting.bpmn"
DAY = date(2026, 11, 23)
AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划",
    "meeting_at": "2026-11-30T09:00:00+08:00",
    "place": "站党员活动室",
}


def holder(role: str, branch: OrgUnit) -> Actor:
    user = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role_code == role, RoleAssignment.org_unit_id == branch.id)
        .order_by(User.id)
        .limit(1)
    ).one()
    return Actor(user_id=user.id, login=user.login, source="bench")


def complete(actor: Actor, instance_id: int, element: str, data: dict) -> None:
    db.session.rollback()
    task = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == element,
            HumanTask.state == HumanTaskState.READY,
        )
    ).one()
    run(complete_task, actor=actor, task_id=task.id, data=data)


def real_meeting(branch: OrgUnit) -> None:
    secretary, committee = holder("branch_secretary", branch), holder("branch_committee", branch)
    members = roster.roster_options(db.session, roster.RosterQuestion("committee", branch, DAY))
    present = [o.value for o in members][:4]
    instance_id = run(start_instance, actor=secretary, process_key=KEY, org_code=BRANCH)
    complete(secretary, instance_id, "set_agenda", AGENDA)
    held = {"attendance": {"present": present}, "minutes": "发言要点" * 5}
    complete(secretary, instance_id, "hold_meeting", held)
    decided = {"outcome": "decided", "decisions": [{"item": "落实", "owner": present[0]}]}
    decided["decisions"][0]["due"] = "2026-12-15"
    complete(committee, instance_id, "decide", decided)
    archived = {"record_checked": True, "minutes_signed": True}
    complete(holder("org_member", branch), instance_id, "archive", archived)
    complete(
        secretary, instance_id, "follow_up", {"follow_up": [{"item": "落实", "result": "done"}]}
    )


def timed(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def second_version() -> bytes:
    """The meeting whose decision step has a new name: a plain change every instance survives."""
    return COMMITTEE.read_bytes().replace(
        "集体讨论作出决定".encode(), "集体讨论并作出决定".encode()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(options.database, Path(tmp), False) as url:
        settings = TestConfig(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "BRANCHFLOW_INSTANCE_DIR": tmp}
        )
        app = create_app(settings)
        with app.app_context():
            upgrade()
            run(load_demo_data, actor=SYSTEM, seed=20261123)
            sources = read_model_files([ROOT / "processes"], root=ROOT / "processes")
            run(deploy_definitions, actor=SYSTEM, sources=sources)
            branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == BRANCH)).one()
            measure(branch, options)


def measure(branch: OrgUnit, options: argparse.Namespace) -> None:
    draft = {COMMITTEE.name: COMMITTEE.read_bytes()}
    real = timed(lambda: real_meeting(branch), options.runs)
    trial = timed(lambda: dry_run(draft, KEY, BRANCH, DAY), options.runs)
    print(f"committee meeting, start + 5 tasks ({options.runs} runs, medians):")
    print(f"  for real, committed (baseline): {real * 1000:8.1f} ms")
    print(f"  dry run, rolled back:           {trial * 1000:8.1f} ms  ({trial / real:.2f}x)")

    secretary = holder("branch_secretary", branch)
    waiting = []
    for _ in range(2 * options.instances):
        instance_id = run(start_instance, actor=secretary, process_key=KEY, org_code=BRANCH)
        waiting.append(instance_id)
    started = time.perf_counter()
    for instance_id in waiting[: options.instances]:
        complete(secretary, instance_id, "set_agenda", AGENDA)
    completing = time.perf_counter() - started
    run(deploy_definitions, actor=SYSTEM, sources={COMMITTEE.name: second_version()})
    db.session.rollback()
    started = time.perf_counter()
    plan = plan_migration(db.session, KEY)
    planning = time.perf_counter() - started
    movable = sum(c.movable for c in plan.checks)
    started = time.perf_counter()
    report = migrate_movable(db.session, KEY, None, actor=SYSTEM)
    migrating = time.perf_counter() - started
    count = options.instances
    print(f"migration of the running meetings ({len(plan.checks)} listed, {movable} movable):")
    print(f"  completing a task, per instance (baseline): {completing / count * 1000:8.1f} ms")
    print(
        f"  plan (dry run), per instance listed:        {planning / len(plan.checks) * 1000:8.1f} ms"
        f"  ({planning / len(plan.checks) / (completing / count):.2f}x)"
    )
    print(
        f"  migration, per instance moved:              {migrating / len(report.moved) * 1000:8.1f} ms"
        f"  ({migrating / len(report.moved) / (completing / count):.2f}x)"
    )


if __name__ == "__main__":
    main()

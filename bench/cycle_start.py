"""Starting the year's grading cycle for many branches: time per branch and where it goes.

    .venv/bin/python bench/cycle_start.py [--database sqlite|URL] [--branches 1000] [--profile]

Generated data (bench/inbox.py's tree: a company, units of about 300 branches, a secretary per
branch) plus an organisation-department account at the company; the shipped grading models are
deployed by the command path. Then ``start_cycle`` for the whole company, once, timed; and as the
baseline in the same run, the bare engine: SpiffWorkflow starting the same ``grading_cycle`` spec
to its first task and serialising it, as many times, without the database. Targets (issue 12):
1,000 branches within 3 s. Nothing is asserted; the figures are for reading.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbox import Loader
from inbox import _grant
from inbox import _user
from inbox import database
from inbox import load_tree
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import create_app
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.migrate import upgrade
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.serializer import load_specs
from app.extensions import db
from app.grading.cycle.start import start_cycle
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.workflow.commands import deploy_definitions
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from config import TestConfig

MODELS = (
    "grading_cycle.bpmn",
    "level_decision.bpmn",
    "level_score_band.dmn",
    "level_transition.dmn",
)


def prepare(url: str, workdir: Path, branches: int):
    settings = TestConfig(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "BRANCHFLOW_INSTANCE_DIR": str(workdir)}
    )
    app = create_app(settings)
    with app.app_context():
        upgrade()
        sources = {name: (ROOT / "processes/grading" / name).read_bytes() for name in MODELS}
        run(deploy_definitions, actor=SYSTEM, sources=sources)
        engine = db.engines.write
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as connection:
        loader = Loader(connection)
        tree = load_tree(loader, branches, now)
        user_id = loader.next_id(User.__table__)
        loader.load(User.__table__, [_user(user_id, "orgdept", generate_password_hash("x"), now)])
        company = tree.units[0] - 1
        loader.load(RoleAssignment.__table__, [_grant(user_id, "company_org_dept", company, now)])
        for table in (User.__table__, RoleAssignment.__table__):
            loader.reset_sequence(table)
    return app, Actor(user_id=user_id, login="orgdept", source="bench")


def bare_engine(app, count: int) -> float:
    """Seconds for the library alone to start ``count`` grading-cycle instances and dump them."""
    with app.app_context():
        spec_json = db.session.scalar(
            select(ProcessDefinition.spec_json).where(
                ProcessDefinition.process_key == "grading_cycle"
            )
        )
    specs = load_specs(spec_json)
    runtime = Runtime(lambda: datetime.now(UTC), Limits(cpu_seconds=30), run_budget=30)
    data = {"cycle_year": 2026, "current_level": "basic", "declared_target": None}
    started = time.perf_counter()
    for _ in range(count):
        runtime.start(specs, dict(data)).dump()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with database(args.database, workdir, keep=False) as url:
            app, actor = prepare(url, workdir, args.branches)
            profiler = cProfile.Profile() if args.profile else None
            with app.app_context():
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                run(start_cycle, actor=actor, year=2026, scope_code="BX")
                if profiler:
                    profiler.disable()
                elapsed = time.perf_counter() - started
                started_count = db.session.scalar(select(func.count()).select_from(ProcessInstance))
            baseline = bare_engine(app, args.branches)
            per = elapsed / args.branches * 1000
            print(f"database: {app.config['DATABASE_URL'].split('://')[0]}")
            print(
                f"start_cycle, {started_count} instances: {elapsed:.2f} s ({per:.2f} ms a branch)"
            )
            print(
                f"bare engine start + dump, as many: {baseline:.2f} s "
                f"({baseline / args.branches * 1000:.2f} ms each); ratio {elapsed / baseline:.2f}x"
            )
            target = 3.0 * args.branches / 1000
            print(f"target: {target:.1f} s for {args.branches} branches (3 s per 1,000)")
            if profiler:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()

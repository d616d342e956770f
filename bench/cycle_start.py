"""Starting the year's grading cycle for many branches: time per branch and where it goes.

    .venv/bin/python bench/cycle_start.py [--database sqlite|URL] [--branches 1000] [--chunked]
                                          [--statements] [--profile]

Generated data (bench/inbox.py's tree: a company, units of about 300 branches, a secretary per
branch) plus an organisation-department account at the company; the shipped grading models are
deployed by the command path. Then ``start_cycle`` for the whole company, once, timed; and as the
baseline in the same run, the bare engine: SpiffWorkflow starting the same ``grading_cycle`` spec
to its first task and serialising it, as many times, without the database. Targets (issue 12):
1,000 branches within 3 s, 20,000 within 60 s. Nothing is asserted; the figures are for reading.

``--chunked`` starts as the page and the worker do: ``open_cycle``, then ``start_next_branches``
of CHUNK branches, each its own transaction (the total, and the longest transaction, which must
stay within 5 s). ``--statements`` counts the SQL statements of the start by kind (an executemany
or a batched INSERT counts once: one round trip). Use ``--chunked`` for 20,000 branches.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
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
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.engine import Engine
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
from app.grading.cycle.start import open_cycle
from app.grading.cycle.start import start_cycle
from app.grading.cycle.start import start_next_branches
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


@contextmanager
def counted(counts: Counter[str] | None) -> Iterator[None]:
    """Count the statements sent meanwhile by their first words and table (when ``counts``)."""

    def count(_conn, _cursor, statement: str, *_args) -> None:
        words = re.sub(r"\s+", " ", statement).strip()
        match = re.match(r"(SELECT .*? FROM \S+|INSERT INTO \S+|UPDATE \S+|DELETE FROM \S+)", words)
        counts[match.group(1)[:70] if match else words[:40]] += 1

    if counts is not None:
        event.listen(Engine, "before_cursor_execute", count)
    try:
        yield
    finally:
        if counts is not None:
            event.remove(Engine, "before_cursor_execute", count)


def start_in_one(actor: Actor) -> list[float]:
    """The whole start in one transaction (``start_cycle``); its time, as a one-item list."""
    started = time.perf_counter()
    run(start_cycle, actor=actor, year=2026, scope_code="BX")
    return [time.perf_counter() - started]


def start_in_chunks(actor: Actor) -> list[float]:
    """Open the cycle, then start CHUNK branches a transaction; each transaction's time."""
    started = time.perf_counter()
    cycle_id = run(open_cycle, actor=actor, year=2026, scope_code="BX")
    times, remaining = [time.perf_counter() - started], 1
    while remaining:
        started = time.perf_counter()
        remaining = run(start_next_branches, actor=actor, cycle_id=cycle_id)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--chunked", action="store_true", help="a transaction per chunk")
    parser.add_argument("--statements", action="store_true", help="count the SQL statements")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with database(args.database, workdir, keep=False) as url:
            app, actor = prepare(url, workdir, args.branches)
            profiler = cProfile.Profile() if args.profile else None
            counts: Counter[str] | None = Counter() if args.statements else None
            with app.app_context(), counted(counts):
                if profiler:
                    profiler.enable()
                times = (start_in_chunks if args.chunked else start_in_one)(actor)
                if profiler:
                    profiler.disable()
            with app.app_context():
                started_count = db.session.scalar(select(func.count()).select_from(ProcessInstance))
            elapsed = sum(times)
            baseline = bare_engine(app, args.branches)
            per = elapsed / args.branches * 1000
            print(f"database: {app.config['DATABASE_URL'].split('://')[0]}")
            how = f"in {len(times)} transactions" if args.chunked else "in one transaction"
            print(
                f"cycle start {how}, {started_count} instances: {elapsed:.2f} s "
                f"({per:.2f} ms a branch)"
            )
            if args.chunked:
                print(f"longest transaction: {max(times):.2f} s (at most 5 s)")
            print(
                f"bare engine start + dump, as many: {baseline:.2f} s "
                f"({baseline / args.branches * 1000:.2f} ms each); ratio {elapsed / baseline:.2f}x"
            )
            target = 3.0 * args.branches / 1000 if args.branches <= 1000 else 60.0
            print(
                f"target: {target:.1f} s for {args.branches} branches (3 s per 1,000; 60 s for 20,000)"
            )
            if counts is not None:
                print(f"statements: {sum(counts.values())}")
                for kind, n in counts.most_common(15):
                    print(f"{n:8d}  {kind}")
            if profiler:
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(r"/app/", 40)
                stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()

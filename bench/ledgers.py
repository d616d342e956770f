"""Building a branch's ledgers for a year: time and SQL statements per ledger, against the
obvious way of reading the same records.

    .venv/bin/python bench/ledgers.py [--runs 20]

Data: the demo enterprise and its year of 三会一课 history (``flask demo load``), into a
temporary SQLite database, at the tests' frozen clock. For each ledger of the demo branch, the median
of ``--runs`` builds of ``ledger_table`` and its statement count; as the baseline in the same run,
the obvious way: the instance's answers read one instance at a time (``earlier_answers``) and, for
the attendance register, the rolls read one meeting at a time (``roster_options``), names one row
at a time. Nothing is asserted; the figures are for reading.

Then the roll-up: every branch of the units ``--units`` (two oil units: 30 branches) is given a
year of themed party days and (where it has a committee) committee meetings through the demo's
own commands. Each ledger is then built as a unit's page builds it, for the first unit (its 15
branches) and for the company above (every branch: the 30 with records and the rest), and, in the
same run, as the demo branch's page. Printed: the medians and statement counts, and the ratio
roll-up / branch. A roll-up read a query per branch would show statements growing with the
branches; they stay the same, and the time grows with the rows, not the branches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.engine import Engine

from app import create_app
from app.core import clock
from app.core.clock import FrozenClock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.migrate import upgrade
from app.demo.enterprise import load_demo_data
from app.demo.history import _month_start
from app.demo.history import load_demo_history
from app.demo.meetings import committee_meeting
from app.demo.themed_days import themed_party_day
from app.extensions import db
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.ledgers.registry import all_ledgers
from app.ledgers.table import kept_below
from app.ledgers.table import ledger_table
from app.workflow import roster
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from config import TestConfig

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
BRANCH = "HH01-01"
SEED = 20261123


@contextmanager
def counted() -> Iterator[list[int]]:
    count = [0]

    def one(*_args: object) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", one)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", one)


def timed(action: Callable[[], object], runs: int) -> tuple[float, int]:
    """Median milliseconds of ``runs`` calls, and the statements of one call."""
    times = []
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    with counted() as count:
        db.session.expire_all()
        action()
    return statistics.median(times), count[0]


def one_at_a_time(ledger, branch: OrgUnit) -> None:
    """The baseline: a query per instance for its answers, per meeting for its rolls, per name."""
    ids = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.org_unit_id == branch.id,
            ProcessInstance.process_key.in_(ledger.process_keys),
        )
    ).all()
    for instance_id in ids:
        data = earlier_answers(db.session, instance_id)
        moment = data.get("meeting_at") or data.get("lecture_at")
        if moment and ledger.key == "attendance_register":
            day = datetime.fromisoformat(moment).date()
            rule = "committee" if "attendance" in data else "members"
            roster.roster_options(db.session, roster.RosterQuestion(rule, branch, day))
        for person in (data.get("attendance") or data.get("attendees") or {}).get("present", []):
            db.session.get(Person, person)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--units", default="HH01,HH02")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/bench.db"
        settings = TestConfig(
            {"DATABASE_URL": url, "SECRET_KEY": "bench", "BRANCHFLOW_INSTANCE_DIR": workdir}
        )
        app = create_app(settings, clock=FrozenClock(NOW))
        with app.app_context():
            upgrade()
            run(load_demo_data, actor=SYSTEM, seed=SEED)
            sources = read_model_files([ROOT / "processes"], root=ROOT / "processes")
            run(deploy_definitions, actor=SYSTEM, sources=sources)
            load_demo_history(SEED)
            db.session.rollback()
            branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == BRANCH)).one()
            zone = clock.local_zone()
            print(f"{BRANCH}, {NOW.year}, median of {args.runs} runs")
            print(
                f"{'ledger':28} {'rows':>5} {'ms':>8} {'stmts':>6} {'base ms':>8} "
                f"{'stmts':>6} {'ratio':>6}"
            )
            for ledger in all_ledgers().values():
                table = ledger_table(db.session, ledger, branch, NOW.year, zone, "zh")
                ms, statements = timed(
                    lambda ledger=ledger: ledger_table(
                        db.session, ledger, branch, NOW.year, zone, "zh"
                    ),
                    args.runs,
                )
                base_ms, base_statements = timed(
                    lambda ledger=ledger: one_at_a_time(ledger, branch), args.runs
                )
                print(
                    f"{ledger.key:28} {len(table.rows):5d} {ms:8.1f} {statements:6d} "
                    f"{base_ms:8.1f} {base_statements:6d} {base_ms / ms:6.2f}"
                )
            rollups(branch, args)


def fill_units(codes: list[str]) -> int:
    """A year of themed party days and committee meetings at every branch of these units,
    through the demo's commands (a branch without a committee or a secretary keeps what it
    could hold); how many branches hold records."""
    zone, today = clock.local_zone(), clock.local_today()
    months = [_month_start(today, back) for back in range(11, 0, -1)]
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.code.in_(codes))).all()
    branches = db.session.scalars(
        select(OrgUnit.code)
        .where(
            or_(*(OrgUnit.path.startswith(u.path) for u in units)),
            OrgUnit.kind == OrgKind.BRANCH,
        )
        .order_by(OrgUnit.path)
    ).all()
    filled = 0
    for code in branches:
        held = code == BRANCH  # the demo history's own
        for month in months if code != BRANCH else ():
            for hold in (themed_party_day, committee_meeting):
                try:
                    hold(code, month, rng, zone)
                    held = True
                except Exception:  # noqa: BLE001 - a branch without the role keeps what it held
                    db.session.rollback()
        filled += held
    return filled


def rollups(branch: OrgUnit, args: argparse.Namespace) -> None:
    codes = args.units.split(",")
    filled = fill_units(codes)
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == codes[0])).one()
    company = db.session.get(OrgUnit, unit.parent_id)
    zone = clock.local_zone()
    print(f"\nroll-ups: {filled} branches with records ({args.units}), median of {args.runs}")
    print(
        f"{'ledger':28} {'at':6} {'orgs':>5} {'rows':>5} {'ms':>8} {'stmts':>6} "
        f"{'branch':>6} {'ms':>8} {'stmts':>6} {'ratio':>6}"
    )
    for ledger in all_ledgers().values():
        if branch.kind.value not in ledger.org_kinds:
            continue
        own = len(ledger_table(db.session, ledger, branch, NOW.year, zone, "zh").rows)
        branch_ms, branch_statements = timed(
            lambda ledger=ledger: ledger_table(db.session, ledger, branch, NOW.year, zone, "zh"),
            args.runs,
        )
        for org in (unit, company):
            below = len(kept_below(db.session, ledger, org))
            rows = len(ledger_table(db.session, ledger, org, NOW.year, zone, "zh").rows)
            ms, statements = timed(
                lambda ledger=ledger, org=org: ledger_table(
                    db.session, ledger, org, NOW.year, zone, "zh"
                ),
                args.runs,
            )
            print(
                f"{ledger.key:28} {org.code:6} {below:5d} {rows:5d} {ms:8.1f} {statements:6d} "
                f"{own:6d} {branch_ms:8.1f} {branch_statements:6d} {ms / branch_ms:6.2f}"
            )


if __name__ == "__main__":
    main()

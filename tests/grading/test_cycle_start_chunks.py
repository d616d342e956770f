"""A grading cycle for many branches is started in chunks, each its own transaction: the page
shows how far the start has come, the worker starts the rest, and the command line resumes a
start interrupted half-way (app/grading/cycle/start.py, issue 12)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.cycle.start import cycles_still_starting
from app.grading.cycle.start import open_cycle
from app.grading.cycle.start import start_next_branches
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under
from app.worker import run_once
from tests.plugins.demo import holder_at


def _started(cycle_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(CycleBranch).where(CycleBranch.cycle_id == cycle_id)
    )


def test_a_start_in_chunks_shows_its_progress_and_the_worker_finishes_it(demo, client, login):
    department = holder_at("HH", "company_org_dept")
    cycle_id = run(open_cycle, actor=department, year=2026, scope_code="HH")
    root = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH")).one()
    planned = len(list_branches_under(db.session, root))
    remaining = run(start_next_branches, actor=department, cycle_id=cycle_id, limit=10)
    assert (remaining, _started(cycle_id)) == (planned - 10, 10)
    assert cycles_still_starting(db.session) == [cycle_id]

    login(department.login, "demo123456")
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert f"已为 {planned} 个党支部中的 10 个发起" in page

    run_once()  # one chunk of up to 500: the rest of the demo's branches
    assert _started(cycle_id) == planned
    assert cycles_still_starting(db.session) == []
    assert run(start_next_branches, actor=department, cycle_id=cycle_id) == 0  # nothing twice


def test_the_command_line_resumes_an_interrupted_start(app, demo):
    department = holder_at("HH", "company_org_dept")
    cycle_id = run(open_cycle, actor=department, year=2026, scope_code="HH01")
    run(start_next_branches, actor=department, cycle_id=cycle_id, limit=3)  # then interrupted
    result = app.test_cli_runner().invoke(
        args=["grading", "start-cycle", "2026", "--scope", "HH01", "--chunk", "4"]
    )
    assert result.exit_code == 0, result.output
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    assert _started(cycle_id) == len(list_branches_under(db.session, unit))
    assert f"grading cycle {cycle_id} of 2026" in result.output


def test_a_branch_gone_since_the_cycle_opened_does_not_leave_it_starting_for_ever(demo):
    department = holder_at("HH", "company_org_dept")
    cycle_id = run(open_cycle, actor=department, year=2026, scope_code="HH01")
    db.session.rollback()
    cycle = db.session.get(GradingCycle, cycle_id)
    cycle.branches_planned += 1  # as if one branch was dissolved after the cycle opened
    db.session.commit()
    assert run(start_next_branches, actor=department, cycle_id=cycle_id) == 0
    assert cycles_still_starting(db.session) == []

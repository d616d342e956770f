"""``flask grading start-cycle YEAR``: the year's cycle for every branch of a unit from the command
line; a second start for the same branches is refused with a message and changes nothing."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under


def test_the_cli_starts_the_cycle_for_every_branch_of_the_unit_once(app, demo):
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    branches = len(list_branches_under(db.session, unit))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["grading", "start-cycle", "2026", "--scope", "HH01"])
    assert result.exit_code == 0, result.output
    assert f"{branches} branches started" in result.output
    assert db.session.scalar(select(func.count()).select_from(CycleBranch)) == branches

    again = runner.invoke(args=["grading", "start-cycle", "2026"])  # the company includes HH01
    assert again.exit_code == 1
    assert "2026" in again.output
    assert db.session.scalar(select(func.count()).select_from(GradingCycle)) == 1

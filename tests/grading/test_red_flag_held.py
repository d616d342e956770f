""" "Held 红旗 for a cycle" counts from the decision that awarded it (issue 17): a 红旗 decided in
the company's January–March acceptance counts for the next cycle, so the branch may reach 示范
then, not a year later; one recorded late in the year has not been held for a cycle yet."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.identity.models import OrgUnit
from app.levels.commands import write_level
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.grading.test_cycle import actor

PROCESSES = ROOT / "processes"


@pytest.fixture
def tree(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(deploy_definitions, actor=SYSTEM, sources=read_model_files([PROCESSES], root=PROCESSES))
    make_user("orgdept", name="组织部王芳")
    grant("orgdept", "company_org_dept", tree.company)
    return tree


def _decide(code: str, level: str, day: date) -> None:
    run(
        write_level,
        actor=SYSTEM,
        branch_code=code,
        level=level,
        decided_on=day,
        decided_by="公司党委决定",
    )


def _held_cycles_at_start(tree) -> dict[str, int]:
    cycle_id = run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.company)
    rows = db.session.execute(
        select(OrgUnit.code, ProcessInstance.state_json)
        .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
        .join(ProcessInstance, ProcessInstance.id == CycleBranch.instance_id)
        .where(CycleBranch.cycle_id == cycle_id)
    ).all()
    held = {}
    for code, state in rows:
        tasks = json.loads(state)["tasks"].values()
        start = next(t["data"] for t in tasks if t["data"].get("cycle_year") == 2026)
        held[code] = start["held_red_flag_cycles"]
    return held


def test_red_flag_from_the_acceptance_window_counts_for_the_next_cycle(tree):
    _decide("U1-B1", "standardised", date(2025, 2, 20))
    _decide("U1-B1", "red_flag", date(2026, 2, 26))  # cycle 2025's acceptance, in February
    _decide("U1-B2", "standardised", date(2025, 2, 20))
    _decide("U1-B2", "red_flag", date(2026, 10, 9))  # recorded late in 2026: not a cycle yet
    held = _held_cycles_at_start(tree)
    assert held == {"U1-B1": 1, "U1-B2": 0, "U2-B1": 0}

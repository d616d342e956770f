"""Criteria measured from the procedures' records (app/grading/cycle/measured.py) start the
self-assessment: C05 from the committee meetings, C12 from 三会一课, C16 from rectifications
closed late, C19 from the brand registry; the branch changes them only with a reason."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.analysis.screening import screen
from app.grading.cycle.measured import measured_criteria
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under
from app.worker import run_once
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_grading_cycle import _hold_committee_meeting
from tests.processes.test_supervision import SCORES_88
from tests.processes.test_supervision import _findings
from tests.processes.test_supervision import _start as _start_supervision
from tests.processes.test_supervision import _supervise


def _measure(year: int) -> dict[str, dict[str, float | None]]:
    """Branch code → measured values of the unit HH01's branches for ``year``, as of now."""
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    branches = list_branches_under(db.session, unit)
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=branches,
        year=year,
        rubric=current_rubric(db.session).rubric,
    )
    return {b.code: found[b.id] for b in branches}


def test_records_give_c05_c12_c16_and_c19(demo, clock):
    _hold_committee_meeting(demo)  # November's committee meeting held
    supervision = _start_supervision(demo)
    _supervise(supervision, SCORES_88, findings=_findings(demo))
    clock.advance(days=31)  # the 30-day rectification deadline passes, nothing closed
    run_once()
    measured = _measure(2026)
    ours = measured[demo.branch.code]
    assert ours == {
        "measured_C01": None,  # secretary in post, no election recorded here yet
        "measured_C04": 4.0,  # term running, every post held
        "measured_C05": 4.0,  # November held; December still running
        "measured_C08": None,  # no study hours recorded in the system yet
        "measured_C09": None,  # no dues round recorded
        "measured_C10": None,  # no development step recorded this year
        "measured_C11": None,  # no 一带二 pairing this year
        "measured_C12": 7.0,
        "measured_C13": None,  # no themed party day month judged yet (in use since November)
        "measured_C14": None,  # the year of the organisational-life meeting is still open
        "measured_C15": None,  # the talks' coverage not reviewed yet
        "measured_C16": 3.0,  # 4 less 1 for the finding closed late
        "measured_C18": None,  # no ledger self-check recorded
        "measured_C19": 0.0,  # no brand
        "measured_C03": None,  # no secretary's report graded
        "measured_C17": None,  # no venue verified
    }
    other = next(v for code, v in measured.items() if code != demo.branch.code)
    # Nothing judged yet (the procedures came in use this November), no findings: not measured.
    assert (other["measured_C05"], other["measured_C16"]) == (None, None)

    clock.advance(days=70)  # early March 2027: January and February passed without a meeting
    assert _measure(2027)[demo.branch.code]["measured_C05"] == 3.0  # 4 less 2 × 0.5


def test_the_self_assessment_starts_from_them_and_changes_only_with_a_reason(demo, clock):
    supervision = _start_supervision(demo)
    _supervise(supervision, SCORES_88, findings=_findings(demo))
    clock.advance(days=31)
    run_once()
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    instance_id = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    started = json.loads(db.session.get(ProcessInstance, instance_id).state_json)
    assert "measured_C16" in json.dumps(started)
    task = open_task(instance_id)
    secretary = holder_at(demo.branch.code, "branch_secretary")
    data: dict = {"C16": 4, "C16_note": "已整改"}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "self_assessment", data)
    assert refused.value.field_errors["C16_change_reason"].startswith("办理记录为 3.0")
    assert open_task(instance_id).id == task.id  # nothing changed


def test_the_screening_counts_open_and_overdue_rectifications(demo, clock):
    supervision = _start_supervision(demo)
    _supervise(supervision, SCORES_88, findings=_findings(demo))
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()

    def counted() -> tuple[int, int]:
        rows = screen(db.session, [unit], 2026, clock.now().date(), clock.now()).rows
        row = next(r for r in rows if r.branch.id == demo.branch.id)
        return (row.open_rectifications, row.overdue_rectifications)

    assert counted() == (1, 0)  # the rectification step is open, its 30 days running
    clock.advance(days=31)
    assert counted() == (1, 1)  # past its deadline, before the worker's next round
    run_once()  # the deadline timer closes the step: nothing open any more
    assert counted() == (0, 0)

"""The demo year's venue check and secretary's reports at the showcase branch (app/demo/venues.py):
what a newcomer finds waiting, and criteria C03 and C17 measured from it."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.plugins.demo import instance_data


def _instances(branch_id: int, key: str) -> list[ProcessInstance]:
    return list(
        db.session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.org_unit_id == branch_id, ProcessInstance.process_key == key)
            .order_by(ProcessInstance.id)
        )
    )


def _open_steps(instance_id: int) -> list[tuple[str, str]]:
    return [
        (t.element_id, t.candidate_role)
        for t in db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    ]


def test_the_demo_has_a_rectification_waiting_and_this_years_report_due(demo_year):
    branch = demo_year.branch
    (venue,) = _instances(branch.id, "venue_standard_maintenance")
    assert _open_steps(venue.id) == [("rectification", "propaganda_member")]
    assert instance_data(venue.id)["venue_result"]["missing"] == ["pairing_cards"]

    last_year, this_year = _instances(branch.id, "secretary_annual_report_appraisal")
    assert last_year.status is InstanceStatus.COMPLETED
    assert instance_data(last_year.id)["appraisal_result"]["grade"] == "fairly_good"
    assert _open_steps(this_year.id) == [("write_report", "branch_secretary")]

    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[branch],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )[branch.id]
    assert found["measured_C03"] == 4.0  # last year's 较好 until this year's is graded
    assert found["measured_C17"] == 3.7  # nine items and the home

    # The venue ledger lists the check in progress with the missing item by its name.
    ledger = parse_ledger(
        "venue_checklist", (ROOT / "ledgers" / "venue_checklist.json").read_bytes()
    )
    (row,) = ledger_table(db.session, ledger, branch, 2026, clock.local_zone(), "zh").rows
    assert row.cells[2] == "联系帮带卡"

"""C09's hook for the other helpers' deductions (transfers overdue, lost-contact members not
sought): each counter's cases cost their points, on top of the dues part, floored at 0."""

from __future__ import annotations

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle import measured
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit


def _c09(branch_id: int) -> float | None:
    found = run(
        measured.measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, branch_id)],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch_id]["measured_C09"]


def test_each_counted_case_costs_its_points(demo, monkeypatch):
    branch_id = demo.branch.id
    assert _c09(branch_id) is None  # no dues round, no counter: nothing measured

    def overdue_transfers(session, branch_ids, year):
        return {branch_id: 1}

    def unsought_lost_contacts(session, branch_ids, year):
        return {branch_id: 2}

    deductions = ((overdue_transfers, 1.0), (unsought_lost_contacts, 1.0))
    monkeypatch.setattr(measured, "C09_DEDUCTIONS", deductions)
    assert _c09(branch_id) == 2.0  # 5 less 1 transfer and 2 lost-contact members
    monkeypatch.setattr(measured, "C09_DEDUCTIONS", ((unsought_lost_contacts, 3.0),))
    assert _c09(branch_id) == 0.0  # never below nothing

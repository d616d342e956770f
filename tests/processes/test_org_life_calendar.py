"""The yearly democratic appraisal and heart-to-heart talks on the compliance calendar (a reminder
before the year ends, a missed-procedure task after it), and criterion C14 measured from whether
the organisational-life meeting and the appraisal were held in the year."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.meetings.commands import check_meeting_schedule
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import missed_procedures
from tests.processes.test_democratic_appraisal_of_members import _assembly
from tests.processes.test_democratic_appraisal_of_members import _grades
from tests.processes.test_democratic_appraisal_of_members import _members
from tests.processes.test_democratic_appraisal_of_members import _to_grading


def _measured_c14(branch_id: int, year: int) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, branch_id)],
        year=year,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch_id]["measured_C14"]


def _appraise(demo) -> None:
    """An appraisal whose assembly decides the grades now (the clock's day)."""
    members = _members(demo)
    scope = [p for p, _ in members]
    instance_id = _to_grading(demo, members)
    complete_step(
        demo.holder("branch_committee"), instance_id, "grade_decision", {"grades": _grades(scope)}
    )
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_decision", _assembly(demo))


def test_the_calendar_asks_for_both_yearly_and_gives_tasks_when_a_year_had_none(demo, clock):
    secretary = demo.holder("branch_secretary")
    clock.set(datetime(2027, 12, 26, 2, 0, tzinfo=UTC))  # the last week of 2027
    while run(check_meeting_schedule, actor=SYSTEM):
        pass
    reminders = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.kind == "reminder"
        )
    ).all()
    # Carried out, not convened: neither is a meeting 召开.
    assert "2027年尚未开展民主评议党员（2027-12-31 截止）" in reminders
    assert "2027年尚未开展谈心谈话（2027-12-31 截止）" in reminders
    assert not any("召开谈心谈话" in r or "召开民主评议" in r for r in reminders)
    clock.set(datetime(2028, 1, 2, 2, 0, tzinfo=UTC))
    missed = missed_procedures(demo.branch.id)
    assert "民主评议党员 2027年" in missed
    assert "谈心谈话 2027年" in missed


def test_c14_gives_half_its_points_for_the_appraisal_held_without_the_meeting(demo, clock):
    branch_id = demo.branch.id
    assert _measured_c14(branch_id, 2026) is None  # the year is still open
    clock.set(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    _appraise(demo)  # decided in March 2027
    assert _measured_c14(branch_id, 2027) is None  # 2027 is not over: the meeting may follow
    clock.set(datetime(2028, 1, 2, 2, 0, tzinfo=UTC))
    assert _measured_c14(branch_id, 2027) == 3.0  # appraisal held, no organisational-life meeting


def test_a_member_does_not_open_the_talks_nor_the_appraisal(demo):
    member = _members(demo)[0][1]
    with pytest.raises((Forbidden, NotFound)):
        run(
            commands.start_instance,
            actor=member,
            process_key="heart_to_heart_talks",
            org_code=demo.branch.code,
        )
    with pytest.raises((Forbidden, NotFound)):
        run(
            commands.start_instance,
            actor=member,
            process_key="democratic_appraisal_of_members",
            org_code=demo.branch.code,
        )
    assert not db.session.scalars(select(ProcessInstance.id)).all()  # nothing started

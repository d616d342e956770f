"""A member away on leave from a committee or party-group meeting, the reason in the minutes,
loses no points for it; one missing without a reason does (the scheme's unexcused absence)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.identity.models import OrgUnit
from app.members.points.facts import gather
from app.members.points.versions import current_scheme
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of

TODAY = date(2026, 11, 23)
MEETINGS = ("branch_committee_meeting", "party_group_meeting")


def test_an_absence_on_leave_costs_no_points_and_one_without_a_reason_does(demo_year):
    branch = db.session.get(OrgUnit, demo_year.branch.id)
    events = gather(db.session, current_scheme(db.session), branch, 2026, TODAY)
    unexcused = {(e.instance_id, e.person) for e in events if e.item == "unexcused_absence"}
    meetings = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key.in_(MEETINGS),
            ProcessInstance.org_unit_id == branch.id,
            ProcessInstance.status == InstanceStatus.COMPLETED,
        )
    ).all()
    answers = answers_of(db.session, list(meetings))
    on_leave = [
        (meeting, away["person"])
        for meeting, data in answers.items()
        for away in data.get("absentees") or ()
    ]
    assert on_leave, "the demo year has members away on leave, the reason in the minutes"
    assert not unexcused & set(on_leave)
    assert unexcused, "and members missing without a reason, who lose points for it"

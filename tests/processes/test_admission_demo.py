"""The demo history leaves admissions of probationary members waiting, so that a newcomer finds
work: the showcase branch's secretary records the assembly's vote, and the unit's organisation
department has a pre-review the 5 working days of notice do not yet allow."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.identity.models import OrgUnit
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.timing_rules import timing_rules
from app.workflow.timing_rules import waiting_for
from tests.conftest import TEST_NOW


def _waiting(code: str) -> HumanTask:
    (task,) = db.session.scalars(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(
            ProcessInstance.process_key == "probationary_member_admission",
            OrgUnit.code == code,
            HumanTask.state == HumanTaskState.READY,
        )
    )
    return task


def test_the_demo_leaves_an_assembly_vote_and_a_pre_review_waiting(demo_year):
    vote = _waiting("HH01-01")
    assert (vote.element_id, vote.candidate_role) == ("assembly_vote", "branch_assembly")
    assert waiting_for(db.session, vote.id, TEST_NOW) is None  # the secretary may record it now
    pre_review = _waiting("HH01-02")
    assert (pre_review.element_id, pre_review.candidate_role) == (
        "upper_pre_review",
        "unit_org_reviewer",
    )
    announced = TEST_NOW.date() - timedelta(days=1)  # yesterday: the notice has just begun
    day = timing_rules()["admission_publicity"].earliest(str(announced))
    assert day > TEST_NOW.date()
    assert day.isoformat() in (waiting_for(db.session, pre_review.id, TEST_NOW) or "")

"""支委补选 at the demo branch, through the commands: a post vacant four months is flagged in the
rubric's C04 (and a secretary's in C01), the committee asks, the unit names the candidates, the
assembly elects (a ballot electing no one is held again), and when the unit approves the winner
holds the vacant post and a committee seat."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.grading.cycle.measured_committee import measured_committee
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.branches.election_steps import ASSEMBLY_AT
from tests.branches.election_steps import TODAY
from tests.branches.election_steps import ballots
from tests.branches.election_steps import document
from tests.branches.election_steps import logins
from tests.branches.election_steps import user_of
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

POINTS = {"C01": 4.0, "C04": 4.0}


def vacate(branch: OrgUnit, post: str, last_day: date) -> None:
    """A precondition: the post's holder left on ``last_day`` (transferred, say)."""
    db.session.rollback()
    for held in db.session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.org_unit_id == branch.id, RoleAssignment.role_code == post
        )
    ):
        held.valid_to = last_day
    db.session.commit()


def measured(branch: OrgUnit) -> dict:
    db.session.rollback()
    branch = db.session.get(OrgUnit, branch.id)
    return measured_committee(db.session, [branch], TODAY, POINTS)[branch.id]


def test_a_vacancy_is_flagged_and_the_by_election_fills_it(demo):
    branch = demo.branch
    assert measured(branch) == {"C01": None, "C04": 4.0}
    vacate(branch, "discipline_member", date(2026, 7, 20))
    assert measured(branch) == {"C01": None, "C04": 3.0}  # one post unfilled

    committee = demo.holder("branch_committee")
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="committee_by_election",
        org_code=branch.code,
    )
    request = {
        "vacant_post": "discipline_member",
        "vacant_since": "2026-07-21",
        "request_doc": document(committee, instance_id, "request_doc"),
    }
    complete_step(committee, instance_id, "request", request)
    reply = open_task(instance_id)
    assert (reply.element_id, reply.candidate_role) == ("upper_reply", "unit_party_committee")
    sitting = demo.people("committee", TODAY)
    full = demo.people("full_members", TODAY)
    first, second = [p for p in full if p not in sitting][:2]
    unit = holder_at("HH01", "unit_party_committee")
    answer = {
        "approved": True,
        "opinion": "同意补选",
        "candidates": [first, second],
        "assembly_at": ASSEMBLY_AT,
    }
    complete_step(unit, instance_id, "upper_reply", answer)

    assembly = demo.holder("branch_assembly")
    n = len(full)
    split = {first: n // 2, second: n - n // 2 - 1}  # neither has more than half
    vote = {"attendance": {"present": full}, "ballots": ballots(split), "minutes": "补选大会记录"}
    complete_step(assembly, instance_id, "by_election", vote)
    assert open_task(instance_id).element_id == "by_election"  # no one elected: vote again
    assert assembly.user_id in told_of_return(instance_id)
    vote["ballots"] = ballots({first: n // 2 + 1, second: n - n // 2 - 1})
    complete_step(assembly, instance_id, "by_election", vote)

    confirm = {"confirmed": True, "minutes": "确认当选人任纪检委员"}
    complete_step(committee, instance_id, "assign_role", confirm)
    assert logins("discipline_member", branch) == []  # not before the unit approves
    approval = {
        "approved": True,
        "opinion": "同意",
        "approval_doc": document(unit, instance_id, "approval_doc"),
    }
    complete_step(unit, instance_id, "report", approval)

    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert logins("discipline_member", branch) == [user_of(first).login]
    assert user_of(first).login in logins("branch_committee", branch)
    assert measured(branch) == {"C01": None, "C04": 4.0}


def test_a_secretary_vacant_over_three_months_costs_c01(demo):
    branch = demo.branch
    vacate(branch, "branch_secretary", date(2026, 7, 20))
    assert measured(branch) == {"C01": 2.0, "C04": 3.0}
    vacate(branch, "branch_secretary", date(2026, 9, 20))  # two months: not yet flagged
    assert measured(branch) == {"C01": 4.0, "C04": 3.0}

"""党支部设立、调整与撤销 through the commands: the demo branch whose committee is left with 6 full
members (the worker opened the procedure), a new branch set up at the unit, and a branch below 3
full members dissolved. Who may not act is refused and nothing changes."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.branches.models import BranchLineCrossing
from app.branches.models import BranchOrgDecision
from app.core.clock import local_zone
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.branches.test_branch_line_trigger import TODAY
from tests.branches.test_branch_line_trigger import at
from tests.branches.test_branch_line_trigger import branch
from tests.branches.test_branch_line_trigger import check
from tests.branches.test_branch_line_trigger import crossings_at
from tests.branches.test_branch_line_trigger import full_members
from tests.branches.test_branch_line_trigger import instances_at
from tests.branches.test_branch_line_trigger import line_branch
from tests.branches.test_branch_line_trigger import move
from tests.branches.test_branch_line_trigger import small_branch
from tests.branches.test_branch_line_trigger import start_data
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def proposal(change: str, **more) -> dict:
    return {
        "reason": "committee_undue",
        "change": change,
        "branch_name": "产能建设项目部党支部",
        "branch_type": "project_construction",
        "covered_units": "产能建设项目部",
        "effective_on": (TODAY + timedelta(days=20)).isoformat(),
        "basis": "支部工作条例第二章：正式党员不足7人的不设支部委员会",
        **more,
    }


def approve(instance_id: int, unit: str, number: str) -> None:
    committee = holder_at(unit, "unit_party_committee")
    (doc,) = run(
        store_uploads,
        actor=committee,
        task_id=open_task(instance_id, "decision").id,
        uploads=[Upload("decision_doc", "批复.pdf", PDF)],
    )["decision_doc"]
    answer = {"approved": True, "decision_no": number, "decision_doc": doc, "opinion": "同意"}
    complete_step(committee, instance_id, "decision", answer)


def decisions(instance_id: int) -> list[BranchOrgDecision]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(BranchOrgDecision).where(BranchOrgDecision.instance_id == instance_id)
        )
    )


def test_a_committee_left_with_six_full_members_is_ended_by_the_units_approval(demo_year, clock):
    code = line_branch()
    (instance,) = instances_at(code)
    reviewer = holder_at("HH01", "unit_org_reviewer")
    secretary = holder_at(code, "branch_secretary")
    # The form starts from what the check found: the branch as it is named and typed.
    found = start_data(instance.id)
    same = {"branch_name": found["branch_name"], "branch_type": found["branch_type"]}
    with pytest.raises((Forbidden, NotFound)):  # the branch's secretary does not propose
        complete_step(secretary, instance.id, "proposal", proposal("end_committee", **same))
    assert open_task(instance.id).element_id == "proposal"

    complete_step(reviewer, instance.id, "proposal", proposal("set_up_committee", **same))
    committee = holder_at("HH01", "unit_party_committee")
    # An approval needs the reply's number and document: refused, the task still open.
    task = open_task(instance.id)
    with pytest.raises(ValidationFailed):
        complete_step(committee, instance.id, "decision", {"approved": True, "opinion": "同意"})
    assert open_task(instance.id).id == task.id
    complete_step(
        committee,
        instance.id,
        "decision",
        {"approved": False, "opinion": "正式党员仅6人，应不再设支部委员会，请修改方案"},
    )
    assert open_task(instance.id).element_id == "proposal"
    assert reviewer.user_id in told_of_return(instance.id)

    complete_step(reviewer, instance.id, "proposal", proposal("end_committee", **same))
    approve(instance.id, "HH01", "采油一厂党委组〔2026〕12号")
    effective = TODAY + timedelta(days=20)
    complete_step(
        reviewer, instance.id, "execute", {"effective_on": effective.isoformat(), "done": True}
    )
    (decision,) = decisions(instance.id)
    assert (decision.change, decision.has_committee, decision.closed) == (
        "end_committee",
        False,
        False,
    )
    assert decision.effective_on == effective
    assert (branch(code).name, branch(code).branch_type.value) == (
        found["branch_name"],
        found["branch_type"],
    )
    check()  # not yet in force: the branch is still across the line
    assert crossings_at(code)[-1].cleared_on is None

    complete_step(
        reviewer,
        instance.id,
        "report_result",
        {"groups": "第一党小组：组长王某", "report": "不再设支部委员会，设书记、副书记各1名"},
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance.id).status is InstanceStatus.COMPLETED
    at(clock, effective)  # in force: the branch is within the lines, the crossing ends
    check()
    assert crossings_at(code)[-1].cleared_on == effective
    ledger = parse_ledger(
        "branch_setup_register", (ROOT / "ledgers" / "branch_setup_register.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, branch(code), effective.year, local_zone(), "zh")
    (row,) = table.rows
    assert "采油一厂党委组〔2026〕12号" in row.cells


def test_the_unit_sets_up_a_new_branch_in_the_organisation_tree(demo):
    reviewer = holder_at("HH01", "unit_org_reviewer")
    instance_id = run(
        commands.start_instance,
        actor=reviewer,
        process_key="branch_setup_adjustment",
        org_code="HH01",
    )
    new = proposal("establish", reason="new_unit", branch_name="页岩油示范区项目部党支部")
    with pytest.raises(ValidationFailed):  # a new branch needs its code
        complete_step(reviewer, instance_id, "proposal", new)
    assert open_task(instance_id).element_id == "proposal"
    complete_step(reviewer, instance_id, "proposal", new | {"new_code": "HH01-90"})
    approve(instance_id, "HH01", "采油一厂党委〔2026〕30号")
    complete_step(
        reviewer, instance_id, "execute", {"effective_on": TODAY.isoformat(), "done": True}
    )
    created = branch("HH01-90")
    assert (created.kind, created.name, created.parent.code) == (
        OrgKind.BRANCH,
        "页岩油示范区项目部党支部",
        "HH01",
    )
    assert created.branch_type is BranchType.PROJECT_CONSTRUCTION
    (decision,) = decisions(instance_id)
    assert (decision.branch_id, decision.created_branch_id) == (created.id, created.id)


def test_a_branch_below_three_is_dissolved_and_no_longer_checked(demo, clock):
    small, large = small_branch()
    day: date = TODAY
    while len(full_members(small, day)) > 2:
        move(full_members(small, day)[-1], large, day)
        day += timedelta(days=1)
        at(clock, day)
    check()
    (instance,) = instances_at(small)
    unit = branch(small).parent
    unit_code = unit.code if unit.kind is OrgKind.UNIT else unit.parent.code
    reviewer = holder_at(unit_code, "unit_org_reviewer")
    dissolve = proposal("dissolve", reason="below_three", effective_on=day.isoformat())
    complete_step(reviewer, instance.id, "proposal", dissolve)
    approve(instance.id, unit_code, "党委〔2026〕41号")
    complete_step(reviewer, instance.id, "execute", {"effective_on": day.isoformat(), "done": True})
    (decision,) = decisions(instance.id)
    assert decision.closed is True
    assert branch(small).kind is OrgKind.BRANCH  # recorded closed, never deleted

    day += timedelta(days=1)
    at(clock, day)
    assert check() == 0
    db.session.rollback()
    open_lines = db.session.scalars(
        select(BranchLineCrossing).where(
            BranchLineCrossing.branch_id == branch(small).id,
            BranchLineCrossing.cleared_on.is_(None),
        )
    ).all()
    assert open_lines == []


def test_seven_full_members_get_a_committee_and_the_branch_its_new_type(demo, clock):
    small, large = small_branch()
    day: date = TODAY
    while len(full_members(small, day)) < 7:
        move(full_members(large, day)[-1], small, day)
        day += timedelta(days=1)
        at(clock, day)
    check()
    (instance,) = instances_at(small)
    unit = branch(small).parent
    unit_code = unit.code if unit.kind is OrgKind.UNIT else unit.parent.code
    reviewer = holder_at(unit_code, "unit_org_reviewer")
    new_type = next(t for t in BranchType if t is not branch(small).branch_type)
    committee = proposal(
        "set_up_committee",
        reason="committee_due",
        branch_name=branch(small).name,
        branch_type=new_type.value,
        effective_on=day.isoformat(),
    )
    complete_step(reviewer, instance.id, "proposal", committee)
    approve(instance.id, unit_code, "党委〔2026〕44号")
    complete_step(reviewer, instance.id, "execute", {"effective_on": day.isoformat(), "done": True})
    (decision,) = decisions(instance.id)
    assert decision.has_committee is True
    assert branch(small).branch_type is new_type  # changed through identity's command

    check()  # a committee now: the branch is within the lines again
    assert crossings_at(small)[-1].cleared_on == day

"""处置不合格党员 through the commands at the demo branch: finding, investigation, the talk with the
member's own view, the committee's proposal, the unit's (and for a striking-off the company's)
pre-review, the general assembly's vote with the member's defence, the upper approval and the
announcement; a removal changes the member's status, a correction is reviewed at its end, a case
calling for party discipline stops, and the disposal file's rows are the records."""

from __future__ import annotations

from datetime import date

import pytest

from app.core import clock as app_clock
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task

DAY = "2026-11-23"


def _subject(demo) -> int:
    committee = set(demo.people("committee"))
    return [p for p in demo.people("full_members") if p not in committee][-2]


def _start_and_investigate(demo, member: int, needs_discipline: bool = False) -> int:
    committee = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="disqualified_member_disposal",
        org_code=demo.branch.code,
    )
    finding = {"member": member, "basis": "no_org_life_6m", "facts": "连续7个月未参加组织生活"}
    complete_step(committee, instance_id, "identify", finding)
    investigate = open_task(instance_id)
    assert (investigate.element_id, investigate.candidate_role) == (
        "investigate",
        "discipline_member",
    )
    findings = {
        "findings": "经核实，本人无正当理由不参加组织生活",
        "needs_discipline": needs_discipline,
    }
    with pytest.raises(Forbidden):  # the discipline member's step
        complete_step(demo.holder("member"), instance_id, "investigate", findings)
    complete_step(demo.holder("discipline_member"), instance_id, "investigate", findings)
    return instance_id


def _talk(demo, instance_id: int) -> None:
    full = demo.people("full_members", day=date(2026, 11, 23))
    talk = {"talked_on": DAY, "member_view": "本人承认错误，表示愿意改正"}
    org_member = demo.holder("org_member")
    with pytest.raises(ValidationFailed) as refused:  # two full members hold the talk
        complete_step(org_member, instance_id, "talk", talk | {"talkers": full[:1]})
    assert "talkers" in refused.value.field_errors
    complete_step(org_member, instance_id, "talk", talk | {"talkers": full[:2]})


def _assembly(demo, instance_id: int, passed: bool = True) -> None:
    full = demo.people("full_members", day=date(2026, 11, 23))
    votes_for = len(full) // 2 + 1 if passed else len(full) // 2
    vote = {
        "assembly_on": DAY,
        "attendance": {"present": full},
        "defence": "本人作了申辩",
        "tally": {"present": len(full), "for": votes_for, "against": 0, "abstain": 0},
        "resolution": "同意支部委员会的处置意见",
    }
    assembly = open_task(instance_id)
    assert (assembly.element_id, assembly.candidate_role) == ("assembly", "branch_assembly")
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly", vote)


def _status(person_id: int) -> PartyStatus:
    db.session.rollback()
    return db.session.get(Person, person_id).party_status


def _instance_status(instance_id: int) -> InstanceStatus:
    db.session.rollback()
    return db.session.get(ProcessInstance, instance_id).status


def test_a_striking_off_passes_both_pre_reviews_the_assembly_and_the_approval(demo):
    member = _subject(demo)
    committee = demo.holder("org_member")
    unit_reviewer = holder_at("HH01", "unit_org_reviewer")
    company = holder_at("HH", "company_org_dept")
    instance_id = _start_and_investigate(demo, member)
    _talk(demo, instance_id)
    proposal = {"disposal": "remove", "reasons": "连续7个月不参加组织生活，经教育仍不改正"}
    complete_step(committee, instance_id, "propose", proposal)

    pre = open_task(instance_id)
    assert (pre.element_id, pre.candidate_role) == ("unit_pre_review", "unit_org_reviewer")
    agreed = {"pre_agreed": True, "pre_opinion": "同意报公司组织部预审"}
    complete_step(unit_reviewer, instance_id, "unit_pre_review", agreed)
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("company_pre_review", "company_org_dept")
    returned = {"company_agreed": False, "company_opinion": "补充谈话材料"}
    complete_step(company, instance_id, "company_pre_review", returned)
    assert open_task(instance_id).element_id == "propose"  # back to the committee
    complete_step(committee, instance_id, "propose", proposal)
    complete_step(unit_reviewer, instance_id, "unit_pre_review", agreed)
    complete_step(
        company,
        instance_id,
        "company_pre_review",
        {"company_agreed": True, "company_opinion": "同意"},
    )
    _assembly(demo, instance_id)

    approval = open_task(instance_id)
    assert (approval.element_id, approval.candidate_role) == (
        "upper_approval",
        "unit_party_committee",
    )
    with pytest.raises(Forbidden):  # the branch does not approve its own removal
        complete_step(demo.holder("branch_secretary"), instance_id, "upper_approval", {})
    decision = {"approved": True, "decided_at": DAY, "decision_no": "采油一党字〔2026〕41号"}
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "upper_approval",
        decision | {"approval_opinion": "同意除名"},
    )
    assert _status(member) is PartyStatus.FULL  # not before it is announced
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "announce",
        {"announced_at": DAY, "announcement": "在支部党员大会上宣布"},
    )
    assert _status(member) is PartyStatus.REMOVED
    assert _instance_status(instance_id) is InstanceStatus.COMPLETED

    ledger = all_ledgers()["disposal_file"]
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    cells = dict(zip(table.headings, row.cells, strict=True))
    assert cells["党员"] == db.session.get(Person, member).name
    assert cells["处置方式"] == "除名"
    assert cells["本人意见"] == "本人承认错误，表示愿意改正"
    assert cells["批复文号"] == "采油一党字〔2026〕41号"


def test_a_correction_is_the_branch_s_decision_and_is_reviewed_when_its_period_ends(demo):
    member = _subject(demo)
    committee = demo.holder("org_member")
    instance_id = _start_and_investigate(demo, member)
    _talk(demo, instance_id)
    proposal = {
        "disposal": "correction",
        "correction_period": "P6M",
        "help_measures": "书记结对帮扶，每月谈心一次",
        "reasons": "本人认识到错误，给予限期改正",
    }
    complete_step(committee, instance_id, "propose", proposal)
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "unit_pre_review",
        {"pre_agreed": True, "pre_opinion": "同意"},
    )
    _assembly(demo, instance_id)  # no company pre-review, no upper approval
    assert open_task(instance_id).element_id == "announce"
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "announce",
        {"announced_at": DAY, "announcement": "当面宣布"},
    )
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("correction_review", "branch_committee")
    assert review.due_at.astimezone(app_clock.local_zone()).date() == date(2027, 5, 23)
    assert _status(member) is PartyStatus.FULL
    result = {"correction_result": "corrected", "correction_note": "按时参加组织生活"}
    complete_step(committee, instance_id, "correction_review", result)
    assert _instance_status(instance_id) is InstanceStatus.COMPLETED


def test_a_case_calling_for_party_discipline_is_not_disposed_of(demo):
    member = _subject(demo)
    instance_id = _start_and_investigate(demo, member, needs_discipline=True)
    assert _instance_status(instance_id) is InstanceStatus.COMPLETED
    assert _status(member) is PartyStatus.FULL


def test_a_proposal_the_assembly_does_not_pass_changes_nothing(demo):
    member = _subject(demo)
    instance_id = _start_and_investigate(demo, member)
    _talk(demo, instance_id)
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "propose",
        {"disposal": "persuade_out", "reasons": "经教育仍无转变"},
    )
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "unit_pre_review",
        {"pre_agreed": True, "pre_opinion": "同意"},
    )
    complete_step(
        holder_at("HH", "company_org_dept"),
        instance_id,
        "company_pre_review",
        {"company_agreed": True, "company_opinion": "同意"},
    )
    _assembly(demo, instance_id, passed=False)
    assert _instance_status(instance_id) is InstanceStatus.COMPLETED
    assert _status(member) is PartyStatus.FULL

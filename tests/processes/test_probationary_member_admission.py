"""预备党员的接收 (steps 12-18) through the commands at the demo branch, with the clock moved, not
slept: the committee reviews a development target, the notice runs 5 working days before the
unit may pre-review (refused before, with the rule and the day), a case returned at pre-review
goes back to the branch, the target fills in the application form in a task of their own, the
assembly is refused before the day after the pre-review and votes over the full members on the
roll that day less those excused with the upper organisation's approval, the unit talks and
approves, and only then is the person a probationary member from the assembly's day. A vote that
fails, or a committee that does not approve, changes no status; an approval after three months is
marked late. The dossier shows steps 12-18 and the register lists each admission."""

from __future__ import annotations

from datetime import date

import pytest

from app.core import clock as app_clock
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.members.dossier import dossier_rows
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import open_task
from tests.plugins.demo import status_roles
from tests.plugins.demo import told_of_return
from tests.processes.test_activist_selection_and_cultivation import as_actor
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_activist_selection_and_cultivation import refused_until
from tests.processes.test_membership_application_intake import PDF

NOTICE = "公示期一般为5个工作日"
CHAPTER_5 = "第五章"
ASSEMBLY_DAY = "2026-12-03"
PRE_REVIEW = {
    "pre_review_agreed": True,
    "pre_reviewed_on": "2026-12-01",
    "pre_review_opinion": "预审合格，发放入党志愿书",
    "form_no": "HH01-2026-017",
}


def _target(demo) -> int:
    """A development target on the demo branch's rolls (every demo branch has one)."""
    return demo.people("targets")[0]


def _full(demo, day: str = ASSEMBLY_DAY) -> list[int]:
    return demo.people("full_members", date.fromisoformat(day))


def _to_pre_review(demo, clock) -> tuple[int, int]:
    """(instance, person) of an admission whose notice began on Tuesday 24 Nov 2026."""
    at(clock, "2026-11-23")
    person_id = _target(demo)
    org_member = demo.holder("org_member")
    instance_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="probationary_member_admission",
        org_code=demo.branch.code,
    )
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("committee_review", "branch_committee")
    with pytest.raises(ValidationFailed) as refused:  # only a development target is reviewed
        complete_step(org_member, instance_id, "committee_review", _review(demo, _full(demo)[0]))
    assert "candidate" in refused.value.field_errors
    complete_step(org_member, instance_id, "committee_review", _review(demo, person_id))
    notice = {
        "publicity_start": "2026-11-24",
        "publicity_end": "2026-11-30",
        "publicity_place": "站务公开栏及党员微信群",
    }
    complete_step(org_member, instance_id, "publicity", notice)
    return instance_id, person_id


def _review(demo, person_id: int) -> dict:
    return {
        "candidate": person_id,
        "sponsors": _full(demo, "2026-11-23")[:2],
        "materials_complete": True,
        "agreed": True,
        "reviewed_on": "2026-11-23",
        "committee_opinion": "经审查，发展对象具备党员条件，材料齐全，同意报上级党委预审",
    }


def _to_assembly(demo, clock) -> tuple[int, int]:
    """(instance, person) pre-reviewed on 1 Dec 2026, the form filled in by the target."""
    instance_id, person_id = _to_pre_review(demo, clock)
    at(clock, "2026-12-01")
    complete_step(
        holder_at("HH01", "unit_org_reviewer"), instance_id, "upper_pre_review", PRE_REVIEW
    )
    _fill_form(instance_id, person_id)
    return instance_id, person_id


def _fill_form(instance_id: int, person_id: int, day: str = "2026-12-01") -> None:
    task = open_task(instance_id)
    user = db.session.query(User).filter_by(person_id=person_id).one()
    assert (task.element_id, task.assignee_user_id) == ("fill_form", user.id)
    target = as_actor(user)
    scan = run(
        store_uploads,
        actor=target,
        task_id=task.id,
        uploads=[Upload("form_scan", "入党志愿书.pdf", PDF)],
    )["form_scan"][0]
    filled = {
        "form_scan": scan,
        "sponsor_opinions": "该同志入党动机端正，工作积极，同意介绍其入党",
        "filled_on": day,
    }
    complete_step(target, instance_id, "fill_form", filled)


def _vote(demo, *, excused: list[int]) -> dict:
    """Votes for from exactly half of the full members (rounded down), one more present: short of
    more than half of all of them, more than half once two excused members leave the count."""
    full = _full(demo)
    votes_for = len(full) // 2
    vote = {
        "assembly_date": ASSEMBLY_DAY,
        "tally": {"present": votes_for + 1, "for": votes_for, "against": 0, "abstain": 1},
        "resolution": "支部大会逐个讨论表决，同意接收为预备党员",
    }
    if excused:
        vote |= {
            "excused": excused,
            "excused_approval": "经采油一厂党委同意（采油一党组〔2026〕9号）",
        }
    return vote


def _register_row(demo, instance_id: int) -> dict[str, str]:
    ledger = all_ledgers()["probationary_admission_register"]
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    return dict(zip(table.headings, row.cells, strict=True))


def test_a_development_target_is_admitted_through_steps_12_to_18(demo, clock):
    instance_id, person_id = _to_pre_review(demo, clock)
    reviewer = holder_at("HH01", "unit_org_reviewer")
    pre_review = open_task(instance_id)
    assert (pre_review.element_id, pre_review.candidate_role) == (
        "upper_pre_review",
        "unit_org_reviewer",
    )
    early = PRE_REVIEW | {"pre_reviewed_on": "2026-11-30"}
    at(clock, "2026-11-30")  # Monday: 4 working days of notice
    refused_until(reviewer, instance_id, "upper_pre_review", early, "2026-12-01", NOTICE)
    at(clock, "2026-12-01")
    refused_until(reviewer, instance_id, "upper_pre_review", early, "2026-12-01", NOTICE)
    returned = PRE_REVIEW | {"pre_review_agreed": False, "pre_review_opinion": "请补充政审材料"}
    del returned["form_no"]
    complete_step(reviewer, instance_id, "upper_pre_review", returned)  # returned once
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_case", "org_member")
    assert demo.holder("org_member").user_id in told_of_return(instance_id)
    again = {"revision_note": "补充直系亲属政审函调材料", "resubmit": True}
    complete_step(demo.holder("org_member"), instance_id, "revise_case", again)
    with pytest.raises(ValidationFailed) as refused:  # the form is issued with its number
        complete_step(reviewer, instance_id, "upper_pre_review", PRE_REVIEW | {"form_no": None})
    complete_step(reviewer, instance_id, "upper_pre_review", PRE_REVIEW)
    _fill_form(instance_id, person_id)

    secretary = demo.holder("branch_assembly")
    assembly = open_task(instance_id)
    assert (assembly.element_id, assembly.candidate_role) == ("assembly_vote", "branch_assembly")
    vote = _vote(demo, excused=_full(demo)[-2:])
    same_day = vote | {"assembly_date": "2026-12-01"}
    refused_until(secretary, instance_id, "assembly_vote", same_day, "2026-12-02", CHAPTER_5)
    at(clock, ASSEMBLY_DAY)
    without_approval = {k: v for k, v in vote.items() if k != "excused_approval"}
    with pytest.raises(ValidationFailed) as refused:  # an excuse needs the approval recorded
        complete_step(secretary, instance_id, "assembly_vote", without_approval)
    assert "excused_approval" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # only full members can be excused
        complete_step(secretary, instance_id, "assembly_vote", vote | {"excused": [person_id]})
    assert "excused" in refused.value.field_errors
    assert db.session.get(Person, person_id).party_status is PartyStatus.DEVELOPMENT_TARGET
    complete_step(secretary, instance_id, "assembly_vote", vote)
    tally = earlier_answers(db.session, instance_id)["tally"]
    assert (tally["eligible"], tally["passed"]) == (len(_full(demo)) - 2, True)

    interview = open_task(instance_id)
    assert (interview.element_id, interview.candidate_role) == ("upper_interview", "unit_organizer")
    talk = {"interviewed_on": "2026-12-08", "interview_record": "入党动机端正，对党的认识清楚"}
    at(clock, "2026-12-08")
    complete_step(holder_at("HH01", "unit_organizer"), instance_id, "upper_interview", talk)
    assert db.session.get(Person, person_id).party_status is PartyStatus.DEVELOPMENT_TARGET
    decision = {"approved": "approved", "approved_on": "2026-12-10", "approval_opinion": "同意"}
    at(clock, "2026-12-10")
    unit = holder_at("HH01", "unit_party_committee")
    assert status_roles(person_id, date(2026, 12, 10)) == {"development_target"}
    complete_step(unit, instance_id, "upper_approval", decision)
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.PROBATIONARY
    # Their account follows: a probationary member's role from the approval's day, no longer the
    # development target's (which ended the day before).
    assert status_roles(person_id, date(2026, 12, 10)) == {"probationary_member"}
    assert status_roles(person_id, date(2026, 12, 9)) == {"development_target"}
    assert person.admission_date == date(2026, 12, 3)  # the assembly's day, not the approval's
    data = instance_data(instance_id)
    assert (data["approval_late"], data["probation_end"]) == (False, "2027-12-03")

    filing = open_task(instance_id)
    assert (filing.element_id, filing.candidate_role) == ("filing_upper_upper", "company_org_dept")
    complete_step(
        holder_at("HH", "company_org_dept"),
        instance_id,
        "filing_upper_upper",
        {"filed_on": "2026-12-12"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

    rows = {row.step.number: row for row in dossier_rows(db.session, person)}
    days = {n: rows[n].done[-1].day for n in range(12, 19)}
    assert days == {
        12: "2026-11-23",
        13: "2026-12-01",
        14: "2026-12-01",
        15: ASSEMBLY_DAY,
        16: "2026-12-08",
        17: "2026-12-10",
        18: "2026-12-12",
    }
    assert rows[14].done[0].documents == ["入党志愿书.pdf"]
    cells = _register_row(demo, instance_id)
    assert cells["发展对象"] == person.name
    assert cells["入党志愿书编号"] == "HH01-2026-017"
    assert (cells["审批结果"], cells["支部大会日期"]) == ("批准", ASSEMBLY_DAY)


def test_the_same_vote_fails_when_no_one_is_excused_and_changes_no_status(demo, clock):
    instance_id, person_id = _to_assembly(demo, clock)
    at(clock, ASSEMBLY_DAY)
    vote = _vote(demo, excused=[]) | {"resolution": "赞成票未超过应到会有表决权党员的半数，未通过"}
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_vote", vote)
    tally = earlier_answers(db.session, instance_id)["tally"]
    assert (tally["eligible"], tally["passed"]) == (len(_full(demo)), False)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    person = db.session.get(Person, person_id)
    assert (person.party_status, person.admission_date) == (PartyStatus.DEVELOPMENT_TARGET, None)
    cells = _register_row(demo, instance_id)
    assert "未通过" in cells["支部大会决议"]


def test_an_assembly_without_a_quorum_is_refused(demo, clock):
    instance_id, _person = _to_assembly(demo, clock)
    at(clock, ASSEMBLY_DAY)
    half = len(_full(demo)) // 2
    vote = _vote(demo, excused=[])
    vote["tally"] = {"present": half, "for": half, "against": 0, "abstain": 0}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(demo.holder("branch_assembly"), instance_id, "assembly_vote", vote)
    assert "tally" in refused.value.field_errors
    assert open_task(instance_id).element_id == "assembly_vote"


def test_a_late_approval_is_marked_and_a_refusal_changes_no_status(demo, clock):
    instance_id, person_id = _to_assembly(demo, clock)
    at(clock, ASSEMBLY_DAY)
    vote = _vote(demo, excused=_full(demo)[-2:])
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_vote", vote)
    talk = {"interviewed_on": "2026-12-08", "interview_record": "谈话了解入党动机"}
    complete_step(holder_at("HH01", "unit_organizer"), instance_id, "upper_interview", talk)
    at(clock, "2027-03-10")  # more than three months after the assembly
    refusal = {"approved": "not_approved", "approved_on": "2027-03-10", "approval_opinion": "暂缓"}
    complete_step(holder_at("HH01", "unit_party_committee"), instance_id, "upper_approval", refusal)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert instance_data(instance_id)["approval_late"] is True
    person = db.session.get(Person, person_id)
    assert (person.party_status, person.admission_date) == (PartyStatus.DEVELOPMENT_TARGET, None)
    assert status_roles(person_id, date(2027, 3, 10)) == {"development_target"}  # unchanged
    cells = _register_row(demo, instance_id)
    assert cells["审批结果"] == "不批准"


def test_the_assembly_page_counts_the_roll_less_those_excused(demo, clock, client, login, app):
    instance_id, _person = _to_assembly(demo, clock)
    at(clock, ASSEMBLY_DAY)
    secretary = demo.holder("branch_assembly")
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert f'data-roll="{len(_full(demo))}" data-excused-from="excused"' in page
    assert "减去经上级党组织同意不计入的党员" in page

"""民主评议党员 through the commands at the demo branch: each member appraised evaluates themself
in a task of their own, the poll is counted by member, the committee's grades keep excellent within
a third, the assembly votes, the upper organisation returns the grades once, and the appraisal file
lists the final grades."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.clock import local_zone
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data as _data
from tests.plugins.demo import open_task
from tests.plugins.demo import open_tasks as _tasks
from tests.plugins.demo import told_of_return

APPRAISED_ON = "2026-12-05"
DAY = date(2026, 12, 5)


def _members(demo, count: int = 3) -> list[tuple[int, Actor]]:
    """Party members of the demo branch with an account, not the secretary: (person, actor)."""
    members = demo.people("members", DAY)
    secretary = demo.holder("branch_secretary")
    users = db.session.scalars(
        select(User)
        .where(User.person_id.in_(members), User.id != secretary.user_id)
        .order_by(User.person_id)
    ).all()[:count]
    return [(u.person_id, Actor(user_id=u.id, login=u.login, source="test")) for u in users]


def _plan(scope: list[int]) -> dict:
    return {
        "year": 2026,
        "appraised_on": APPRAISED_ON,
        "scope": scope,
        "combined_with_olm": True,
        "plan_text": "个人自评、党员互评、民主测评，支委会提出评定意见。",
    }


def _tally(person: int, excellent: int, qualified: int, basic: int = 0, unq: int = 0) -> dict:
    return {
        "person": person,
        "excellent": excellent,
        "qualified": qualified,
        "basically_qualified": basic,
        "unqualified": unq,
    }


def _to_grading(demo, members) -> int:
    """Planned, self-evaluated, peer-evaluated and polled: the committee's grades are next."""
    committee = demo.holder("branch_committee")
    secretary = demo.holder("branch_secretary")
    scope = [p for p, _ in members]
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="democratic_appraisal_of_members",
        org_code=demo.branch.code,
    )
    complete_step(committee, instance_id, "plan", _plan(scope))
    for task, (_, actor) in zip(_tasks(instance_id, "self_evaluation"), members, strict=True):
        run(
            commands.complete_task,
            actor=actor,
            task_id=task.id,
            data={"self_summary": "对照党员标准认真履职。", "self_grade": "qualified"},
        )
    complete_step(
        secretary,
        instance_id,
        "peer_evaluation",
        {
            "peer_held_at": "2026-12-05T09:00:00+08:00",
            "peer_attendance": {"present": scope},
            "peer_comments": [{"person": p, "comment": "工作积极"} for p in scope],
        },
    )
    tallies = [_tally(scope[0], 6, 1), _tally(scope[1], 1, 6), _tally(scope[2], 0, 3, 0, 4)]
    complete_step(
        secretary,
        instance_id,
        "democratic_poll",
        {"ballots_cast": 7, "tallies": tallies, "tellers": "张三、李四"},
    )
    return instance_id


def _grades(scope: list[int]) -> list[dict]:
    return [
        {"person": scope[0], "grade": "excellent", "reason": "测评优秀票过半"},
        {"person": scope[1], "grade": "qualified"},
        {"person": scope[2], "grade": "unqualified", "reason": "长期不参加组织生活"},
    ]


def _assembly(demo) -> dict:
    voters = demo.people("full_members", DAY)
    return {
        "assembly_held_at": "2026-12-08T09:00:00+08:00",
        "attendance": {"present": voters},
        "tally": {
            "eligible": len(voters),
            "present": len(voters),
            "for": len(voters),
            "against": 0,
            "abstain": 0,
            "invalid": 0,
        },
    }


def test_each_member_evaluates_themself_and_the_poll_is_counted(demo):
    members = _members(demo)
    committee = demo.holder("branch_committee")
    secretary = demo.holder("branch_secretary")
    scope = [p for p, _ in members]
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="democratic_appraisal_of_members",
        org_code=demo.branch.code,
    )
    outsider = next(p for p in demo.members if p not in demo.people("members", DAY))
    with pytest.raises(ValidationFailed) as refused:  # only the branch's party members
        complete_step(committee, instance_id, "plan", _plan([*scope, outsider]))
    assert "scope" in refused.value.field_errors
    assert open_task(instance_id).element_id == "plan"
    complete_step(committee, instance_id, "plan", _plan(scope))

    tasks = _tasks(instance_id, "self_evaluation")
    assert [t.assignee_user_id for t in tasks] == [a.user_id for _, a in members]
    with pytest.raises((NotFound, Forbidden, Conflict)):  # nobody evaluates another member
        run(
            commands.complete_task,
            actor=members[1][1],
            task_id=tasks[0].id,
            data={"self_summary": "代替他人自评。", "self_grade": "excellent"},
        )
    for task, (_, actor) in zip(tasks, members, strict=True):
        run(
            commands.complete_task,
            actor=actor,
            task_id=task.id,
            data={"self_summary": "对照党员标准认真履职。", "self_grade": "qualified"},
        )
    peer = open_task(instance_id)
    assert (peer.element_id, peer.candidate_role) == ("peer_evaluation", "branch_secretary")
    complete_step(
        secretary,
        instance_id,
        "peer_evaluation",
        {
            "peer_held_at": "2026-12-05T09:00:00+08:00",
            "peer_attendance": {"present": scope},
            "peer_comments": [{"person": scope[0], "comment": "工作积极"}],
        },
    )
    too_many = [_tally(scope[0], 6, 2), _tally(scope[1], 1, 6), _tally(scope[2], 0, 3, 0, 4)]
    with pytest.raises(ValidationFailed) as refused:  # 8 votes, 7 ballots
        complete_step(
            secretary,
            instance_id,
            "democratic_poll",
            {"ballots_cast": 7, "tallies": too_many, "tellers": "张三、李四"},
        )
    assert "tallies" in refused.value.field_errors
    missing = [_tally(scope[0], 6, 1), _tally(scope[1], 1, 6)]
    with pytest.raises(ValidationFailed):  # every member appraised is counted
        complete_step(
            secretary,
            instance_id,
            "democratic_poll",
            {"ballots_cast": 7, "tallies": missing, "tellers": "张三、李四"},
        )
    assert open_task(instance_id).element_id == "democratic_poll"  # nothing changed
    tallies = [_tally(scope[0], 6, 1), _tally(scope[1], 1, 6), _tally(scope[2], 0, 3, 0, 3)]
    complete_step(
        secretary,
        instance_id,
        "democratic_poll",
        {"ballots_cast": 7, "tallies": tallies, "tellers": "张三、李四"},
    )
    data = _data(instance_id)
    assert [r["poll_grade"] for r in data["poll_results"]] == [
        "excellent",
        "qualified",
        "unqualified",  # 3 qualified, 3 unqualified: a tie goes to the lower grade
    ]
    assert [data["self_grades"][str(i)] for i in range(3)] == ["qualified"] * 3
    assert open_task(instance_id).candidate_role == "branch_committee"


def test_excellent_is_capped_and_returned_grades_are_revised_and_filed(demo, app):
    members = _members(demo)
    scope = [p for p, _ in members]
    committee = demo.holder("branch_committee")
    secretary = demo.holder("branch_secretary")
    reviewer = holder_at("HH01", "unit_org_reviewer")
    instance_id = _to_grading(demo, members)
    two_excellent = _grades(scope)
    two_excellent[1]["grade"] = "excellent"
    with pytest.raises(ValidationFailed) as refused:  # at most 1 of 3
        complete_step(committee, instance_id, "grade_decision", {"grades": two_excellent})
    assert "grades" in refused.value.field_errors
    with pytest.raises(ValidationFailed):  # each member appraised graded once
        complete_step(committee, instance_id, "grade_decision", {"grades": _grades(scope)[:2]})
    assert open_task(instance_id).element_id == "grade_decision"
    complete_step(committee, instance_id, "grade_decision", {"grades": _grades(scope)})

    vote = open_task(instance_id)
    assert (vote.element_id, vote.candidate_role) == ("assembly_decision", "branch_assembly")
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_decision", _assembly(demo))
    complete_step(secretary, instance_id, "feedback", {"fed_back": True})

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("upper_review", "unit_org_reviewer")
    with pytest.raises((Forbidden, NotFound)):  # the branch does not approve its own grades
        run(
            commands.complete_task,
            actor=secretary,
            task_id=review.id,
            data={"review_approved": True},
        )
    with pytest.raises(ValidationFailed):  # a return says what to change
        complete_step(reviewer, instance_id, "upper_review", {"review_approved": False})
    complete_step(
        reviewer,
        instance_id,
        "upper_review",
        {"review_approved": False, "review_opinion": "不合格等次依据不足，请核实。"},
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_grades", "branch_committee")
    assert told_of_return(instance_id) == [committee.user_id]
    revised = _grades(scope)
    revised[2] = {"person": scope[2], "grade": "basically_qualified", "reason": "经核实"}
    complete_step(committee, instance_id, "revise_grades", {"grades": revised})
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_decision", _assembly(demo))
    complete_step(secretary, instance_id, "feedback", {"fed_back": True})
    complete_step(reviewer, instance_id, "upper_review", {"review_approved": True})

    db.session.rollback()
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED  # nobody unqualified: no disposal step
    data = json.loads(row.state_json)["data"]  # the final data
    assert data["grades"] == revised  # the shared contract: {person, grade}
    assert data["routed_to"] == ["member_points_management", "intra_party_commendation"]
    assert verify_chain(db.session).ok

    with app.test_request_context():
        ledger = all_ledgers()["democratic_appraisal_file"]
        branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
        table = ledger_table(db.session, ledger, branch, 2026, local_zone(), "zh")
    names = dict(db.session.execute(select(Person.id, Person.name)).all())
    assert len(table.rows) == 3
    assert [r.cells[3] for r in table.rows] == ["优秀", "合格", "基本合格"]
    assert sorted(r.cells[2] for r in table.rows) == sorted(names[p] for p in scope)  # by name


def test_an_unqualified_member_is_handed_to_the_disposal_procedure(demo):
    members = _members(demo)
    scope = [p for p, _ in members]
    secretary = demo.holder("branch_secretary")
    instance_id = _to_grading(demo, members)
    complete_step(
        demo.holder("branch_committee"), instance_id, "grade_decision", {"grades": _grades(scope)}
    )
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_decision", _assembly(demo))
    complete_step(secretary, instance_id, "feedback", {"fed_back": True})
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "upper_review",
        {"review_approved": True},
    )
    disposal = open_task(instance_id)
    assert (disposal.element_id, disposal.candidate_role) == ("record_disposal", "branch_secretary")
    assert _data(instance_id)["unqualified"] == [scope[2]]
    complete_step(
        secretary,
        instance_id,
        "record_disposal",
        {"handed_over": True, "disposal_note": "启动不合格党员处置程序，先行调查核实。"},
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

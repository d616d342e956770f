"""党小组会 from start to end through the commands, at the demo branch: a group leader starts it for
the group's branch, the group leaders of that branch (and nobody else) work on its steps, the branch
secretary takes note of the report, and the records it leaves are the group meeting's records."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.inbox.startable import list_startable
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.conftest import TEST_NOW
from tests.plugins.demo import open_task


def _leaders(parent_id: int | None = None, not_parent_id: int | None = None) -> list[tuple]:
    """(actor, group) for the group leaders of the groups under a branch (or under any other)."""
    query = (
        select(User, OrgUnit)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == "group_leader", RoleAssignment.valid_to.is_(None))
        .order_by(OrgUnit.code, User.id)
    )
    if parent_id is not None:
        query = query.where(OrgUnit.parent_id == parent_id)
    if not_parent_id is not None:
        managers = select(RoleAssignment.user_id).where(
            RoleAssignment.role_code.in_(catalogue.administering_roles())
        )
        query = query.where(OrgUnit.parent_id != not_parent_id, User.id.not_in(managers)).limit(1)
    return [
        (Actor(user_id=u.id, login=u.login, source="test"), group)
        for u, group in db.session.execute(query)
    ]


def _complete(actor, instance_id: int, expected_step: str, data: dict) -> None:
    task = open_task(instance_id)
    assert task.element_id == expected_step
    run(commands.complete_task, actor=actor, task_id=task.id, data=data)


ALIGN = {
    "topics": "学习党的二十届四中全会精神；讨论支部发展对象意见",
    "branch_tasks": "收集组员对发展对象的意见",
    "meeting_at": "2026-11-26T18:30:00+08:00",
    "place": "井区值班室",
    "notified": True,
}


def test_a_group_meeting_runs_from_alignment_to_the_branch_receipt(demo, client, login, app):
    leaders = _leaders(parent_id=demo.branch.id)
    assert len(leaders) >= 2  # the demo branch has several party groups
    (leader, group), (other_leader, _other_group) = leaders[0], leaders[1]
    (outside_leader, _), *_ = _leaders(not_parent_id=demo.branch.id)
    secretary = demo.holder("branch_secretary")
    group_members = list(
        db.session.scalars(
            select(Person.id).where(Person.party_group_id == group.id).order_by(Person.id)
        )
    )
    assert len(group_members) >= 3

    # A group leader starts the group meeting for the group's branch.
    startable = {
        s.process_key: s for s in list_startable(db.session, leader.user_id, TEST_NOW.date())
    }
    assert dict(startable["party_group_meeting"].orgs) == {demo.branch.code: demo.branch.name}
    login(leader.login, app.config["DEMO_PASSWORD"])
    start_page = client.get("/inbox/start").get_data(as_text=True)
    assert "一般每月召开1次，由党小组组长召集" in start_page  # the process's documentation
    with pytest.raises((NotFound, Forbidden)):  # a leader of another branch's group cannot
        run(
            commands.start_instance,
            actor=outside_leader,
            process_key="party_group_meeting",
            org_code=demo.branch.code,
        )
    instance_id = run(
        commands.start_instance,
        actor=leader,
        process_key="party_group_meeting",
        org_code=demo.branch.code,
    )
    align = open_task(instance_id)
    assert (align.element_id, align.candidate_role) == ("align_with_branch", "group_leader")
    assert align.org_unit_id == demo.branch.id  # offered to the group leaders of the branch
    with pytest.raises((NotFound, Forbidden)):  # not a candidate (NotFound if not in view)
        run(commands.claim_task, actor=outside_leader, task_id=align.id)
    run(commands.claim_task, actor=leader, task_id=align.id)
    with pytest.raises(Conflict):  # another group's leader, once the task is taken
        run(commands.claim_task, actor=other_leader, task_id=align.id)
    with pytest.raises(ValidationFailed) as refused:  # the group must be named
        _complete(leader, instance_id, "align_with_branch", ALIGN)
    assert "party_group" in refused.value.field_errors
    _complete(leader, instance_id, "align_with_branch", ALIGN | {"party_group": group.id})

    hold = open_task(instance_id)
    assert (hold.element_id, hold.candidate_role, hold.assignee_user_id) == (
        "hold_meeting",
        "group_leader",
        None,
    )
    run(commands.claim_task, actor=leader, task_id=hold.id)
    outsider = db.session.scalars(
        select(Person.id).where(Person.branch_id != demo.branch.id).limit(1)
    ).one()
    meeting = {
        "attendees": {"entitled": len(group_members), "present": group_members[:-1]},
        "activities": ["political_study", "development_opinions"],
        "minutes": "组长领学全会公报；组员逐一发表对发展对象的意见",
    }
    with pytest.raises(ValidationFailed) as refused:
        _complete(
            leader,
            instance_id,
            "hold_meeting",
            meeting | {"attendees": {"entitled": len(group_members), "present": [outsider]}},
        )
    assert refused.value.field_errors["attendees.present"] == "请选择本支部在册人员。"
    with pytest.raises(ValidationFailed) as refused:  # at least one kind of content
        _complete(leader, instance_id, "hold_meeting", meeting | {"activities": []})
    assert "activities" in refused.value.field_errors
    assert open_task(instance_id).element_id == "hold_meeting"  # nothing changed
    _complete(leader, instance_id, "hold_meeting", meeting)

    report = open_task(instance_id)
    assert (report.element_id, report.candidate_role) == ("report_to_branch", "group_leader")
    _complete(
        leader,
        instance_id,
        "report_to_branch",
        {"summary": "本组应到全部组员，1人请假；一致同意发展对象转为预备党员", "suggestions": "无"},
    )

    receipt = open_task(instance_id)
    assert (receipt.element_id, receipt.candidate_role) == ("branch_receipt", "branch_secretary")
    with pytest.raises(Forbidden):  # the branch's part is the secretary's
        run(
            commands.complete_task,
            actor=leader,
            task_id=receipt.id,
            data={"report_read": True},
        )
    with pytest.raises(ValidationFailed) as refused:
        _complete(secretary, instance_id, "branch_receipt", {"report_read": False})
    assert "report_read" in refused.value.field_errors
    _complete(
        secretary,
        instance_id,
        "branch_receipt",
        {"report_read": True, "branch_comments": "意见已收悉，提交支委会研究"},
    )

    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    entries = list(
        db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed")
            .order_by(StepLogEntry.seq)
        )
    )
    records = {e.element_id: json.loads(e.submitted_json) for e in entries}
    assert list(records) == [
        "align_with_branch",
        "hold_meeting",
        "report_to_branch",
        "branch_receipt",
    ]
    assert [e.actor_user_id for e in entries] == [leader.user_id] * 3 + [secretary.user_id]
    assert records["align_with_branch"]["party_group"] == group.id
    assert records["hold_meeting"]["attendees"] == {
        "entitled": len(group_members),
        "present": group_members[:-1],
        "quorum_met": True,
    }
    assert records["hold_meeting"]["activities"] == ["political_study", "development_opinions"]
    assert verify_chain(db.session).ok
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)  # the leader's view
    present = db.session.get(Person, group_members[0]).name
    for shown in ("参会党员", present, "政治学习", "讨论发展对象意见", "情况汇报"):
        assert shown in page  # the records, in the words of the forms

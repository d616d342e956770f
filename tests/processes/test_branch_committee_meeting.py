"""支部委员会会议 from start to end through the commands, at the demo branch: each step goes to its
role, the quorum and the form rules hold, and the records it leaves are the meeting's records."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task


def test_a_committee_meeting_runs_from_agenda_to_follow_up(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    committee = demo.holder("branch_committee")
    org_member = demo.holder("org_member")
    m = demo.members
    c = demo.people("committee")  # the five committee members on the meeting day
    instance_id = _start(demo)
    first = open_task(instance_id)
    assert (first.element_id, first.candidate_role) == ("set_agenda", "branch_secretary")
    complete_step(
        secretary,
        instance_id,
        "set_agenda",
        {
            "month": "2026-11",
            "topics": "研究发展党员计划；安排主题党日",
            "meeting_at": "2026-11-25T09:00:00+08:00",
            "place": "站党员活动室",
            "notified": True,
        },
    )
    without_quorum = {"attendance": {"present": c[:2]}, "minutes": "会议记录" * 5}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "hold_meeting", without_quorum)
    assert "attendance" in refused.value.field_errors
    assert open_task(instance_id).element_id == "hold_meeting"  # nothing changed
    complete_step(
        secretary,
        instance_id,
        "hold_meeting",
        {
            "attendance": {"present": c[:4]},
            "invited": [next(p for p in m if p not in c)],
            "minutes": "发言要点" * 5,
        },
    )
    decide = open_task(instance_id)
    assert decide.candidate_role == "branch_committee"
    complete_step(
        committee,
        instance_id,
        "decide",
        {
            "outcome": "decided",
            "decisions": [
                {"item": "确定2名入党积极分子", "owner": c[0], "due": "2026-12-15"},
                {"item": "12月主题党日到井场开展", "owner": c[1], "due": "2026-12-20"},
            ],
            "vote": {"for": 4, "against": 0, "abstain": 0},
            "escalate_to_assembly": False,
        },
    )
    assert open_task(instance_id).candidate_role == "org_member"
    complete_step(
        org_member,
        instance_id,
        "archive",
        {"record_checked": True, "minutes_signed": True},
    )
    login(secretary.login, app.config["DEMO_PASSWORD"])
    follow_up_page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert 'value="确定2名入党积极分子"' in follow_up_page  # taken over from the decisions
    complete_step(
        secretary,
        instance_id,
        "follow_up",
        {
            "follow_up": [
                {"item": "确定2名入党积极分子", "result": "done"},
                {"item": "12月主题党日到井场开展", "result": "in_progress", "note": "已定方案"},
            ]
        },
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    records = {
        e.element_id: json.loads(e.submitted_json)
        for e in db.session.scalars(
            select(StepLogEntry).where(
                StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed"
            )
        )
    }
    assert list(records) == ["set_agenda", "hold_meeting", "decide", "archive", "follow_up"]
    assert records["hold_meeting"]["attendance"]["quorum_met"] is True
    assert records["decide"]["vote"]["passed"] is True
    assert records["archive"]["minutes_signed"]["user_id"] == org_member.user_id
    assert verify_chain(db.session).ok
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    present = db.session.get(Person, c[0]).name
    for shown in ("到会委员", "应到 5 人，实到 4 人", present, "已通过", "确定2名入党积极分子"):
        assert shown in page  # the records, in the words of the forms


def test_only_members_of_the_branch_can_be_recorded_present(demo):
    secretary = demo.holder("branch_secretary")
    outsider = db.session.scalars(
        select(Person.id).where(Person.branch_id != demo.branch.id).limit(1)
    ).one()
    instance_id = _start(demo)
    complete_step(
        secretary,
        instance_id,
        "set_agenda",
        {
            "month": "2026-11",
            "topics": "议题",
            "meeting_at": "2026-11-25T09:00:00+08:00",
            "place": "x",
        },
    )
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            secretary,
            instance_id,
            "hold_meeting",
            {
                "attendance": {"present": [demo.people("committee")[0], outsider]},
                "minutes": "x" * 20,
            },
        )
    assert refused.value.field_errors["attendance.present"] == "请选择本支部在册人员。"


AGENDA = {
    "month": "2026-11",
    "topics": "研究发展党员计划",
    "meeting_at": "2026-11-25T09:00:00+08:00",
    "place": "站党员活动室",
}


def _hold(demo, instance_id: int) -> None:
    attendance = {"present": demo.people("committee")[:4]}
    data = {"attendance": attendance, "minutes": "发言要点" * 5}
    complete_step(demo.holder("branch_secretary"), instance_id, "hold_meeting", data)


def test_a_matter_not_passed_goes_back_for_a_new_meeting_until_it_is_decided(demo):
    secretary = demo.holder("branch_secretary")
    committee = demo.holder("branch_committee")
    instance_id = _start(demo)
    complete_step(secretary, instance_id, "set_agenda", AGENDA)
    _hold(demo, instance_id)
    failed = {"for": 2, "against": 2, "abstain": 0}
    not_passed = {"outcome": "not_passed", "not_passed_reason": "对人选有分歧", "vote": failed}
    complete_step(committee, instance_id, "decide", not_passed)
    back = open_task(instance_id)
    assert (back.element_id, back.candidate_role) == ("set_agenda", "branch_secretary")
    # the second meeting decides; the outcome is asked again and the decisions are required
    complete_step(
        secretary, instance_id, "set_agenda", AGENDA | {"meeting_at": "2026-11-28T09:00:00+08:00"}
    )
    _hold(demo, instance_id)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(committee, instance_id, "decide", {"outcome": "decided"})
    assert "decisions" in refused.value.field_errors
    decided = {
        "outcome": "decided",
        "decisions": [
            {"item": "确定2名入党积极分子", "owner": demo.people("members")[0], "due": "2026-12-15"}
        ],
    }
    complete_step(committee, instance_id, "decide", decided)
    assert open_task(instance_id).element_id == "archive"


def test_a_meeting_must_be_announced_at_least_a_day_before(demo):
    secretary = demo.holder("branch_secretary")
    instance_id = _start(demo)
    too_soon = AGENDA | {"meeting_at": "2026-11-23T15:00:00+08:00"}  # five hours after now
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "set_agenda", too_soon)
    assert "meeting_at" in refused.value.field_errors
    assert open_task(instance_id).element_id == "set_agenda"  # nothing changed
    complete_step(secretary, instance_id, "set_agenda", AGENDA)  # 25 November: in time
    task = open_task(instance_id)
    assert task.element_id == "hold_meeting"
    assert task.due_at is not None


def _start(demo) -> int:
    return run(
        commands.start_instance,
        actor=demo.holder("branch_secretary"),
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )

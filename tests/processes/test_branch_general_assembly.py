"""支部党员大会 from start to end through the commands, at the demo branch: each step goes to its
role, the quorum of members with voting rights and the voting rule hold, a "no" of the committee or a
failed vote ends the procedure, and the records it leaves are the assembly's records."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime

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
from tests.plugins.demo import open_task

AGENDA = {
    "quarter": "2026-Q4",
    "topics": "讨论接收预备党员；通报第四季度党建工作",
    "meeting_at": "2026-11-30T15:00:00+08:00",
}
NOTICE = {
    "meeting_at": "2026-11-30T15:00:00+08:00",
    "location": "站党员活动室",
    "agenda": "一、讨论接收张某为预备党员；二、通报第四季度党建工作",
    "notified": True,
}


MEETING = date(2026, 11, 30)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def _complete(actor, instance_id: int, expected_step: str, data: dict) -> None:
    task = open_task(instance_id)
    assert task.element_id == expected_step
    run(commands.complete_task, actor=actor, task_id=task.id, data=data)


def _records(instance_id: int) -> dict[str, dict]:
    return {
        e.element_id: json.loads(e.submitted_json)
        for e in db.session.scalars(
            select(StepLogEntry)
            .where(StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed")
            .order_by(StepLogEntry.seq)
        )
    }


def _status(instance_id: int) -> InstanceStatus:
    return db.session.get(ProcessInstance, instance_id).status


def _start(demo, secretary) -> int:
    return run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_general_assembly",
        org_code=demo.branch.code,
    )


def _tally(votes_for: int, against: int = 0) -> dict[str, int]:
    """The votes cast: those entitled and present come from the meeting's attendance."""
    return {"for": votes_for, "against": against, "abstain": 0}


def _voters(demo) -> tuple[list[int], list[int]]:
    """The branch's full members (with a vote) and its probationary members (without) on the
    meeting day."""
    return demo.people("full_members", MEETING), demo.people("probationary", MEETING)


def test_an_assembly_runs_from_agenda_to_follow_up(demo, client, login, app):
    secretary = demo.holder("branch_secretary")
    committee = demo.holder("branch_committee")
    assembly = demo.holder("branch_assembly")
    org_member = demo.holder("org_member")
    full, probationary = _voters(demo)
    eligible = len(full)
    majority = eligible // 2 + 1
    assert eligible >= 3  # the demo branch has both kinds of member
    assert probationary

    instance_id = _start(demo, secretary)
    first = open_task(instance_id)
    assert (first.element_id, first.candidate_role) == ("propose_agenda", "branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # a quarter must read 2026-Q4
        _complete(secretary, instance_id, "propose_agenda", AGENDA | {"quarter": "2026-13"})
    assert "quarter" in refused.value.field_errors
    _complete(
        secretary, instance_id, "propose_agenda", AGENDA | {"vote_items": "接收张某为预备党员"}
    )

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("committee_review", "branch_committee")
    with pytest.raises(ValidationFailed) as refused:  # only a completed committee meeting
        _complete(
            committee, instance_id, "committee_review", {"committee_meeting": 999, "agreed": True}
        )
    assert "committee_meeting" in refused.value.field_errors
    # No committee meeting to refer to: the reference is optional.
    _complete(
        committee,
        instance_id,
        "committee_review",
        {"agreed": True, "committee_opinion": "同意提交党员大会讨论"},
    )

    notice = open_task(instance_id)
    assert (notice.element_id, notice.candidate_role) == ("notify_members", "branch_secretary")
    # the notice is due 3 days before the planned time; the meeting, recorded the day after it
    assert _utc(notice.due_at) == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    _complete(secretary, instance_id, "notify_members", NOTICE)

    assert open_task(instance_id).element_id == "hold_meeting"
    assert _utc(open_task(instance_id).due_at) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    half = full[: eligible // 2]  # exactly half is not more than half
    without_quorum = {
        "attendance": {"present": half},
        "minutes": "会议记录" * 5,
    }
    with pytest.raises(ValidationFailed) as refused:
        _complete(secretary, instance_id, "hold_meeting", without_quorum)
    assert "attendance" in refused.value.field_errors
    task = open_task(instance_id)  # nothing changed
    assert (task.element_id, task.assignee_user_id) == ("hold_meeting", None)
    assert list(_records(instance_id)) == ["propose_agenda", "committee_review", "notify_members"]
    absent = full[majority]
    _complete(
        secretary,
        instance_id,
        "hold_meeting",
        {
            "attendance": {"present": full[:majority]},
            "attendees": probationary[:1],
            "absentees": [{"person": absent, "reason": "外出培训，已请假"}],
            "minutes": "书记主持；组织委员报告到会情况；介绍人介绍发展对象情况" * 2,
        },
    )

    vote = open_task(instance_id)
    assert (vote.element_id, vote.candidate_role) == ("vote", "branch_assembly")
    resolutions = [
        {"item": "接收张某为预备党员，报上级党委审批", "owner": full[0], "due": "2026-12-15"},
        {"item": "第四季度党建工作总结上报", "owner": full[1], "due": "2026-12-31"},
    ]
    voted = {"resolution": "同意接收张某为预备党员", "resolutions": resolutions}
    with pytest.raises(ValidationFailed) as refused:  # more votes than voters present
        _complete(
            assembly,
            instance_id,
            "vote",
            voted | {"tally": _tally(majority + 1)},
        )
    assert "tally" in refused.value.field_errors
    _complete(assembly, instance_id, "vote", voted | {"tally": _tally(majority)})

    archive = open_task(instance_id)
    assert (archive.element_id, archive.candidate_role) == ("archive", "org_member")
    _complete(org_member, instance_id, "archive", {"record_checked": True, "minutes_signed": True})

    follow_up = open_task(instance_id)
    assert (follow_up.element_id, follow_up.candidate_role) == ("follow_up", "branch_secretary")
    assert follow_up.due_at is not None
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{follow_up.id}").get_data(as_text=True)
    assert 'value="接收张某为预备党员，报上级党委审批"' in page  # taken over from the resolutions
    _complete(
        secretary,
        instance_id,
        "follow_up",
        {
            "actions": [
                {**resolutions[0], "result": "done", "note": "已报上级党委"},
                {**resolutions[1], "result": "in_progress"},
            ]
        },
    )

    assert _status(instance_id) is InstanceStatus.COMPLETED
    records = _records(instance_id)
    assert list(records) == [
        "propose_agenda",
        "committee_review",
        "notify_members",
        "hold_meeting",
        "vote",
        "archive",
        "follow_up",
    ]
    assert "committee_meeting" not in records["committee_review"]
    assert records["hold_meeting"]["attendance"] == {
        "entitled": eligible,
        "present": full[:majority],
        "quorum_met": True,
    }
    assert records["vote"]["tally"]["passed"] is True
    assert records["vote"]["tally"]["invalid"] == 0
    assert records["archive"]["minutes_signed"]["user_id"] == org_member.user_id
    assert records["follow_up"]["actions"][0]["owner"] == full[0]
    assert verify_chain(db.session).ok
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    present = db.session.get(Person, full[0]).name
    for shown in ("到会有表决权党员", f"应到 {eligible} 人，实到 {majority} 人", present, "已通过"):
        assert shown in page  # the records, in the words of the forms


def test_a_vote_short_of_half_of_those_entitled_fails_and_ends_without_follow_up(demo):
    secretary = demo.holder("branch_secretary")
    full, _ = _voters(demo)
    eligible = len(full)
    instance_id = _start(demo, secretary)
    _complete(secretary, instance_id, "propose_agenda", AGENDA)
    _complete(demo.holder("branch_committee"), instance_id, "committee_review", {"agreed": True})
    _complete(secretary, instance_id, "notify_members", NOTICE)
    _complete(
        secretary,
        instance_id,
        "hold_meeting",
        {"attendance": {"present": full}, "minutes": "会议记录" * 5},
    )
    # A majority of those present, but not more than half of those entitled: not passed.
    short = _tally(eligible // 2, against=1)
    _complete(
        demo.holder("branch_assembly"),
        instance_id,
        "vote",
        {"tally": short, "resolution": "接收张某为预备党员的决议未获通过"},
    )
    org_member = demo.holder("org_member")
    _complete(org_member, instance_id, "archive", {"record_checked": True, "minutes_signed": True})
    reconsider = open_task(instance_id)  # the committee decides what becomes of the matter
    assert (reconsider.element_id, reconsider.candidate_role) == ("reconsider", "branch_committee")
    _complete(
        demo.holder("branch_committee"),
        instance_id,
        "reconsider",
        {"resubmit": False, "reconsideration": "群众意见较大，本年度不再提交"},
    )
    assert _status(instance_id) is InstanceStatus.COMPLETED  # no follow-up of a failed motion
    records = _records(instance_id)
    assert records["vote"]["tally"]["passed"] is False
    assert "follow_up" not in records


def test_a_failed_vote_goes_back_to_the_committee_and_passes_at_a_second_meeting(demo):
    secretary, committee = demo.holder("branch_secretary"), demo.holder("branch_committee")
    assembly, org_member = demo.holder("branch_assembly"), demo.holder("org_member")
    full, _ = _voters(demo)
    eligible = len(full)
    majority = eligible // 2 + 1
    meeting = {"attendance": {"present": full}, "minutes": "会议记录" * 5}
    archive = {"record_checked": True, "minutes_signed": True}
    instance_id = _start(demo, secretary)
    _complete(secretary, instance_id, "propose_agenda", AGENDA)
    rounds = [
        (_tally(eligible // 2, against=1), False),
        (_tally(majority, against=0), True),
    ]
    notice_due = []
    for tally, passes in rounds:
        _complete(committee, instance_id, "committee_review", {"agreed": True})
        notice_due.append(_utc(open_task(instance_id).due_at))
        _complete(secretary, instance_id, "notify_members", NOTICE)
        _complete(secretary, instance_id, "hold_meeting", meeting)
        _complete(assembly, instance_id, "vote", {"tally": tally, "resolution": "关于某事项的决议"})
        _complete(org_member, instance_id, "archive", archive)
        if not passes:
            with pytest.raises(ValidationFailed) as refused:  # a reconsideration says why
                _complete(committee, instance_id, "reconsider", {"resubmit": True})
            assert "reconsideration" in refused.value.field_errors
            _complete(
                committee,
                instance_id,
                "reconsider",
                {
                    "resubmit": True,
                    "reconsideration": "听取党员意见后修改完善，重新提交",
                    "meeting_at": "2026-12-14T15:00:00+08:00",
                },
            )
    assert open_task(instance_id).element_id == "follow_up"
    # each round's notice is due 3 days before the time planned for that round's meeting
    assert notice_due == [
        datetime(2026, 11, 27, 7, 0, tzinfo=UTC),
        datetime(2026, 12, 11, 7, 0, tzinfo=UTC),
    ]
    records = _records(instance_id)
    assert records["vote"]["tally"]["passed"] is True  # the second meeting's vote
    assert records["reconsider"]["resubmit"] is True


def _hold_committee_meeting(demo, instance_id: int) -> None:
    """Run a started 支部委员会会议 to its end (the committee's pre-discussion of the agenda)."""
    secretary, c = demo.holder("branch_secretary"), demo.people("committee")
    meeting = {"attendance": {"present": c[:4]}, "minutes": "讨论党员大会议题" * 2}
    decision = {"item": "材料补齐后再提交党员大会", "owner": c[0], "due": "2026-12-15"}
    agenda = {
        "month": "2026-11",
        "topics": "党员大会议题预先讨论",
        "meeting_at": "2026-11-25T09:00:00+08:00",
        "place": "站党员活动室",
    }
    archive = {"record_checked": True, "minutes_signed": True}
    follow_up = {"follow_up": [{"item": decision["item"], "result": "done"}]}
    for actor, step, data in [
        (secretary, "set_agenda", agenda),
        (secretary, "hold_meeting", meeting),
        (
            demo.holder("branch_committee"),
            "decide",
            {"outcome": "decided", "decisions": [decision]},
        ),
        (demo.holder("org_member"), "archive", archive),
        (secretary, "follow_up", follow_up),
    ]:
        _complete(actor, instance_id, step, data)


def test_the_committee_can_keep_a_matter_from_the_assembly(demo):
    secretary = demo.holder("branch_secretary")
    committee = demo.holder("branch_committee")
    earlier = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    instance_id = _start(demo, secretary)
    _complete(secretary, instance_id, "propose_agenda", AGENDA)
    with pytest.raises(ValidationFailed) as refused:  # still running: not yet a meeting held
        _complete(
            committee,
            instance_id,
            "committee_review",
            {"committee_meeting": earlier, "agreed": False},
        )
    assert "committee_meeting" in refused.value.field_errors
    _hold_committee_meeting(demo, earlier)
    _complete(
        committee,
        instance_id,
        "committee_review",
        {
            "committee_meeting": earlier,
            "agreed": False,
            "committee_opinion": "材料不齐，暂不提交大会",
        },
    )
    assert _status(instance_id) is InstanceStatus.COMPLETED
    records = _records(instance_id)
    assert list(records) == ["propose_agenda", "committee_review"]
    assert records["committee_review"]["committee_meeting"] == earlier

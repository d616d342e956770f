"""组织生活会 from plan to the public closure of its rectification, through the commands at the
demo branch: each member studies and writes a statement in a task of their own, the meeting's
people come from the roster, the upper organisation returns the report once, and the
rectification is tracked until every item is closed with its evidence."""

from __future__ import annotations

import json
import re
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.core.clock import local_zone
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import User
from app.meetings.commands import check_meeting_schedule
from app.meetings.compliance import branch_calendar
from app.meetings.schedule import schedule
from app.notify.models import Notification
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data as _data
from tests.plugins.demo import missed_procedures
from tests.plugins.demo import open_task
from tests.plugins.demo import open_tasks as _tasks
from tests.plugins.demo import told_of_return
from tests.plugins.demo import without_branch_names

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MEETING_AT = "2026-12-10T09:00:00+08:00"
MEETING_DAY = date(2026, 12, 10)


def _member_actors(demo, count: int = 3) -> list[tuple[int, Actor]]:
    """Party members of the demo branch with an account: (person id, actor)."""
    members = demo.people("members", MEETING_DAY)
    users = db.session.scalars(
        select(User).where(User.person_id.in_(members)).order_by(User.person_id)
    ).all()
    chosen = users[:count]
    assert len(chosen) == count
    return [(u.person_id, Actor(user_id=u.id, login=u.login, source="test")) for u in chosen]


def _not_a_member(demo) -> int:
    members = demo.people("members", MEETING_DAY)
    return next(p for p in demo.members if p not in members)  # an activist, say


def _upload(actor, task_id: int, field: str, name: str) -> dict:
    refs = run(store_uploads, actor=actor, task_id=task_id, uploads=[Upload(field, name, PDF)])
    return refs[field][0]


def _submitted(instance_id: int, element_id: str) -> dict:
    """What the step's last completion recorded, as the server stored it."""
    db.session.rollback()
    return json.loads(
        db.session.scalars(
            select(StepLogEntry.submitted_json)
            .where(
                StepLogEntry.instance_id == instance_id,
                StepLogEntry.element_id == element_id,
                StepLogEntry.action == "task_completed",
            )
            .order_by(StepLogEntry.seq.desc())
            .limit(1)
        ).one()
    )


def _planned(demo, participants: list[int]) -> int:
    committee = demo.holder("branch_committee")
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="organisational_life_meeting",
        org_code=demo.branch.code,
    )
    plan = open_task(instance_id)
    assert (plan.element_id, plan.candidate_role) == ("plan", "branch_committee")
    complete_step(committee, instance_id, "plan", _plan(participants))
    return instance_id


def _plan(participants: list[int]) -> dict:
    return {
        "theme": "强化政治担当 推动高质量发展",
        "form": "general_assembly",
        "combine_appraisal": True,
        "meeting_at": MEETING_AT,
        "place": "站会议室",
        "participants": participants,
        "plan_text": "会前学习、征求意见、谈心谈话，会上对照检查。",
        "reported_upward": True,
    }


def _prepared(demo, members: list[tuple[int, Actor]]) -> int:
    """Planned, studied, opinions and talks done, statements written, committee reviewed."""
    secretary = demo.holder("branch_secretary")
    instance_id = _planned(demo, [p for p, _ in members])
    for task, (_, actor) in zip(_tasks(instance_id, "study"), members, strict=True):
        run(
            commands.complete_task,
            actor=actor,
            task_id=task.id,
            data={"study_record": "学习党章和《支部工作条例》"},
        )
    complete_step(
        demo.holder("propaganda_member"),
        instance_id,
        "solicit_opinions",
        {"channels": ["forum", "box"], "opinions": "联系群众还不够紧密。"},
    )
    talk = {"talker": members[0][0], "counterpart": members[1][0], "held_on": "2026-12-01"}
    complete_step(secretary, instance_id, "talks", {"talks": [talk]})
    for task, (_, actor) in zip(_tasks(instance_id, "self_review_materials"), members, strict=True):
        statement = _upload(actor, task.id, "statement", "对照检查材料.pdf")
        run(commands.complete_task, actor=actor, task_id=task.id, data={"statement": statement})
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "committee_self_review",
        {"committee_issues": [{"issue": "理论学习不够深入", "cause": "重业务轻学习"}]},
    )
    return instance_id


def _held(demo, members) -> int:
    secretary = demo.holder("branch_secretary")
    instance_id = _prepared(demo, members)
    report = _upload(secretary, open_task(instance_id).id, "secretary_report", "书记报告.pdf")
    complete_step(
        secretary,
        instance_id,
        "hold_meeting",
        {
            "held_at": MEETING_AT,
            "attendance": {"present": [p for p, _ in members]},
            "secretary_report": report,
            "criticism_record": "逐一发言，开展批评与自我批评。",
        },
    )
    return instance_id


def test_each_member_studies_and_writes_in_a_task_of_their_own(demo):
    members = _member_actors(demo)
    committee = demo.holder("branch_committee")
    instance_id = run(
        commands.start_instance,
        actor=committee,
        process_key="organisational_life_meeting",
        org_code=demo.branch.code,
    )
    participants = [p for p, _ in members]
    with pytest.raises(ValidationFailed) as refused:  # only the branch's party members take part
        complete_step(committee, instance_id, "plan", _plan([*participants, _not_a_member(demo)]))
    assert "participants" in refused.value.field_errors
    too_soon = _plan(participants) | {"meeting_at": "2026-11-26T09:00:00+08:00"}
    with pytest.raises(ValidationFailed) as refused:  # planned at least 7 days ahead
        complete_step(committee, instance_id, "plan", too_soon)
    assert "meeting_at" in refused.value.field_errors
    assert open_task(instance_id).element_id == "plan"  # nothing changed
    complete_step(committee, instance_id, "plan", _plan(participants))

    studies = _tasks(instance_id, "study")
    assert [t.assignee_user_id for t in studies] == [a.user_id for _, a in members]
    assert _tasks(instance_id, "talks") == []  # the members study first
    with pytest.raises((NotFound, Forbidden, Conflict)):  # nobody studies for another member
        run(
            commands.complete_task,
            actor=members[1][1],
            task_id=studies[0].id,
            data={"study_record": "代替他人"},
        )
    for task, (_, actor) in zip(studies, members, strict=True):
        record = f"学习党章，第{actor.user_id}号"
        run(commands.complete_task, actor=actor, task_id=task.id, data={"study_record": record})
    assert _tasks(instance_id, "solicit_opinions")[0].candidate_role == "propaganda_member"
    assert _tasks(instance_id, "talks")[0].candidate_role == "branch_secretary"

    secretary = demo.holder("branch_secretary")
    outsider_talk = {"talker": participants[0], "counterpart": _not_a_member(demo)}
    with pytest.raises(ValidationFailed) as refused:  # talks between people of the branch
        complete_step(secretary, instance_id, "talks", {"talks": [outsider_talk]})
    assert any(key.startswith("talks") for key in refused.value.field_errors)
    complete_step(
        demo.holder("propaganda_member"),
        instance_id,
        "solicit_opinions",
        {"channels": ["survey"], "opinions": "服务群众的办法还不多。"},
    )
    assert _tasks(instance_id, "self_review_materials") == []  # until the talks are held
    complete_step(
        secretary,
        instance_id,
        "talks",
        {
            "talks": [
                {"talker": participants[0], "counterpart": participants[1], "held_on": "2026-12-01"}
            ]
        },
    )
    statements = _tasks(instance_id, "self_review_materials")
    assert [t.assignee_user_id for t in statements] == [a.user_id for _, a in members]
    for task, (_, actor) in zip(statements, members, strict=True):
        with pytest.raises(ValidationFailed) as refused:  # the statement is the upload
            run(commands.complete_task, actor=actor, task_id=task.id, data={})
        assert "statement" in refused.value.field_errors
        statement = _upload(actor, task.id, "statement", "对照检查材料.pdf")
        run(commands.complete_task, actor=actor, task_id=task.id, data={"statement": statement})
    assert open_task(instance_id).element_id == "committee_self_review"
    data = _data(instance_id)
    # each answer kept under its member's place in the participants list
    assert [data["studies"][str(i)] for i in range(3)] == [
        f"学习党章，第{a.user_id}号" for _, a in members
    ]
    assert sorted(s["name"] for s in data["statements"].values()) == ["对照检查材料.pdf"] * 3


def test_the_meeting_counts_the_roster_and_the_list_names_members(demo):
    members = _member_actors(demo)
    secretary = demo.holder("branch_secretary")
    instance_id = _prepared(demo, members)
    hold = open_task(instance_id)
    assert (hold.element_id, hold.candidate_role) == ("hold_meeting", "branch_secretary")
    report = _upload(secretary, hold.id, "secretary_report", "书记报告.pdf")
    meeting = {
        "held_at": MEETING_AT,
        "attendance": {"present": [members[0][0], _not_a_member(demo)]},
        "secretary_report": report,
        "criticism_record": "逐一发言，开展批评与自我批评。",
    }
    with pytest.raises(ValidationFailed) as refused:  # those present are the branch's members
        complete_step(secretary, instance_id, "hold_meeting", meeting)
    assert refused.value.field_errors["attendance.present"] == "请选择本支部的党员。"
    assert open_task(instance_id).element_id == "hold_meeting"
    present = [p for p, _ in members]
    complete_step(
        secretary, instance_id, "hold_meeting", meeting | {"attendance": {"present": present}}
    )
    entitled = len(demo.people("members", MEETING_DAY))
    assert (
        _submitted(instance_id, "hold_meeting")["attendance"]["entitled"] == entitled
    )  # from the roster, not typed

    item = {"issue": "理论学习不够深入", "measure": "每月集中学习", "due": "2027-01-31"}
    with pytest.raises(ValidationFailed) as refused:  # the owner is one of the branch's members
        complete_step(
            secretary,
            instance_id,
            "rectification_list",
            {"items": [item | {"owner": _not_a_member(demo)}]},
        )
    assert any(key.startswith("items") for key in refused.value.field_errors)
    assert open_task(instance_id).element_id == "rectification_list"
    complete_step(
        secretary, instance_id, "rectification_list", {"items": [item | {"owner": present[0]}]}
    )
    assert open_task(instance_id).element_id == "report_upward"


def test_a_returned_report_comes_back_and_items_close_only_with_evidence(demo, clock):
    members = _member_actors(demo)
    owners = [p for p, _ in members]
    secretary = demo.holder("branch_secretary")
    reviewer = holder_at("HH01", "unit_org_reviewer")  # the demo branch's unit
    instance_id = _held(demo, members)
    items = [
        {
            "issue": "理论学习不够深入",
            "measure": "每月集中学习",
            "owner": owners[0],
            "due": "2027-01-31",
        },
        {"issue": "联系群众不够", "measure": "走访班组", "owner": owners[1], "due": "2027-02-28"},
    ]
    complete_step(secretary, instance_id, "rectification_list", {"items": items})
    report = _upload(secretary, open_task(instance_id).id, "report", "情况报告.pdf")
    complete_step(secretary, instance_id, "report_upward", {"report": report})

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("upper_review", "unit_org_reviewer")
    with pytest.raises((Forbidden, NotFound)):  # the branch does not approve its own report
        run(
            commands.complete_task,
            actor=secretary,
            task_id=review.id,
            data={"report_approved": True},
        )
    with pytest.raises(ValidationFailed) as refused:  # a return says what to change
        complete_step(reviewer, instance_id, "upper_review", {"report_approved": False})
    assert "reviewer_opinion" in refused.value.field_errors
    assert open_task(instance_id).element_id == "upper_review"
    complete_step(
        reviewer,
        instance_id,
        "upper_review",
        {"report_approved": False, "reviewer_opinion": "整改措施要具体到时间节点。"},
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_report", "branch_secretary")
    assert told_of_return(instance_id) == [secretary.user_id]
    revised = _upload(secretary, revise.id, "report", "情况报告（修改稿）.pdf")
    items[0]["measure"] = "每月第一周集中学习"
    complete_step(
        secretary,
        instance_id,
        "revise_report",
        {"report": revised, "items": items, "revision_note": "细化了时间节点"},
    )
    complete_step(reviewer, instance_id, "upper_review", {"report_approved": True})

    track = open_task(instance_id)
    assert (track.element_id, track.candidate_role) == ("track_rectification", "branch_secretary")
    done_bare = [items[0] | {"status": "done"}, items[1] | {"status": "in_progress"}]
    with pytest.raises(ValidationFailed):  # closed only with its result and evidence
        complete_step(secretary, instance_id, "track_rectification", {"items": done_bare})
    assert open_task(instance_id).element_id == "track_rectification"
    first_done = items[0] | {
        "status": "done",
        "evidence": "12月集中学习2次，记录在册",
        "closed_on": "2026-12-28",
    }
    round_one = [first_done, items[1] | {"status": "in_progress"}]
    complete_step(secretary, instance_id, "track_rectification", {"items": round_one})

    db.session.rollback()
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.RUNNING
    assert row.next_timer_at is not None
    assert _tasks(instance_id, "track_rectification") == []  # waits a month
    clock.set(row.next_timer_at)
    clock.advance(seconds=1)
    assert run_once().timers_fired >= 1
    second_done = items[1] | {
        "status": "done",
        "evidence": "走访班组6个",
        "closed_on": "2027-01-20",
    }
    complete_step(
        secretary, instance_id, "track_rectification", {"items": [first_done, second_done]}
    )
    complete_step(
        secretary,
        instance_id,
        "publicise",
        {"published_on": "2027-01-25", "publicity_scope": "站务公开栏"},
    )

    db.session.rollback()
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    data = json.loads(row.state_json)["data"]  # the final data, which the ledgers read
    assert [i["status"] for i in data["items"]] == ["done", "done"]
    assert data["items"][0]["measure"] == "每月第一周集中学习"  # the revised list is tracked
    assert data["report"]["name"] == "情况报告（修改稿）.pdf"
    assert data["reviewer_opinion"] == "整改措施要具体到时间节点。"
    assert verify_chain(db.session).ok


def test_the_task_page_reads_in_english_but_for_names(demo, client, login, app):
    members = _member_actors(demo)
    secretary = demo.holder("branch_secretary")
    instance_id = _prepared(demo, members)
    login(secretary.login, app.config["DEMO_PASSWORD"])
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    card = form_card(page)
    assert "Hold the organisational-life meeting" in card
    assert "Record of criticism and self-criticism" in card
    card = without_branch_names(card, demo.branch.id)
    assert not CJK.findall(card)


def test_the_calendar_asks_for_it_yearly_and_gives_a_task_when_a_year_had_none(demo, clock):
    secretary = demo.holder("branch_secretary")
    clock.set(datetime(2027, 12, 26, 2, 0, tzinfo=UTC))  # the last week of 2027
    while run(check_meeting_schedule, actor=SYSTEM):  # every branch's reminders, batch by batch
        pass
    reminders = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.kind == "reminder"
        )
    ).all()
    assert "2027年尚未召开组织生活会（2027-12-31 截止）" in reminders
    rows = branch_calendar(
        db.session, demo.branch, 2027, date(2027, 12, 26), local_zone(), schedule().meetings
    )
    (yearly,) = [r for r in rows if r.requirement.process_key == "organisational_life_meeting"]
    assert [c.state for c in yearly.cells] == ["open"]  # one cell for the year
    clock.set(datetime(2028, 1, 2, 2, 0, tzinfo=UTC))
    missed = missed_procedures(demo.branch.id)
    assert "组织生活会 2027年" in missed

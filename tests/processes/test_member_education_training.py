"""党员教育培训 at the demo branch, through the commands: the year's plan, the mid-year and
year-end reminders of the members behind (the system counts the hours, nobody types them), the
annual check; a training session with its attendance and hours; a member's own claim counted only
once the branch approves it."""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.auditing.replay import replay_instance
from app.core.clock import local_zone as clock_zone
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.identity.models import User
from app.members.study_hours import study_hours_by_person
from app.notify.models import Notification
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import log_in
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SESSION_DAY = date(2026, 11, 20)


def start(actor, demo, process_key: str) -> int:
    return run(
        commands.start_instance, actor=actor, process_key=process_key, org_code=demo.branch.code
    )


def upload(actor, instance_id: int, field: str, name: str, data: bytes = PDF):
    refs = run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, name, data)],
    )
    return refs[field]


def plan_session(demo, held_on: date = SESSION_DAY, mode: str = "rotation") -> int:
    propaganda = demo.holder("propaganda_member")
    instance_id = start(propaganda, demo, "member_training_session")
    planned = {
        "course": "学习贯彻党的二十届四中全会精神专题培训",
        "mode": mode,
        "organiser": "采油一厂党委",
        "held_on": held_on.isoformat(),
    }
    complete_step(propaganda, instance_id, "plan_session", planned)
    return instance_id


def record_session(demo, present: list[int], hours: float, held_on: date = SESSION_DAY) -> int:
    instance_id = plan_session(demo, held_on)
    recorded = {"hours": hours, "attendees": {"present": present}}
    complete_step(demo.holder("propaganda_member"), instance_id, "record_session", recorded)
    return instance_id


def claim(demo, member, hours: float, approved: bool) -> int:
    instance_id = start(member, demo, "study_hours_claim")
    complete_step(
        member,
        instance_id,
        "claim",
        {"course": "中国石油网络学院专题课程", "mode": "online", "held_on": "2026-11-10"}
        | {"hours": hours},
    )
    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("review_claim", "propaganda_member")
    with pytest.raises(Forbidden):  # the member does not approve their own hours
        complete_step(member, instance_id, "review_claim", {"approved": True, "opinion": "同意"})
    complete_step(
        demo.holder("propaganda_member"),
        instance_id,
        "review_claim",
        {"approved": approved, "opinion": "证明齐全" if approved else "缺少学习证明"},
    )
    return instance_id


def person_of(actor) -> int:
    return db.session.get(User, actor.user_id).person_id


def test_a_session_counts_its_hours_for_the_members_present(demo):
    members = demo.people("members", SESSION_DAY)
    propaganda = demo.holder("propaganda_member")
    instance_id = start(propaganda, demo, "member_training_session")
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("plan_session", "propaganda_member")
    instance_id = plan_session(demo, mode="party_school")
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("record_session", "propaganda_member")
    due = task.due_at.replace(tzinfo=task.due_at.tzinfo or UTC).astimezone(clock_zone())
    assert due.date() == date(2026, 11, 23)  # 3 days after the session of 20 November
    not_a_member = next(p for p in demo.members if p not in members)
    with pytest.raises(ValidationFailed) as refused:  # only party members on the day's rolls
        complete_step(
            propaganda,
            instance_id,
            "record_session",
            {"hours": 8, "attendees": {"present": [not_a_member]}},
        )
    assert "attendees.present" in refused.value.field_errors
    recorded = {"hours": 8, "attendees": {"present": members[:2]}}
    with pytest.raises(Forbidden):  # the propaganda member's step
        complete_step(demo.holder("dues_clerk"), instance_id, "record_session", recorded)
    assert open_task(instance_id).id == task.id  # nothing changed
    complete_step(propaganda, instance_id, "record_session", recorded)
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert (
        earlier_answers(db.session, instance_id)["attendees"]
        == {
            "entitled": len(members),  # counted from the rolls on the session's day
            "present": members[:2],
            "quorum_met": False,  # shown for meetings; a training needs no quorum
        }
    )
    hours = study_hours_by_person(db.session, demo.branch.id, 2026)
    assert [hours[p] for p in members[:3]] == [8.0, 8.0, 0.0]
    assert study_hours_by_person(db.session, demo.branch.id, 2027) == dict.fromkeys(members, 0.0)


def test_a_claim_counts_only_once_approved(demo):
    member = demo.holder("member")
    me = person_of(member)
    claim(demo, member, 6, approved=False)
    assert study_hours_by_person(db.session, demo.branch.id, 2026)[me] == 0.0
    claim(demo, member, 2.5, approved=True)
    assert study_hours_by_person(db.session, demo.branch.id, 2026)[me] == 2.5


def reminders(instance_id: int) -> set[int]:
    db.session.rollback()
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.instance_id == instance_id, Notification.kind == "reminder"
            )
        )
    )


def test_the_year_plan_reminders_and_annual_check(demo, clock, app):
    propaganda = demo.holder("propaganda_member")
    org_member = demo.holder("org_member")
    members = demo.people("members", SESSION_DAY)
    accounts = dict(
        db.session.execute(select(User.person_id, User.id).where(User.person_id.in_(members))).all()
    )
    first, second, third = [p for p in members if p in accounts][:3]
    record_session(demo, [first, second], 16)  # two members have 16 hours by mid-year's check

    instance_id = start(propaganda, demo, "member_education_training")
    plan = open_task(instance_id)
    assert (plan.element_id, plan.candidate_role) == ("annual_plan", "propaganda_member")
    planned = {"year": 2026, "content": "全会精神、党章党规、石油精神专题学习", "planned_hours": 40}
    with pytest.raises(ValidationFailed) as refused:  # the plan's file is required
        complete_step(propaganda, instance_id, "annual_plan", planned)
    assert "plan" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:  # the plan covers at least 32 hours
        complete_step(propaganda, instance_id, "annual_plan", planned | {"planned_hours": 20})
    assert "planned_hours" in refused.value.field_errors
    (plan_file,) = upload(propaganda, instance_id, "plan", "2026年学习计划.pdf")
    complete_step(propaganda, instance_id, "annual_plan", planned | {"plan": plan_file})

    run_once()  # 1 July passed: the mid-year count reminds those below 16 hours
    assert open_task(instance_id).element_id == "midyear_make_up"
    behind = {accounts[p] for p in members if p in accounts} - {accounts[first], accounts[second]}
    assert reminders(instance_id) == behind
    with pytest.raises(ValidationFailed) as refused:  # the first has 16 hours: not behind
        complete_step(
            propaganda,
            instance_id,
            "midyear_make_up",
            {"make_up_for": [first], "arrangements": "12月集中补学"},
        )
    assert "make_up_for" in refused.value.field_errors
    complete_step(
        propaganda,
        instance_id,
        "midyear_make_up",
        {"make_up_for": [third], "arrangements": "12月集中补学"},
    )

    record_session(demo, [first, second, third], 16, held_on=date(2026, 11, 28))
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Beijing on 1 December
    run_once()
    assert open_task(instance_id).element_id == "year_end_make_up"
    year_end = db.session.scalars(
        select(Notification).where(
            Notification.instance_id == instance_id,
            Notification.kind == "reminder",
            Notification.created_at >= clock.now(),
        )
    ).all()
    # Below 32 now: the third member (16 hours) and everyone without hours; not the first two.
    assert {n.user_id for n in year_end} == behind
    told = next(n for n in year_end if n.user_id == accounts[third])
    assert told.title == "学时提醒：本年度已记录16学时，应不少于32学时，请参加补学"
    complete_step(propaganda, instance_id, "year_end_make_up", {"arrangements": "补学党章"})

    clock.set(datetime(2027, 1, 1, 2, 0, tzinfo=UTC))
    run_once()
    check = open_task(instance_id)
    assert (check.element_id, check.candidate_role) == ("annual_check", "org_member")
    state = json.loads(db.session.get(ProcessInstance, instance_id).state_json)
    # Listed for the check: every member below 32 hours, the third with their 16 hours.
    listed = _find(state, "below_required")
    assert [entry["value"] for entry in listed] == [p for p in members if p not in (first, second)]
    name = db.session.get(Person, third).name
    assert next(e for e in listed if e["value"] == third)["label"] == f"{name}（16学时）"
    browser = app.test_client()  # the organisation member sees them listed on the task
    assert log_in(browser, org_member.login, app.config["DEMO_PASSWORD"]).status_code == 302
    assert f"{name}（16学时）" in browser.get(f"/inbox/tasks/{check.id}").get_data(as_text=True)
    with pytest.raises(Forbidden):
        complete_step(propaganda, instance_id, "annual_check", {"verified": True})
    complete_step(
        org_member, instance_id, "annual_check", {"verified": True, "below_confirmed": [third]}
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    # The auditor's replay gives the service tasks the counts they recorded: the same year.
    assert replay_instance(db.session, instance_id).identical


def _find(node, key: str):
    """The value of ``key`` anywhere in the instance's stored state (the engine's task data)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            found = _find(child, key)
            if found is not None:
                return found
    return None

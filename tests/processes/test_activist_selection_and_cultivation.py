"""入党积极分子的确定和培养教育 through the commands at the demo branch, with the clock moved, not
slept: a member recommends an applicant, the committee decides, the unit files it only after the
5 working days of the notice, the person becomes an activist from the committee's day, two full
members on the rolls cultivate them in tasks of their own, the second half-yearly assessment is
refused before six months after the first, and the one-year summary before a year of cultivation
— each refusal names the rule, its article and the first day allowed, and changes nothing."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import User
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return
from tests.processes.test_membership_application_intake import receive

ACTIVIST_DAY = "2026-11-23"  # a Monday
NOTICE = "公示期一般为5个工作日"
DECISION = {
    "agreed": True,
    "activist_date": ACTIVIST_DAY,
    "committee_opinion": "同意确定为入党积极分子",
}


def at(clock, day: str) -> None:
    """10:00 Beijing time on ``day``."""
    clock.set(datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC))


def refused_until(
    actor: Actor, instance_id: int, step: str, data: dict, day: str, basis: str
) -> None:
    """The step is refused with its rule, its basis and the first day allowed; nothing changes."""
    task = open_task(instance_id, step)
    with pytest.raises(ValidationFailed) as refused:
        complete_step(actor, instance_id, step, data)
    assert day in str(refused.value.message)
    assert basis in str(refused.value.message)  # the article of the regulation
    assert open_task(instance_id, step).id == task.id


def as_actor(user: User) -> Actor:
    return Actor(user_id=user.id, login=user.login, source="test")


def start_with_activist(demo, clock) -> tuple[int, int]:
    """(instance, person) of a cultivation whose activist has been filed on 30 Nov 2026."""
    _intake, person_id = receive(demo)
    member = demo.holder("member")
    instance_id = run(
        commands.start_instance,
        actor=member,
        process_key="activist_selection_and_cultivation",
        org_code=demo.branch.code,
    )
    complete_step(
        member,
        instance_id,
        "recommend",
        {
            "candidate": person_id,
            "recommend_type": "member",
            "recommend_reason": "工作积极，群众认可",
        },
    )
    org_member = demo.holder("org_member")
    complete_step(org_member, instance_id, "committee_decide", DECISION)
    complete_step(
        org_member,
        instance_id,
        "publicity",
        {"publicity_start": ACTIVIST_DAY, "publicity_place": "站务公开栏"},
    )
    return instance_id, person_id


def test_the_unit_files_the_activist_only_after_five_working_days_of_notice(
    demo, clock, client, login, app
):
    instance_id, person_id = start_with_activist(demo, clock)
    reviewer = holder_at("HH01", "unit_org_reviewer")
    filing = open_task(instance_id)
    assert (filing.element_id, filing.candidate_role) == ("file_upward", "unit_org_reviewer")
    login(reviewer.login, app.config["DEMO_PASSWORD"])  # the task page says so before the form
    page = client.get(f"/inbox/tasks/{filing.id}").get_data(as_text=True)
    assert 'id="not-yet"' in page
    assert "2026-11-30" in page
    filed = {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"}
    refused_until(reviewer, instance_id, "file_upward", filed, "2026-11-30", NOTICE)
    at(clock, "2026-11-27")  # Friday: 4 working days
    refused_until(reviewer, instance_id, "file_upward", filed, "2026-11-30", NOTICE)
    assert db.session.get(Person, person_id).party_status is PartyStatus.APPLICANT
    at(clock, "2026-11-30")
    assert 'id="not-yet"' not in client.get(f"/inbox/tasks/{filing.id}").get_data(as_text=True)
    # Returned once: the committee completes the filing and files it again.
    returned = {"filed": False, "filed_on": "2026-11-30", "filing_opinion": "请补充推荐材料"}
    complete_step(reviewer, instance_id, "file_upward", returned)
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_decision", "branch_committee")
    assert demo.holder("org_member").user_id in told_of_return(instance_id)
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "revise_decision",
        DECISION | {"revision_note": "补充党员推荐表"},
    )
    assert db.session.get(Person, person_id).party_status is PartyStatus.APPLICANT
    complete_step(reviewer, instance_id, "file_upward", filed)

    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.ACTIVIST
    assert person.activist_date == date(2026, 11, 23)  # the committee's day, not the filing's
    change = db.session.scalars(
        select(PartyStatusChange).where(PartyStatusChange.person_id == person_id)
    ).one()
    assert change.instance_id == instance_id


def test_a_committee_that_does_not_agree_changes_no_status(demo, clock):
    _intake, person_id = receive(demo)
    member = demo.holder("member")
    instance_id = run(
        commands.start_instance,
        actor=member,
        process_key="activist_selection_and_cultivation",
        org_code=demo.branch.code,
    )
    with pytest.raises(ValidationFailed):  # only applicants may be recommended
        complete_step(
            member,
            instance_id,
            "recommend",
            {
                "candidate": demo.people("full_members")[0],
                "recommend_type": "member",
                "recommend_reason": "工作积极",
            },
        )
    complete_step(
        member,
        instance_id,
        "recommend",
        {"candidate": person_id, "recommend_type": "league", "recommend_reason": "团组织推优"},
    )
    with pytest.raises(Forbidden):  # the committee decides, not the member who recommended
        complete_step(member, instance_id, "committee_decide", DECISION)
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "committee_decide",
        DECISION | {"agreed": False, "committee_opinion": "培养时间尚短，暂不确定"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert db.session.get(Person, person_id).party_status is PartyStatus.APPLICANT


def test_contacts_cultivate_and_the_reviews_and_the_year_wait_for_their_time(demo, clock):
    instance_id, person_id = start_with_activist(demo, clock)
    at(clock, "2026-11-30")
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "file_upward",
        {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"},
    )
    org_member = demo.holder("org_member")
    full = demo.people("full_members", date(2026, 11, 30))
    contacts = list(
        db.session.scalars(select(User).where(User.person_id.in_(full)).order_by(User.id).limit(3))
    )
    with pytest.raises(ValidationFailed):  # one or two contacts, never three
        complete_step(
            org_member,
            instance_id,
            "assign_contacts",
            {"contacts": [u.person_id for u in contacts]},
        )
    with pytest.raises(ValidationFailed):  # full members only: not the activist themself
        complete_step(org_member, instance_id, "assign_contacts", {"contacts": [person_id]})
    pair = contacts[:2]
    complete_step(
        org_member, instance_id, "assign_contacts", {"contacts": [u.person_id for u in pair]}
    )
    db.session.rollback()
    tasks = db.session.scalars(
        select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.element_id == "cultivate",
            HumanTask.state == HumanTaskState.READY,
        )
    ).all()
    assert sorted(t.assignee_user_id for t in tasks) == sorted(u.id for u in pair)
    for task in tasks:
        user = db.session.get(User, task.assignee_user_id)
        run(
            commands.complete_task,
            actor=as_actor(user),
            task_id=task.id,
            data={"cultivation_record": "吸收参加主题党日，每季度听取思想汇报"},
        )

    at(clock, "2027-01-15")
    complete_step(
        org_member,
        instance_id,
        "first_review",
        {"first_review_on": "2027-01-15", "first_assessment": "表现积极"},
    )
    second = {"reviewed_on": "2027-07-15", "second_assessment": "进步明显"}
    at(clock, "2027-07-14")
    refused_until(org_member, instance_id, "second_review", second, "2027-07-15", "第十二条")
    at(clock, "2027-07-20")  # due now, but a review dated before the six months is refused too
    refused_until(
        org_member,
        instance_id,
        "second_review",
        second | {"reviewed_on": "2027-07-10"},
        "2027-07-15",
        "第十二条",
    )
    complete_step(org_member, instance_id, "second_review", second)

    summary = {"gate_on": "2027-11-23", "year_summary": "一年来表现良好", "ready_for_target": True}
    at(clock, "2027-11-22")
    refused_until(org_member, instance_id, "year_gate", summary, "2027-11-23", "第十三条")
    at(clock, "2027-11-23")
    # Not ready yet: cultivated further, assessed again half a year after the summary.
    complete_step(org_member, instance_id, "year_gate", summary | {"ready_for_target": False})
    further = {"reviewed_on": "2028-05-23", "further_assessment": "继续进步"}
    at(clock, "2028-05-22")
    refused_until(org_member, instance_id, "further_review", further, "2028-05-23", "第十二条")
    at(clock, "2028-05-23")
    complete_step(org_member, instance_id, "further_review", further)
    complete_step(org_member, instance_id, "year_gate", summary | {"gate_on": "2028-05-23"})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert db.session.get(Person, person_id).party_status is PartyStatus.ACTIVIST


def test_a_returned_filing_may_be_withdrawn(demo, clock):
    instance_id, person_id = start_with_activist(demo, clock)
    at(clock, "2026-12-01")
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "file_upward",
        {"filed": False, "filed_on": "2026-12-01", "filing_opinion": "培养对象不符合条件"},
    )
    complete_step(
        demo.holder("org_member"),
        instance_id,
        "revise_decision",
        DECISION | {"agreed": False, "revision_note": "撤回确定意见"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert db.session.get(Person, person_id).party_status is PartyStatus.APPLICANT


def test_the_api_refuses_the_early_filing_the_same_way(demo, clock, app, client):
    instance_id, _person_id = start_with_activist(demo, clock)
    reviewer = holder_at("HH01", "unit_org_reviewer")
    made = app.test_cli_runner().invoke(args=["users", "token", reviewer.login, "--name", "t"])
    headers = {"Authorization": f"Bearer {made.output.strip()}"}
    filing = open_task(instance_id)
    data = {"filed": True, "filed_on": "2026-11-30", "filing_opinion": "同意备案"}
    early = client.post(f"/api/v1/tasks/{filing.id}/complete", json={"data": data}, headers=headers)
    assert early.status_code == 422
    assert "2026-11-30" in early.get_data(as_text=True)
    assert open_task(instance_id).id == filing.id
    at(clock, "2026-11-30")
    done = client.post(f"/api/v1/tasks/{filing.id}/complete", json={"data": data}, headers=headers)
    assert done.status_code == 200

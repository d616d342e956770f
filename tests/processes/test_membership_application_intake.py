"""入党申请受理与谈话 through the commands at the demo branch: the organisation member receives the
letter (an applicant under 18 is refused and nothing is kept), the applicant enters the rolls with
the application date, the secretary assigns a committee member, who gets the talk as their own
task, due one month after the letter was handed in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import User
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICATION = {
    "applicant_name": "林晓东",
    "gender": "male",
    "birth_date": "1999-04-12",
    "employee_no": "CQ-DEV-0001",
    "submitted_on": "2026-11-20",
    "letter_complete": True,
}


def start_intake(demo, actor) -> int:
    return run(
        commands.start_instance,
        actor=actor,
        process_key="membership_application_intake",
        org_code=demo.branch.code,
    )


def letter(actor, instance_id: int) -> dict:
    return run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload("application_letter", "入党申请书.pdf", PDF)],
    )["application_letter"][0]


def receive(demo, application: dict | None = None) -> tuple[int, int]:
    """An intake whose letter is received: (instance id, the applicant's person id)."""
    org_member = demo.holder("org_member")
    instance_id = start_intake(demo, org_member)
    data = (application or APPLICATION) | {"application_letter": letter(org_member, instance_id)}
    complete_step(org_member, instance_id, "receive_application", data)
    row = db.session.get(ProcessInstance, instance_id)
    return instance_id, _person_id(data["employee_no"], row)


def _person_id(employee_no: str, _row: ProcessInstance) -> int:
    return db.session.scalars(select(Person.id).where(Person.employee_no == employee_no)).one()


def test_an_application_is_received_and_the_talk_follows_within_a_month(demo):
    org_member, secretary = demo.holder("org_member"), demo.holder("branch_secretary")
    instance_id = start_intake(demo, org_member)
    received = open_task(instance_id)
    assert (received.element_id, received.candidate_role) == ("receive_application", "org_member")
    scan = letter(org_member, instance_id)

    too_young = APPLICATION | {"birth_date": "2009-01-01", "application_letter": scan}
    with pytest.raises(ValidationFailed) as refused:  # 细则第五条: 年满十八岁
        complete_step(org_member, instance_id, "receive_application", too_young)
    assert "birth_date" in refused.value.field_errors
    assert open_task(instance_id).id == received.id  # nothing changed
    assert db.session.scalar(select(Person.id).where(Person.employee_no == "CQ-DEV-0001")) is None

    complete_step(
        org_member, instance_id, "receive_application", APPLICATION | {"application_letter": scan}
    )
    person = db.session.scalars(select(Person).where(Person.employee_no == "CQ-DEV-0001")).one()
    assert (person.name, person.branch_id) == ("林晓东", demo.branch.id)
    assert person.party_status is PartyStatus.APPLICANT
    assert person.application_date == date(2026, 11, 20)

    assign = open_task(instance_id)
    assert (assign.element_id, assign.candidate_role) == ("assign_talker", "branch_secretary")
    committee = demo.people("committee", date(2026, 11, 23))
    talker_user = db.session.scalars(
        select(User).where(User.person_id.in_(committee), User.id != secretary.user_id)
    ).first()
    with pytest.raises(Forbidden):  # the secretary assigns, not the organisation member
        complete_step(org_member, instance_id, "assign_talker", {"talker": talker_user.person_id})
    outsider = next(
        p for p in demo.people("full_members", date(2026, 11, 23)) if p not in committee
    )
    with pytest.raises(ValidationFailed) as refused:  # only a committee member talks
        complete_step(secretary, instance_id, "assign_talker", {"talker": outsider})
    assert "talker" in refused.value.field_errors
    complete_step(secretary, instance_id, "assign_talker", {"talker": talker_user.person_id})

    talk = open_task(instance_id)
    assert (talk.element_id, talk.assignee_user_id) == ("interview", talker_user.id)
    due = talk.due_at.replace(tzinfo=talk.due_at.tzinfo or local_zone())
    assert due.astimezone(local_zone()).date() == date(2026, 12, 20)  # a month after 20 Nov
    talker = type(secretary)(user_id=talker_user.id, login=talker_user.login, source="test")
    complete_step(
        talker,
        instance_id,
        "interview",
        {"talked_on": "2026-11-23", "talk_record": "了解入党动机和工作表现，鼓励其加强理论学习。"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED

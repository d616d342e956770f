"""A task whose data names its person (``assigneeFrom``) or organisation (``orgFrom``): assigned
when the records allow it, otherwise with the lane's role and the reason in the step log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Conflict
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.identity.queries import get_org_by_code
from app.identity.queries import get_user_by_login
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.engine.models_kit import between_start_and_end
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _start(key: str, org: str, data: dict, who: str = "sec1") -> int:
    return run(commands.start_instance, actor=actor(who), process_key=key, org_code=org, data=data)


def _log(instance_id: int, action: str) -> list[str]:
    query = select(StepLogEntry.detail).where(
        StepLogEntry.instance_id == instance_id, StepLogEntry.action == action
    )
    return list(db.session.scalars(query.order_by(StepLogEntry.seq)))


def _actions(instance_id: int) -> list[str]:
    query = select(StepLogEntry.action).where(StepLogEntry.instance_id == instance_id)
    return list(db.session.scalars(query.order_by(StepLogEntry.seq)))


def test_the_talk_partner_gets_the_task_and_only_they_complete_it(people):
    partner = make_person("周文", people.tree.branch1)
    make_user("zhouwen", person_id=partner, name="周文")
    deploy("talk.bpmn")
    instance_id = _start("talk", people.tree.branch1, {"partner": partner})
    (task,) = open_tasks(instance_id)
    assert task.assignee_user_id == get_user_by_login(db.session, "zhouwen").id
    assert task.candidate_role == "branch_secretary"  # the fallback stays visible to the lane
    (note,) = _log(instance_id, "assigned")
    assert "周文" in note
    assert _actions(instance_id) == ["started", "assigned"]  # said after the step that made it
    with pytest.raises(Conflict):
        run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data={})
    run(commands.complete_task, actor=actor("zhouwen"), task_id=task.id, data={})
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_a_login_names_the_person_too(people):
    partner = make_person("周文", people.tree.branch1)
    make_user("zhouwen", person_id=partner, name="周文")
    deploy("talk.bpmn")
    (task,) = open_tasks(_start("talk", people.tree.branch1, {"partner": "zhouwen"}))
    assert task.assignee_user_id == get_user_by_login(db.session, "zhouwen").id


def _no_account(people) -> int:
    return make_person("吴明", people.tree.branch1)


def _other_unit(people) -> int:
    person = make_person("郑华", people.tree.branch3)
    make_user("zhenghua", person_id=person, name="郑华")
    return person


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (lambda people: None, "partner is empty"),
        (lambda people: "", "partner is empty"),
        (lambda people: 999999, "unknown person"),
        (lambda people: "nobody", "unknown person"),
        (_no_account, "吴明 has no active user account"),
        (_other_unit, "郑华 is not on the rolls of 东一采油站党支部"),
    ],
    ids=["none", "empty", "unknown-id", "unknown-login", "no-account", "outside"],
)
def test_without_a_valid_person_the_task_goes_to_the_lane(people, value, reason):
    deploy("talk.bpmn")
    instance_id = _start("talk", people.tree.branch1, {"partner": value(people)})
    (task,) = open_tasks(instance_id)
    assert task.assignee_user_id is None
    assert task.candidate_role == "branch_secretary"
    (note,) = _log(instance_id, "assigned_to_role")
    assert reason in note
    assert "支部书记" in note  # the role, by its name
    run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data={})  # as today


def test_an_organisation_outside_the_instance_falls_back_to_its_own(people):
    make_user("rev2")
    grant("rev2", "unit_org_reviewer", people.tree.unit2)
    deploy("unit_review.bpmn")
    units = [people.tree.unit2, "NOPE"]
    instance_id = _start("unit_review", people.tree.unit1, {"units": units}, who="rev1")
    unit1 = get_org_by_code(db.session, people.tree.unit1)
    assert [t.org_unit_id for t in open_tasks(instance_id)] == [unit1.id, unit1.id]
    outside, unknown = _log(instance_id, "assigned_to_role")
    assert "第二厂党委 is outside 第一厂党委" in outside
    assert "unknown organisation 'NOPE'" in unknown


def test_assignee_from_must_name_a_variable(people):
    task = (
        '<bpmn:userTask id="t1" name="任务"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="test_any"/>'
        '<spiffworkflow:property name="assigneeFrom" value="talk partner"/>'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
    )
    source = between_start_and_end("bad_ref", task, "t1")
    with pytest.raises(DeploymentRefused) as refused:
        run(deploy_definitions, actor=SYSTEM, sources={"bad_ref.bpmn": source})
    (error,) = refused.value.errors
    assert error.element_id == "t1"
    assert "不是变量名" in error.message_zh

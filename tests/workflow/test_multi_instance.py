"""Multi-instance user tasks through the command path: each instance's task for its person or
organisation, sequential and parallel to the end, and the bound on the number of instances."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.identity.queries import get_org_by_code
from app.identity.queries import get_user_by_login
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.engine.models_kit import between_start_and_end
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _start(key: str, org: str, data: dict, who: str = "sec1") -> int:
    return run(commands.start_instance, actor=actor(who), process_key=key, org_code=org, data=data)


def _complete(task: HumanTask, who: str, data: dict | None = None) -> None:
    run(commands.complete_task, actor=actor(who), task_id=task.id, data=data or {})


def _user_id(login: str) -> int:
    return get_user_by_login(db.session, login).id


def _instance(instance_id: int) -> ProcessInstance:
    return db.session.get(ProcessInstance, instance_id)


def test_sequential_signatures_go_to_each_member_in_turn(people, committee):
    deploy("committee_sign.bpmn")
    instance_id = _start("committee_sign", people.tree.branch1, {"members": committee})
    for login in ("m1", "m2", "m3"):
        (task,) = open_tasks(instance_id)  # one at a time, in the list's order
        assert (task.element_id, task.assignee_user_id) == ("sign", _user_id(login))
        _complete(task, login, {"signed": True})
    (archive,) = open_tasks(instance_id)  # past the first completion, to the next step
    assert archive.element_id == "archive"
    assert archive.assignee_user_id is None
    _complete(archive, "sec1")
    row = _instance(instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert "member" not in json.loads(row.state_json)["data"]  # the item stays in its instance


def test_someone_else_may_not_sign_for_a_member(people, committee):
    deploy("committee_sign.bpmn")
    instance_id = _start("committee_sign", people.tree.branch1, {"members": committee})
    (task,) = open_tasks(instance_id)
    with pytest.raises((NotFound, Forbidden)):
        _complete(task, "m2")  # the next member, not a candidate of the lane
    with pytest.raises(Conflict):
        _complete(task, "sec1")  # the lane's role: sees it, but it is m1's
    _complete(task, "m1")
    assert open_tasks(instance_id)[0].assignee_user_id == _user_id("m2")


def test_parallel_vote_ends_when_two_say_yes_and_withdraws_the_third(people, committee):
    deploy("committee_vote.bpmn")
    instance_id = _start("committee_vote", people.tree.branch1, {"members": committee})
    tasks = open_tasks(instance_id)
    assert [t.assignee_user_id for t in tasks] == [_user_id(m) for m in ("m1", "m2", "m3")]
    _complete(tasks[1], "m2", {"vote": "yes"})
    assert len(open_tasks(instance_id)) == 2
    _complete(tasks[0], "m1", {"vote": "yes"})
    row = _instance(instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert json.loads(row.state_json)["data"]["votes"] == ["yes", "yes"]
    assert db.session.get(HumanTask, tasks[2].id).state is HumanTaskState.CANCELLED


def test_parallel_vote_collects_every_answer_when_no_condition_holds(people, committee):
    deploy("committee_vote.bpmn")
    instance_id = _start("committee_vote", people.tree.branch1, {"members": committee})
    votes = {"m1": "no", "m2": "yes", "m3": "no"}
    for task, (login, vote) in zip(open_tasks(instance_id), votes.items(), strict=True):
        _complete(task, login, {"vote": vote})
    row = _instance(instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert sorted(json.loads(row.state_json)["data"]["votes"]) == ["no", "no", "yes"]


def test_each_unit_reviews_with_its_own_reviewers(people):
    make_user("rev2")
    grant("rev2", "unit_org_reviewer", people.tree.unit2)
    deploy("unit_review.bpmn")
    units = [people.tree.unit1, people.tree.unit2]
    instance_id = _start("unit_review", people.tree.company, {"units": units}, who="root")
    tasks = open_tasks(instance_id)
    unit_ids = [get_org_by_code(db.session, code).id for code in units]
    assert [t.org_unit_id for t in tasks] == unit_ids
    assert all(
        t.candidate_role == "unit_org_reviewer" and t.assignee_user_id is None for t in tasks
    )
    with pytest.raises((NotFound, Forbidden)):
        _complete(tasks[0], "rev2")  # the other unit's reviewer
    _complete(tasks[0], "rev1", {"opinion": "同意"})
    _complete(tasks[1], "rev2", {"opinion": "同意"})
    assert _instance(instance_id).status is InstanceStatus.COMPLETED


def test_too_many_instances_is_an_incident_before_any_task(app, people):
    app.config["MODEL_MULTI_INSTANCE_BOUND"] = 50
    app.extensions.pop("branchflow.runtime", None)  # the runtime reads the bound when made
    try:
        deploy("many_instances.bpmn")
        instance_id = _start("many_instances", people.tree.branch1, {"count": 10**6})
        row = _instance(instance_id)
        assert row.status is InstanceStatus.RUNNING
        assert row.open_incidents == 1
        (incident,) = db.session.scalars(select(Incident).where(Incident.instance_id == row.id))
        assert incident.element_id == "each"
        assert "1000000" in incident.message
        assert "50" in incident.message
        count = select(func.count()).select_from(HumanTask)
        assert db.session.scalar(count.where(HumanTask.instance_id == row.id)) == 0
        within = _start("many_instances", people.tree.branch1, {"count": 50})
        assert len(open_tasks(within)) == 50
    finally:
        app.extensions.pop("branchflow.runtime", None)


def test_a_constant_cardinality_above_the_bound_is_refused_at_deploy(people):
    task = (
        '<bpmn:userTask id="each" name="逐项"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formKey" value="test_any"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>10**6</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
    )
    source = between_start_and_end("too_many", task, "each")
    with pytest.raises(DeploymentRefused) as refused:
        run(deploy_definitions, actor=SYSTEM, sources={"too_many.bpmn": source})
    (error,) = refused.value.errors
    assert error.element_id == "each"
    assert "1000000" in error.message_en
    assert "300" in error.message_zh

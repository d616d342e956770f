"""Starting instances and working on their tasks: projection, scope, claims, forms, the step log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.queries import get_org_by_code
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.steplog import GENESIS
from app.workflow.steplog import step_hash
from tests.engine.models_kit import one_task
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

ITEMS = {"items": [{"points": 50}, {"points": 40}]}


@pytest.fixture
def instance_id(people):
    deploy("two_step.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )


def test_start_projects_the_first_task_for_the_branch_role(instance_id, people):
    (task,) = open_tasks(instance_id)
    assert (task.element_id, task.title, task.candidate_role) == (
        "draft",
        "填写会议通知",
        "branch_secretary",
    )
    assert task.org_unit_id == get_org_by_code(db.session, people.tree.branch1).id
    assert task.form_key == "test_notice"
    assert task.priority == 70
    assert (task.due_at - task.created_at).days == 3  # dueIn P3D


def test_unit_role_task_is_scoped_to_the_unit_above_the_branch(instance_id, people):
    (draft,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=draft.id, data=ITEMS)
    (review,) = open_tasks(instance_id)
    assert review.candidate_role == "unit_org_reviewer"
    assert review.org_unit_id == get_org_by_code(db.session, people.tree.unit1).id
    assert db.session.get(type(draft), draft.id).state is HumanTaskState.COMPLETED


def test_completing_both_tasks_completes_the_instance(instance_id):
    (draft,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=draft.id, data=ITEMS)
    (review,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("rev1"), task_id=review.id, data={"approved": True})
    db.session.rollback()
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert row.ended_at is not None
    assert open_tasks(instance_id) == []


def test_low_score_takes_the_default_flow_and_ends(instance_id):
    (draft,) = open_tasks(instance_id)
    run(
        commands.complete_task,
        actor=actor("sec1"),
        task_id=draft.id,
        data={"items": [{"points": 10}]},
    )
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_invalid_form_data_is_refused_per_field_and_changes_nothing(instance_id):
    (draft,) = open_tasks(instance_id)
    with pytest.raises(ValidationFailed) as refused:
        run(
            commands.complete_task,
            actor=actor("sec1"),
            task_id=draft.id,
            data={"items": [{"points": -1}]},
        )
    assert "items.0.points" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as missing:
        run(commands.complete_task, actor=actor("sec1"), task_id=draft.id, data={})
    assert missing.value.field_errors == {"items": "此项为必填项。"}
    assert [t.id for t in open_tasks(instance_id)] == [draft.id]
    assert db.session.get(ProcessInstance, instance_id).step_count == 1


def test_another_branch_cannot_see_or_complete_the_task(instance_id):
    (draft,) = open_tasks(instance_id)
    with pytest.raises(NotFound):
        run(commands.complete_task, actor=actor("sec3"), task_id=draft.id, data=ITEMS)
    with pytest.raises(NotFound):
        run(commands.claim_task, actor=actor("sec3"), task_id=draft.id)


def test_claim_unclaim_and_reassign(instance_id, people):
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    (draft,) = open_tasks(instance_id)
    run(commands.claim_task, actor=actor("sec1"), task_id=draft.id)
    with pytest.raises(Conflict):
        run(commands.claim_task, actor=actor("deputy1"), task_id=draft.id)
    with pytest.raises(Conflict):  # claimed by someone else
        run(commands.complete_task, actor=actor("deputy1"), task_id=draft.id, data=ITEMS)
    run(
        commands.assign_task,
        actor=actor("sec1"),
        task_id=draft.id,
        login="deputy1",
        reason="出差，委托副书记办理",
    )
    run(commands.complete_task, actor=actor("deputy1"), task_id=draft.id, data=ITEMS)
    steps = db.session.scalars(
        select(StepLogEntry.action).where(StepLogEntry.instance_id == instance_id)
    ).all()
    assert steps == ["started", "claimed", "reassigned", "task_completed"]


def test_reassigning_to_someone_without_the_role_is_refused(instance_id):
    (draft,) = open_tasks(instance_id)
    run(commands.claim_task, actor=actor("sec1"), task_id=draft.id)
    with pytest.raises(ValidationFailed):
        run(
            commands.assign_task, actor=actor("sec1"), task_id=draft.id, login="sec3", reason="试试"
        )


def test_step_log_is_hash_chained_and_records_submissions(instance_id):
    (draft,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=draft.id, data=ITEMS)
    db.session.rollback()
    entries = db.session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    assert [e.seq for e in entries] == [1, 2]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert all(step_hash(e) == e.hash for e in entries)
    assert json.loads(entries[1].submitted_json) == ITEMS
    change = json.loads(entries[1].data_change_json)
    assert change["set"]["total"] == 90
    assert entries[1].actor_login == "sec1"
    assert entries[1].snapshot_id is not None


def test_cli_starts_an_instance_and_prints_its_id(app, people):
    deploy("two_step.bpmn")
    result = app.test_cli_runner().invoke(
        args=[
            "workflow",
            "start",
            "two_step",
            "--org",
            people.tree.branch1,
            "--data",
            '{"source": "cli"}',
        ]
    )
    assert result.exit_code == 0, result.output
    instance_id = int(result.output.strip())
    assert len(open_tasks(instance_id)) == 1
    bad = app.test_cli_runner().invoke(
        args=["workflow", "start", "nope", "--org", people.tree.branch1]
    )
    assert bad.exit_code == 1


def test_step_log_is_append_only_and_verified(app, instance_id):
    with pytest.raises(DBAPIError, match="append-only"), db.engines.write.begin() as connection:
        connection.execute(text("UPDATE step_log SET detail = 'x'"))
    ok = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "1 steps verified" in ok.output
    with db.engines.write.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.exec_driver_sql("DROP TRIGGER step_log_no_update")
        connection.execute(text("UPDATE step_log SET submitted_json = '{\"forged\": 1}'"))
    db.session.rollback()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"instance {instance_id} BROKEN at step 1" in broken.output


def test_a_group_leader_task_goes_to_the_leaders_of_the_branchs_groups(people):
    sources = {"g.bpmn": one_task("group_round", role="group_leader")}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    make_user("leader1")
    grant("leader1", "group_leader", people.tree.branch1_group1)
    make_user("leader3")
    grant("leader3", "group_leader", people.tree.branch3_group)
    instance_id = run(
        commands.start_instance,
        actor=actor("leader1"),
        process_key="group_round",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    with pytest.raises(NotFound):
        run(commands.claim_task, actor=actor("leader3"), task_id=task.id)  # another branch's group
    run(commands.claim_task, actor=actor("leader1"), task_id=task.id)


def test_only_the_start_lanes_role_starts_by_hand(people):
    deploy("two_step.bpmn")  # its start event sits in the branch_secretary lane
    make_user("member1")
    grant("member1", "member", people.tree.branch1)
    with pytest.raises(Forbidden):
        run(
            commands.start_instance,
            actor=actor("member1"),
            process_key="two_step",
            org_code=people.tree.branch1,
        )
    with pytest.raises(NotFound):  # another branch is not even visible
        run(
            commands.start_instance,
            actor=actor("sec3"),
            process_key="two_step",
            org_code=people.tree.branch1,
        )
    run(
        commands.start_instance,
        actor=actor("rev1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )

"""A service task's domain action is not run again by a replay: the task gets the result the
stored state recorded, and nothing is written — also when the step was an incident retried with
a corrected answer."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from app.auditing.replay import replay_instance
from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.levels.models import BranchLevel
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import open_tasks
from tests.workflow.actions_kit import acting_model
from tests.workflow.actions_kit import register_test_action
from tests.workflow.actions_kit import service_task


def _acting(people) -> tuple[int, int]:
    """start → t1 → act (writes a level, returns {"written": count}) → end, waiting at t1."""
    register_test_action()
    params = [("count", "integer", "count")]
    task_xml = service_task("test_record_level", params, result="outcome")
    sources = {"acting.bpmn": acting_model("acting", task_xml)}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="acting",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    return instance_id, task.id


def _written() -> tuple[int, int]:
    levels = db.session.scalar(select(func.count()).select_from(BranchLevel))
    ran = db.session.scalar(select(func.count()).where(AuditEvent.event_type == "test_action_ran"))
    return levels, ran


def test_an_action_is_not_run_again_and_its_result_is_taken_from_the_state(people):
    instance_id, task_id = _acting(people)
    run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": 2})
    assert _written() == (1, 1)
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()
    db.session.commit()
    assert _written() == (1, 1)


def test_a_retry_with_a_corrected_answer_replays_with_the_logged_correction(people):
    instance_id, task_id = _acting(people)
    failed = run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": "x"})
    retried = run(
        commands.retry_incident,
        actor=actor("root"),
        incident_id=failed.incident_id,
        data={"count": 3},
    )
    assert retried
    logged = db.session.scalar(
        select(StepLogEntry.submitted_json).where(
            StepLogEntry.instance_id == instance_id, StepLogEntry.action == "incident_retried"
        )
    )
    assert logged == '{"count":3}'
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()
    assert _written() == (1, 1)

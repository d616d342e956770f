"""Incidents: a failing step leaves the instance exactly as it was, and can be retried after a fix."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import Forbidden
from app.extensions import db
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


@pytest.fixture
def failed(people):
    """An instance whose script divided by zero after the first task: (instance id, task id, incident)."""
    deploy("failing_script.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="failing_script",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    state_before = db.session.get(ProcessInstance, instance_id).state_json
    outcome = run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data={"count": 0})
    assert not outcome.completed
    return instance_id, task.id, db.session.get(Incident, outcome.incident_id), state_before


def test_failure_keeps_the_state_and_records_what_failed(failed):
    instance_id, task_id, incident, state_before = failed
    row = db.session.get(ProcessInstance, instance_id)
    assert row.state_json == state_before
    assert row.status is InstanceStatus.RUNNING
    assert row.open_incidents == 1
    assert incident.element_id == "divide"
    assert "ZeroDivisionError" in incident.message
    assert (
        db.session.get(HumanTask, task_id).state is HumanTaskState.READY
    )  # nothing acknowledged was lost
    actions = db.session.scalars(
        select(StepLogEntry.action)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    assert actions == ["started", "incident"]


def test_retry_without_a_fix_fails_again_and_keeps_the_incident(failed):
    _, _, incident, _ = failed
    assert run(commands.retry_incident, actor=actor("root"), incident_id=incident.id) is False
    again = db.session.get(Incident, incident.id)
    assert again.resolved_at is None
    assert again.attempts == 2


def test_retry_with_corrected_data_resolves_it_and_continues(failed):
    instance_id, task_id, incident, _ = failed
    assert (
        run(
            commands.retry_incident, actor=actor("root"), incident_id=incident.id, data={"count": 4}
        )
        is True
    )
    assert db.session.get(Incident, incident.id).resolved_by == "root"
    assert db.session.get(HumanTask, task_id).state is HumanTaskState.COMPLETED
    (confirm,) = open_tasks(instance_id)
    assert confirm.element_id == "confirm"
    assert db.session.get(ProcessInstance, instance_id).open_incidents == 0


def test_only_managers_retry(failed):
    _, _, incident, _ = failed
    with pytest.raises(Forbidden):
        run(commands.retry_incident, actor=actor("sec1"), incident_id=incident.id)


def test_a_script_that_never_ends_becomes_an_incident(app, people):
    app.config["SCRIPT_TIME_LIMIT_SECONDS"] = 1
    deploy("endless.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("root"),
        process_key="endless",
        org_code=people.tree.branch1,
    )
    (incident,) = db.session.scalars(
        select(Incident).where(Incident.instance_id == instance_id)
    ).all()
    assert "CPU 时间" in incident.message
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING


def test_cancel_ends_the_instance_and_its_tasks(failed):
    instance_id, task_id, _, _ = failed
    run(commands.cancel_instance, actor=actor("root"), instance_id=instance_id, reason="重复发起")
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.CANCELLED
    assert db.session.get(HumanTask, task_id).state is HumanTaskState.CANCELLED


def test_cancel_closes_the_open_incident_so_no_list_shows_it_open(failed):
    instance_id, _, incident, _ = failed
    run(commands.cancel_instance, actor=actor("root"), instance_id=instance_id, reason="重复发起")
    db.session.refresh(incident)
    assert incident.resolved_at is not None
    assert incident.resolved_by == "root"
    assert db.session.get(ProcessInstance, instance_id).open_incidents == 0

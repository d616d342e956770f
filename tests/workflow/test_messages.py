"""Messages between instances: a message start event, correlation back to the sender, and a
message that arrives before its receiver waits for it."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import PendingMessage
from app.workflow.models import ProcessInstance
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _request(people, case: str) -> int:
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="rectification_requester",
        org_code=people.tree.branch1,
        data={"case_id": case, "issue": "台账不全"},
    )


def _rectifier_for(case: str) -> int:
    for row in db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.process_key == "rectification")
    ):
        if f'"case":"{case}"' in row.state_json.replace(" ", ""):
            return row.id
    raise AssertionError(f"no rectification instance for {case}")


def _complete_only_task(instance_id: int, who: str = "sec1") -> None:
    (task,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor(who), task_id=task.id, data={})


def test_a_message_start_event_starts_an_instance_in_the_senders_organisation(people):
    deploy("requester.bpmn", "rectifier.bpmn")
    requester = _request(people, "C1")
    rectifier = _rectifier_for("C1")
    assert (
        db.session.get(ProcessInstance, rectifier).org_unit_id
        == db.session.get(ProcessInstance, requester).org_unit_id
    )
    assert [t.element_id for t in open_tasks(rectifier)] == ["fix"]


def test_the_reply_reaches_only_the_instance_with_the_same_correlation(people):
    deploy("requester.bpmn", "rectifier.bpmn")
    first, second = _request(people, "C1"), _request(people, "C2")
    _complete_only_task(first)  # both requesters now wait for their rectify_done
    _complete_only_task(second)
    _complete_only_task(_rectifier_for("C2"))
    assert [t.element_id for t in open_tasks(second)] == ["check"]
    assert open_tasks(first) == []  # still waiting: C2's reply was not for it
    _complete_only_task(_rectifier_for("C1"))
    assert [t.element_id for t in open_tasks(first)] == ["check"]


def test_a_message_that_arrives_before_the_receiver_waits_is_kept_and_delivered(people):
    deploy("requester.bpmn", "rectifier.bpmn")
    requester = _request(people, "C7")
    _complete_only_task(
        _rectifier_for("C7")
    )  # the reply comes while the requester is still preparing
    (pending,) = db.session.scalars(
        select(PendingMessage).where(PendingMessage.open.is_(True))
    ).all()
    assert pending.message_name == "rectify_done"
    _complete_only_task(requester)  # now it waits — and receives the kept message at once
    (check,) = open_tasks(requester)
    assert check.element_id == "check"
    assert db.session.get(PendingMessage, pending.id).delivered_to_instance_id == requester
    _complete_only_task(requester)
    final = db.session.get(ProcessInstance, requester)
    assert final.status is InstanceStatus.COMPLETED
    assert '"fixed":true' in final.state_json.replace(" ", "")


def test_an_unmatched_message_is_kept_never_dropped(people):
    deploy("requester.bpmn")  # no process can receive rectify_request
    _request(people, "C9")
    (pending,) = db.session.scalars(select(PendingMessage)).all()
    assert pending.open
    assert json.loads(pending.correlations_json) == {"case_key": {"case_prop": "C9"}}

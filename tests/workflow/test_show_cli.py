"""``flask workflow show``: an instance as an operator needs to see it, as text or JSON."""

from __future__ import annotations

import json

from app.core.commands import run
from app.workflow import commands
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def show(app, instance_id: int, *options: str):
    result = app.test_cli_runner().invoke(args=["workflow", "show", str(instance_id), *options])
    assert "Traceback" not in result.output
    return result


def test_an_open_task_with_its_role_scope_assignee_and_deadline(app, people, clock):
    deploy("timer_escalation.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
        business_key="2026-B1",
    )
    (task,) = open_tasks(instance_id)
    run(commands.claim_task, actor=actor("sec1"), task_id=task.id)
    clock.advance(hours=2)  # past the one-hour deadline; the worker has not run

    result = show(app, instance_id, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["process_key"], data["version"], data["status"]) == (
        "timer_escalation",
        1,
        "running",
    )
    assert (data["org_code"], data["business_key"]) == ("U1-B1", "2026-B1")
    assert data["initiator_login"] == "sec1"
    assert data["started_at"] == "2026-11-23T10:00:00+08:00"  # Beijing time
    (line,) = data["open_tasks"]
    assert line["element_id"] == "approve"
    assert (line["role_code"], line["role_zh"]) == ("branch_secretary", "支部书记")
    assert line["org_code"] == "U1-B1"
    assert line["assignee_login"] == "sec1"
    assert line["due_at"] == "2026-11-23T11:00:00+08:00"
    assert line["overdue"] is True
    assert data["next_timer_at"] == "2026-11-23T11:00:00+08:00"
    assert data["open_incidents"] == []

    text = show(app, instance_id).output
    assert "timer_escalation v1" in text
    assert "按期审批 [approve]" in text
    assert "支部书记 (branch_secretary)" in text
    assert "OVERDUE / 已超期" in text
    assert "2026-11-23 11:00" in text


def test_an_open_incident_and_the_messages_it_waits_for(app, people):
    deploy("failing_script.bpmn")
    failing = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="failing_script",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(failing)
    run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data={"count": 0})

    data = json.loads(show(app, failing, "--json").output)
    (incident,) = data["open_incidents"]
    assert incident["element_id"] == "divide"
    assert incident["attempts"] == 1
    assert "ZeroDivisionError" in incident["message"]
    text = show(app, failing).output
    assert "open incidents / 未解决的故障: 1" in text
    assert "[divide]" in text


def test_the_messages_an_instance_waits_for(app, people):
    deploy("requester.bpmn", "rectifier.bpmn")
    requester = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="rectification_requester",
        org_code=people.tree.branch1,
        data={"case_id": "C1", "issue": "台账不全"},
    )
    (prepare,) = open_tasks(requester)
    run(commands.complete_task, actor=actor("sec1"), task_id=prepare.id, data={})
    data = json.loads(show(app, requester, "--json").output)
    assert [w["message"] for w in data["waiting_for_messages"]] == ["rectify_done"]
    assert "rectify_done" in show(app, requester).output


def test_an_unknown_instance_is_a_message_and_exit_1(app, people):
    result = show(app, 999999)
    assert result.exit_code == 1
    assert "no instance 999999" in result.output

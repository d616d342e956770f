"""Parallel and inclusive gateways, multi-instance tasks, call activities and DMN decisions."""

from __future__ import annotations

import json

from app.core.commands import run
from app.extensions import db
from app.identity.queries import get_org_by_code
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _complete(task, who: str, data: dict | None = None) -> None:
    run(commands.complete_task, actor=actor(who), task_id=task.id, data=data or {})


def _by_element(instance_id: int) -> dict[str, list]:
    tasks: dict[str, list] = {}
    for task in open_tasks(instance_id):
        tasks.setdefault(task.element_id, []).append(task)
    return tasks


def test_parallel_branches_go_to_their_lanes_and_join(people):
    make_user("disc1")
    grant("disc1", "discipline_member", people.tree.branch1)
    deploy("parallel_review.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="parallel_review",
        org_code=people.tree.branch1,
        data={"disclose": True, "present": 5},
    )
    tasks = _by_element(instance_id)
    assert sorted(tasks) == ["attendance", "minutes"]
    assert tasks["attendance"][0].candidate_role == "discipline_member"
    _complete(tasks["minutes"][0], "sec1")
    assert sorted(_by_element(instance_id)) == ["attendance"]  # the join waits for both
    _complete(tasks["attendance"][0], "disc1")
    tasks = _by_element(instance_id)
    assert sorted(tasks) == ["archive", "publish"]  # both inclusive conditions hold
    _complete(tasks["publish"][0], "sec1")
    assert sorted(_by_element(instance_id)) == ["archive"]
    _complete(tasks["archive"][0], "disc1")
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_inclusive_gateway_takes_the_default_when_nothing_holds(people):
    make_user("disc1")
    grant("disc1", "discipline_member", people.tree.branch1)
    deploy("parallel_review.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="parallel_review",
        org_code=people.tree.branch1,
        data={"disclose": False, "present": 1},
    )
    tasks = _by_element(instance_id)
    _complete(tasks["minutes"][0], "sec1")
    _complete(tasks["attendance"][0], "disc1")
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_one_task_per_branch_then_a_called_process_and_a_decision(people):
    deploy("unit_round.bpmn", "round_summary.bpmn", "level_decision.dmn")
    branches = ["U1-B1", "U1-B2", "U1-G1"]
    instance_id = run(
        commands.start_instance,
        actor=actor("rev1"),
        process_key="unit_round",
        org_code=people.tree.unit1,
        data={"branches": branches},
    )
    tasks = open_tasks(instance_id)
    assert [t.element_id for t in tasks] == ["score_each"] * 3
    unit = get_org_by_code(db.session, people.tree.unit1)
    assert {t.org_unit_id for t in tasks} == {unit.id}
    for task, points in zip(tasks, (96, 92, 95), strict=True):
        _complete(task, "rev1", {"branch_score": {"points": points}})
    (confirm,) = open_tasks(instance_id)
    assert confirm.element_id == "confirm"
    assert confirm.candidate_role == "unit_org_reviewer"  # the calling task's lane
    _complete(confirm, "rev1")
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    final = json.loads(row.state_json)["data"]
    assert final["score"] == 94  # (96 + 92 + 95) // 3, computed in the called process
    assert final["level"] == "red_flag"  # 90 <= ? < 95 in the DMN table

"""Rework loops through the command path: work sent back as often as the reviewer decides."""

from __future__ import annotations

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.workflow import instances as commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import instance_diagram
from app.workflow.tasks import complete_task
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _complete(login: str, instance_id: int, data: dict) -> str:
    (task,) = open_tasks(instance_id)
    run(complete_task, actor=actor(login), task_id=task.id, data=data)
    return task.element_id


def _start(people) -> int:
    deploy("rework_loop.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="rework_loop",
        org_code=people.tree.branch1,
    )


def test_a_review_sends_the_draft_back_fifty_times_then_approves(people):
    instance_id = _start(people)
    for _ in range(50):
        assert _complete("sec1", instance_id, {}) == "draft"
        assert _complete("rev1", instance_id, {"approved": False}) == "review"
    assert _complete("sec1", instance_id, {}) == "draft"
    assert _complete("rev1", instance_id, {"approved": True}) == "review"
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    done = db.session.scalars(
        select(HumanTask.element_id).where(
            HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.COMPLETED
        )
    ).all()
    assert done.count("draft") == 51
    assert done.count("review") == 51


def test_a_long_loop_stores_the_same_state_each_round_and_its_diagram_keeps_its_history(
    app, people
):
    """Finished rounds are dropped from the stored task tree (app/engine/pruning.py): the state
    stays the size of one round, so the depth bound, which a loop used to reach after about a
    dozen rounds at this setting, is never reached, and the diagram still marks every element
    that ran."""
    app.config["MODEL_DEPTH_BOUND"] = 30
    instance_id = _start(people)
    sizes = []
    for _ in range(40):
        _complete("sec1", instance_id, {})
        _complete("rev1", instance_id, {"approved": False})
        sizes.append(len(db.session.get(ProcessInstance, instance_id).state_json))
    row = db.session.get(ProcessInstance, instance_id)
    assert row.open_incidents == 0
    assert max(sizes[5:]) <= min(sizes[5:]) * 1.05, sizes
    (draft,) = open_tasks(instance_id)
    assert draft.element_id == "draft"
    states = instance_diagram(db.session, instance_id)["states"]
    assert states["start"] == states["review"] == states["decided"] == "completed"
    assert states["draft"] == "active"

"""A parallel split into three branches of human tasks: once all three are done, the join passes.
Found while modelling the organisational-life meeting (study, opinions and talks before the
meeting): the join waited for ever, with no incident, because saving pruned the first branch's
finished tasks before the third arrived (app/engine/pruning.py keeps them now)."""

from __future__ import annotations

from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow import steps
from app.workflow.engine_access import runtime
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def test_the_meeting_follows_once_all_three_preparations_are_done(people):
    deploy("three_branches.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="three_branches",
        org_code=people.tree.branch1,
    )
    assert sorted(t.element_id for t in open_tasks(instance_id)) == ["opinions", "study", "talks"]
    for task in open_tasks(instance_id):
        answer = {f"{task.element_id}_done": True}
        run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data=answer)
    assert [t.element_id for t in open_tasks(instance_id)] == ["meeting"]
    # and the meeting sees what each of the three branches recorded, the first one's too
    row = db.session.get(ProcessInstance, instance_id)
    definition = db.session.get(ProcessDefinition, row.definition_id)
    instance = runtime().load(steps.specs_of(None, definition), row.state_json)
    assert {"study_done", "opinions_done", "talks_done"} <= set(instance.data())

"""A parallel split into three branches of human tasks: once all three are done, the join passes.
Found while modelling the organisational-life meeting (study, opinions and talks before the
meeting): the join waits for ever instead, with no incident, while two branches join as they
should (test_multi_instance.py, grading_cycle.bpmn). Expected to fail until the engine is fixed."""

from __future__ import annotations

import pytest

from app.core.commands import run
from app.workflow import commands
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


@pytest.mark.xfail(strict=True, reason="a join of three branches never fires")
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
        run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data={})
    assert [t.element_id for t in open_tasks(instance_id)] == ["meeting"]

"""Concurrent completions of one task: exactly one succeeds, every other gets a conflict."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.core.commands import run
from app.core.errors import Conflict
from app.extensions import db
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

THREADS = 20


def test_twenty_concurrent_completions_give_exactly_one_success(app, people):
    deploy("two_step.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    who = actor("sec1")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def complete(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                run(
                    commands.complete_task,
                    actor=who,
                    task_id=task.id,
                    data={"items": [{"points": index}]},
                )
                result = "ok"
            except Conflict:
                result = "conflict"
            except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
                result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=complete, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).state is HumanTaskState.COMPLETED
    completions = db.session.scalars(
        select(StepLogEntry).where(
            StepLogEntry.instance_id == instance_id, StepLogEntry.action == "task_completed"
        )
    ).all()
    assert len(completions) == 1
    assert db.session.get(ProcessInstance, instance_id).step_count == 2

"""Timers: a boundary timer interrupts a task when the (injected) clock passes its due time; the
worker fires each due timer exactly once, also with two workers at the same time."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _start(people) -> int:
    deploy("timer_escalation.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
    )


def test_due_time_is_stored_for_the_worker(people, clock):
    instance_id = _start(people)
    row = db.session.get(ProcessInstance, instance_id)
    assert (row.next_timer_at - clock.now()).total_seconds() == 3600


def test_nothing_fires_before_the_due_time(people, clock):
    instance_id = _start(people)
    clock.advance(minutes=59)
    assert run_once().timers_fired == 0
    assert [t.element_id for t in open_tasks(instance_id)] == ["approve"]


def test_interrupting_timer_cancels_the_task_and_escalates(people, clock):
    instance_id = _start(people)
    (approve,) = open_tasks(instance_id)
    clock.advance(hours=1, seconds=1)
    assert run_once().timers_fired == 1
    (escalate,) = open_tasks(instance_id)
    assert escalate.element_id == "escalate"
    assert escalate.candidate_role == "unit_org_reviewer"
    assert db.session.get(HumanTask, approve.id).state is HumanTaskState.CANCELLED
    assert run_once().timers_fired == 0  # fired once, not again
    actions = db.session.scalars(
        select(StepLogEntry.action)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    assert actions == ["started", "timer_fired"]


def test_completing_in_time_removes_the_timer(people, clock):
    instance_id = _start(people)
    (approve,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=approve.id, data={})
    assert db.session.get(ProcessInstance, instance_id).next_timer_at is None
    clock.advance(hours=2)
    assert run_once().timers_fired == 0


def test_two_workers_fire_a_timer_exactly_once(app, people, clock):
    instances = [_start(people) for _ in range(5)]
    clock.advance(hours=2)
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            fired.append(run_once().timers_fired)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(fired) == len(instances)
    for instance_id in instances:
        timer_steps = db.session.scalars(
            select(StepLogEntry).where(
                StepLogEntry.instance_id == instance_id, StepLogEntry.action == "timer_fired"
            )
        ).all()
        assert len(timer_steps) == 1
        assert [t.element_id for t in open_tasks(instance_id)] == ["escalate"]


def test_suspended_instance_waits_and_catches_up_on_resume(people, clock):
    instance_id = _start(people)
    run(commands.suspend_instance, actor=actor("root"), instance_id=instance_id, reason="暂停核查")
    clock.advance(hours=2)
    assert run_once().timers_fired == 0
    run(commands.resume_instance, actor=actor("root"), instance_id=instance_id)
    assert [t.element_id for t in open_tasks(instance_id)] == ["escalate"]


def test_date_timer_and_non_interrupting_cycle(people, clock):
    deploy("reminders.bpmn")
    meeting_at = clock.now().replace(hour=6).isoformat()  # four hours from now
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="reminders",
        org_code=people.tree.branch1,
        data={"meeting_at": meeting_at},
    )
    assert open_tasks(instance_id) == []
    clock.advance(hours=3)
    assert run_once().timers_fired == 0
    clock.advance(hours=1, seconds=1)
    assert run_once().timers_fired == 1  # the date has come
    (report,) = open_tasks(instance_id)
    for _ in range(2):  # R2/PT1H: two reminders, the task stays open
        clock.advance(hours=1, seconds=1)
        assert run_once().timers_fired == 1
        assert [t.id for t in open_tasks(instance_id)] == [report.id]
    clock.advance(hours=5)
    assert run_once().timers_fired == 0  # the cycle is spent
    steps = db.session.scalars(
        select(StepLogEntry.action)
        .where(StepLogEntry.instance_id == instance_id)
        .order_by(StepLogEntry.seq)
    ).all()
    assert steps == ["started", "timer_fired", "timer_fired", "timer_fired"]

"""Replay re-derives the states of every kind of step the application logs, not only task
submissions: a timer fired by the worker at its time, a pause and a resume, a cancellation, and
messages between instances (a message start and a correlated reply)."""

from __future__ import annotations

from sqlalchemy import select

from app.auditing.replay import replay_all
from app.auditing.replay import replay_instance
from app.core.commands import run
from app.extensions import db
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _timer_instance(people) -> int:
    deploy("timer_escalation.bpmn")
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
    )


def _actions(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(StepLogEntry.action)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    )


def test_a_timer_fired_at_its_time_replays_identically(people, clock):
    instance_id = _timer_instance(people)
    clock.advance(hours=1, seconds=1)
    assert run_once().timers_fired == 1
    assert "timer_fired" in _actions(instance_id)
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()


def test_a_pause_a_resume_and_a_cancellation_replay_identically(people, clock):
    paused, cancelled = _timer_instance(people), _timer_instance(people)
    run(commands.suspend_instance, actor=actor("root"), instance_id=paused, reason="暂停核查")
    clock.advance(hours=2)
    run(commands.resume_instance, actor=actor("root"), instance_id=paused)
    run(commands.cancel_instance, actor=actor("root"), instance_id=cancelled, reason="重复发起")
    assert {"suspended", "resumed"} <= set(_actions(paused))
    assert "cancelled" in _actions(cancelled)
    for instance_id in (paused, cancelled):
        result = replay_instance(db.session, instance_id)
        assert result.identical, result.describe()


def test_messages_between_instances_replay_identically(people):
    deploy("requester.bpmn", "rectifier.bpmn")
    requester = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="rectification_requester",
        org_code=people.tree.branch1,
        data={"case_id": "C1", "issue": "台账不全"},
    )
    (ask,) = open_tasks(requester)
    run(commands.complete_task, actor=actor("sec1"), task_id=ask.id, data={})
    (rectifier,) = db.session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.process_key == "rectification")
    ).all()
    (fix,) = open_tasks(rectifier)
    run(commands.complete_task, actor=actor("sec1"), task_id=fix.id, data={})
    assert "message_received" in _actions(requester)
    assert "message_received" in _actions(rectifier)
    results = list(replay_all(db.session))
    assert len(results) == 2
    assert all(r.identical for r in results), [r.describe() for r in results]


def test_a_step_sees_the_time_its_log_records_even_when_the_clock_runs(
    people, clock, app, monkeypatch
):
    """In production the clock moves during a command: the engine reads the command's time, so
    a timer set at a step falls due exactly as long after the step's logged time as the model
    says, and the replay, clocked by the log, sets it identically."""
    reads = [0]

    def running() -> object:
        reads[0] += 1
        return clock.advance(milliseconds=3)

    monkeypatch.setattr(clock, "now", running)
    app.extensions.pop("branchflow.runtime", None)  # built afresh on this clock
    instance_id = _timer_instance(people)
    started = db.session.scalars(
        select(StepLogEntry.occurred_at).where(StepLogEntry.instance_id == instance_id)
    ).first()
    row = db.session.get(ProcessInstance, instance_id)
    assert (row.next_timer_at - started).total_seconds() == 3600
    assert reads[0] > 1  # the clock did move meanwhile
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()

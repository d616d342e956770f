"""Timers around a deadline, through the commands and the worker with the test clock moved: a
reminder before the deadline leaves the task open, the deadline itself sends the work up; and an
event-based gateway waits for a message and a timer at once, the first one to come deciding."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import MessageSubscription
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

# Thursday 10 December 2026, 15:00 Beijing time: notice due on the 7th, reminder on the 5th.
MEETING_AT = "2026-12-10T15:00:00+08:00"


def _start(people, key: str, data: dict | None = None) -> int:
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key=key,
        org_code=people.tree.branch1,
        data=data or {},
    )


def _row(instance_id: int) -> ProcessInstance:
    return db.session.get(ProcessInstance, instance_id)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def _actions(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(StepLogEntry.action)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    )


def _subscriptions(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(MessageSubscription.message_name).where(
                MessageSubscription.instance_id == instance_id
            )
        )
    )


def test_a_reminder_two_days_before_the_deadline_fires_once_and_leaves_the_task_open(people, clock):
    deploy("meeting_reminders.bpmn")
    instance_id = _start(people, "meeting_reminders", {"meeting_at": MEETING_AT})
    (notify,) = open_tasks(instance_id)
    reminder_at = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    assert _aware(_row(instance_id).next_timer_at) == reminder_at

    clock.set(reminder_at)
    clock.advance(seconds=1)
    assert run_once().timers_fired == 1
    assert [t.id for t in open_tasks(instance_id)] == [notify.id]  # the same task, still open
    assert run_once().timers_fired == 0  # once, not again
    # what is left to wait for is the deadline itself
    assert _aware(_row(instance_id).next_timer_at) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)

    run(commands.complete_task, actor=actor("sec1"), task_id=notify.id, data={})
    row = _row(instance_id)
    assert row.status.value == "completed"
    assert row.next_timer_at is None
    assert _actions(instance_id) == ["started", "timer_fired", "task_completed"]


def test_the_deadline_passing_cancels_the_task_and_escalates_to_the_unit(people, clock):
    deploy("meeting_reminders.bpmn")
    instance_id = _start(people, "meeting_reminders", {"meeting_at": MEETING_AT})
    (notify,) = open_tasks(instance_id)
    clock.set(datetime(2026, 12, 7, 7, 0, 1, tzinfo=UTC))  # both timers are due now
    fired = 0
    while run_once().timers_fired:
        fired += 1
    assert 1 <= fired <= 2
    (escalate,) = open_tasks(instance_id)
    assert escalate.element_id == "escalate"
    assert escalate.candidate_role == "unit_org_reviewer"
    assert db.session.get(HumanTask, notify.id).state is HumanTaskState.CANCELLED
    assert _row(instance_id).next_timer_at is None  # no timer left armed on the cancelled task


def test_an_event_gateway_arms_its_timer_and_its_message_together(people):
    deploy("event_race.bpmn")
    instance_id = _start(people, "event_race")
    assert _aware(_row(instance_id).next_timer_at) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert _subscriptions(instance_id) == ["reply_received"]


def test_the_message_first_wins_and_disarms_the_timer(people, clock):
    deploy("event_race.bpmn")
    instance_id = _start(people, "event_race")
    clock.advance(days=1)
    _start(people, "reply_sender")
    assert [t.element_id for t in open_tasks(instance_id)] == ["read_reply"]
    assert _row(instance_id).next_timer_at is None
    assert _subscriptions(instance_id) == []
    clock.advance(days=3)
    assert run_once().timers_fired == 0
    assert [t.element_id for t in open_tasks(instance_id)] == ["read_reply"]


def test_the_timer_first_wins_and_drops_the_subscription(people, clock):
    deploy("event_race.bpmn")
    instance_id = _start(people, "event_race")
    clock.advance(days=3, seconds=1)
    assert run_once().timers_fired == 1
    (chase,) = open_tasks(instance_id)
    assert (chase.element_id, chase.candidate_role) == ("chase", "unit_org_reviewer")
    assert _row(instance_id).next_timer_at is None
    assert _subscriptions(instance_id) == []
    sender = _start(people, "reply_sender")  # a late reply is not taken by this instance
    assert [t.element_id for t in open_tasks(instance_id)] == ["chase"]
    assert _row(sender).status.value == "completed"

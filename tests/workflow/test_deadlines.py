"""Deadlines as the regulations state them, through the commands: counted from a date in the
case's data, before it or after it, in working days over public holidays — and a task whose date
is missing still reaches its inbox, without a deadline and with the reason in the step log."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.workflow import commands
from app.workflow.models import StepLogEntry
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _start(people, key: str, data: dict) -> int:
    return run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key=key,
        org_code=people.tree.branch1,
        data=data,
    )


def _due(task) -> datetime:
    # SQLite hands back naive UTC values; PostgreSQL aware ones.
    return task.due_at if task.due_at.tzinfo else task.due_at.replace(tzinfo=UTC)


def _details(instance_id: int) -> list[str]:
    return [
        detail or ""
        for detail in db.session.scalars(
            select(StepLogEntry.detail)
            .where(StepLogEntry.instance_id == instance_id)
            .order_by(StepLogEntry.seq)
        )
    ]


def test_three_days_before_the_meeting(people):
    deploy("meeting_reminders.bpmn")
    instance_id = _start(people, "meeting_reminders", {"meeting_at": "2026-12-10T15:00:00+08:00"})
    (notify,) = open_tasks(instance_id)
    assert _due(notify) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 7 Dec, 15:00 Beijing


def test_within_fifteen_days_after_a_date_ends_with_that_day_in_beijing(people):
    deploy("deadline_kinds.bpmn")
    instance_id = _start(people, "deadline_kinds", {"admission_date": "2026-11-20"})
    (admit,) = open_tasks(instance_id)
    # 5 December, 23:59:59 Beijing time
    assert _due(admit) == datetime(2026, 12, 5, 15, 59, 59, tzinfo=UTC)


def test_five_working_days_skip_weekends_and_holidays(people, clock):
    deploy("deadline_kinds.bpmn")
    clock.set(datetime(2026, 12, 29, 2, 0, tzinfo=UTC))  # Tuesday 29 December, 10:00 Beijing
    instance_id = _start(people, "deadline_kinds", {"admission_date": "2026-12-29"})
    (admit,) = open_tasks(instance_id)
    run(commands.complete_task, actor=actor("sec1"), task_id=admit.id, data={})
    (notice,) = open_tasks(instance_id)
    # 30 and 31 December are the 1st and 2nd working days; New Year's Day and the weekend are
    # not; 4, 5 and 6 January are the 3rd to 5th. The deadline keeps the time of day.
    assert _due(notice) == datetime(2027, 1, 6, 2, 0, tzinfo=UTC)


def test_a_missing_date_keeps_the_task_without_a_deadline_and_says_why(people):
    deploy("deadline_kinds.bpmn")
    instance_id = _start(people, "deadline_kinds", {})
    (admit,) = open_tasks(instance_id)
    assert admit.element_id == "admit"
    assert admit.due_at is None
    (started,) = _details(instance_id)
    assert "admit" in started
    assert "admission_date" in started
    assert "未设期限" in started


def test_an_unreadable_date_keeps_the_task_without_a_deadline(people):
    deploy("deadline_kinds.bpmn")
    instance_id = _start(people, "deadline_kinds", {"admission_date": "next Tuesday"})
    (admit,) = open_tasks(instance_id)
    assert admit.due_at is None
    assert "'next Tuesday' is not a date" in _details(instance_id)[0]


def test_the_instance_page_says_why_a_task_has_no_deadline(people, client, login):
    deploy("deadline_kinds.bpmn")
    instance_id = _start(people, "deadline_kinds", {})
    login("sec1")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "未设期限" in page
    assert "admission_date" in page

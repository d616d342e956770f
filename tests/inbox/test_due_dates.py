"""Deadlines read as a person reads them: a date where the time is only the arrival time carried
over, a date and time where the time matters; a deadline shown as a day lasts that whole day."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.core.commands import run
from app.workflow import commands
from app.workflow import due_display
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sign_task(people):
    """The signing step arrived at 10:00 Beijing time on 23 November, due in 3 days (P3D)."""
    make_user("wangf", name="王芳")
    grant("wangf", "branch_secretary", people.tree.branch1)
    deploy("signed_minutes.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("wangf"),
        process_key="signed_minutes",
        org_code=people.tree.branch1,
    )
    (sign,) = open_tasks(instance_id)
    return sign


def _due_line(page: str) -> str:
    start = page.index("<dt>办理期限</dt>")
    return page[start : page.index("</dd>", start)]


def test_a_deadline_in_days_reads_as_a_date(client, login, sign_task):
    login("wangf")
    line = _due_line(client.get(f"/inbox/tasks/{sign_task.id}").get_data(as_text=True))
    assert "2026-11-26" in line
    assert ":" not in line.removeprefix("<dt>办理期限</dt>")


def test_a_deadline_in_hours_keeps_its_time(client, login, clock, sign_task):
    clock.advance(hours=9, minutes=26)  # signed at 19:26; checking is due 36 hours later
    run(commands.claim_task, actor=actor("wangf"), task_id=sign_task.id)
    run(commands.complete_task, actor=actor("wangf"), task_id=sign_task.id, data={"signed": True})
    (check,) = open_tasks(sign_task.instance_id)
    login("wangf")
    line = _due_line(client.get(f"/inbox/tasks/{check.id}").get_data(as_text=True))
    assert "2026-11-25 07:26" in line


def test_a_task_due_on_a_day_is_not_overdue_before_that_day_ends(client, login, clock, sign_task):
    login("wangf")
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=BEIJING))  # past 10:00 of the due day
    page = client.get(f"/inbox/tasks/{sign_task.id}").get_data(as_text=True)
    assert "已超期" not in _due_line(page)
    clock.set(datetime(2026, 11, 27, 0, 1, tzinfo=BEIJING))
    page = client.get(f"/inbox/tasks/{sign_task.id}").get_data(as_text=True)
    assert "已超期" in _due_line(page)


def test_the_end_of_a_day_reads_as_that_day():
    end = datetime(2026, 12, 5, 23, 59, 59, tzinfo=BEIJING)
    assert due_display.shown(end, None, BEIJING) == "2026-12-05"
    hours = datetime(2026, 12, 5, 3, 24, tzinfo=UTC)
    created = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    assert due_display.shown(hours, created, BEIJING) == "2026-12-05 11:24"
    assert due_display.shown(None, None, BEIJING) == "—"

"""Deadlines of human tasks (``dueIn``/``dueFrom``/``dueCalendar``): computed from the data, read
in Beijing time, refused at deployment when written wrongly, and offered to scripts."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.engine.deadlines import DeadlineUnreadable
from app.engine.deadlines import due_at
from app.engine.models import DeploymentRefused
from app.engine.models import parse_models
from app.engine.sandbox import Limits
from app.engine.sandbox import SandboxEnvironment
from app.engine.workdays import parse_calendar
from tests.engine.models_kit import document
from tests.engine.models_kit import flow

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday, 10:00 Beijing
SHIPPED = Path(__file__).resolve().parents[2] / "app" / "workflow" / "working_calendar.toml"
CALENDAR = parse_calendar(SHIPPED.read_text(encoding="utf-8"))


def _due(**properties) -> datetime | None:
    return due_at(NOW, calendar=CALENDAR, zone=BEIJING, **properties)


def test_relative_to_the_moment_the_task_is_ready_as_before():
    assert _due(due_in="P3D") == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert _due(due_in=None) is None


def test_before_a_datetime_in_the_data():
    meeting = datetime(2026, 12, 10, 15, 0, tzinfo=BEIJING)
    assert _due(due_in="-P3D", due_from="meeting_at", anchor=meeting) == datetime(
        2026, 12, 7, 15, 0, tzinfo=BEIJING
    )


@pytest.mark.parametrize("anchor", ["2026-03-01", date(2026, 3, 1)])
def test_a_date_without_time_is_the_end_of_that_day_in_beijing(anchor):
    assert _due(due_in="P15D", due_from="admission_date", anchor=anchor) == datetime(
        2026, 3, 16, 23, 59, 59, tzinfo=BEIJING
    )


def test_a_datetime_without_zone_is_beijing_time():
    assert _due(due_in="PT0S", due_from="at", anchor="2026-12-10T09:30:00") == datetime(
        2026, 12, 10, 1, 30, tzinfo=UTC
    )


def test_negative_months_are_counted_as_the_timers_count_them():
    assert _due(due_in="-P1M", due_from="at", anchor="2026-03-15T12:00:00+08:00") == datetime(
        2026, 2, 15, 12, 0, tzinfo=BEIJING
    )


def test_working_days_from_a_date_over_the_holidays():
    # 3 working days before the meeting on Thursday 8 October 2026: Monday 28 September.
    due = _due(due_in="-P3D", due_from="meeting_on", anchor="2026-10-08", due_calendar="working")
    assert due == datetime(2026, 9, 28, 23, 59, 59, tzinfo=BEIJING)


def test_without_due_in_the_task_is_due_at_the_moment_itself():
    assert _due(due_in=None, due_from="at", anchor="2026-12-10T09:30:00+08:00") == datetime(
        2026, 12, 10, 9, 30, tzinfo=BEIJING
    )


@pytest.mark.parametrize(("anchor", "said"), [(None, "no value"), ("soon", "'soon' is not")])
def test_a_missing_or_unreadable_date_is_explained(anchor, said):
    with pytest.raises(DeadlineUnreadable) as unreadable:
        _due(due_in="P1D", due_from="meeting_at", anchor=anchor)
    assert said in unreadable.value.message_en
    assert "meeting_at" in unreadable.value.message_en
    assert "meeting_at" in unreadable.value.message_zh


def _task_with(**properties: str) -> bytes:
    extra = "".join(
        f'<spiffworkflow:property name="{k}" value="{v}"/>' for k, v in properties.items()
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:userTask id="t1"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formKey" value="test_any"/>{extra}'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        '<bpmn:endEvent id="end"/>' + flow("f1", "start", "t1") + flow("f2", "t1", "end")
    )
    return document("p", body, {"branch_secretary": ["start", "t1", "end"]})


def _check(**properties: str):
    return parse_models(
        {"p.bpmn": _task_with(**properties)},
        known_roles={"branch_secretary"},
        known_forms={"test_any"},
    )


@pytest.mark.parametrize(
    "properties",
    [
        {"dueIn": "-P3D", "dueFrom": "meeting_at"},
        {"dueIn": "P5D", "dueCalendar": "working"},
        {"dueIn": "PT36H", "dueCalendar": "calendar"},
        {"dueFrom": "meeting_at"},
    ],
)
def test_well_written_deadlines_deploy(properties):
    (process,) = _check(**properties)
    assert process.process_id == "p"


@pytest.mark.parametrize(
    ("properties", "said"),
    [
        ({"dueIn": "3 days"}, "not an ISO 8601 duration"),
        ({"dueIn": "P"}, "empty duration"),
        ({"dueIn": "P1D", "dueFrom": "meeting['at']"}, "not a plain variable name"),
        ({"dueIn": "P1D", "dueFrom": "__class__"}, "not a plain variable name"),
        ({"dueIn": "P1D", "dueCalendar": "lunar"}, "dueCalendar 'lunar' is unknown"),
        ({"dueIn": "PT12H", "dueCalendar": "working"}, "whole days"),
    ],
)
def test_badly_written_deadlines_are_refused_with_element_and_line(properties, said):
    with pytest.raises(DeploymentRefused) as refusal:
        _check(**properties)
    (error,) = refusal.value.errors
    assert (error.file, error.element_id) == ("p.bpmn", "t1")
    assert error.line is not None
    assert said in error.message_en
    assert error.message_zh


def test_scripts_count_working_days_on_the_calendar():
    # through the real sandbox process, which gets the calendar file's text with its limits
    limits = Limits(cpu_seconds=5, calendar_toml=SHIPPED.read_text(encoding="utf-8"))
    env = SandboxEnvironment(lambda: NOW, limits, run_budget=10)
    data: dict = {}
    env.execute(
        "ends = add_working_days(date(2026, 9, 29), 5)\n"
        "left = working_days_between(date(2026, 9, 29), date(2026, 10, 12))\n"
        "at = add_working_days(datetime(2026, 9, 30, 2), 1)",
        data,
    )
    assert data["ends"] == date(2026, 10, 12)
    assert data["left"] == 5
    assert data["at"] == datetime(2026, 10, 8, 2, 0, tzinfo=UTC)  # 10:00 Beijing, kept


def test_scripts_without_a_calendar_count_monday_to_friday():
    env = SandboxEnvironment(lambda: NOW, Limits(cpu_seconds=5), run_budget=10)
    assert env.evaluate("add_working_days(date(2026, 10, 1), 1)", {}) == date(2026, 10, 2)

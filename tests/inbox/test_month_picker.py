"""所属月份 is picked as a month, starting at the meeting's month, not typed as free text."""

from __future__ import annotations

import re

import pytest

from app.core.commands import run
from app.formdefs.registry import FormFileError
from app.formdefs.registry import form_def
from app.workflow import commands
from tests.plugins.demo import open_task


def _month_input(page: str) -> str:
    match = re.search(r'<input id="f-month"[^>]*>', page)
    assert match, "no month field"
    return match.group(0)


def test_the_agenda_month_is_a_month_picker_prefilled_and_following_the_meeting_date(
    client, login, demo
):
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    task = open_task(instance_id, "set_agenda")
    login(secretary.login, "demo123456")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    month = _month_input(page)
    assert 'type="month"' in month
    assert 'value="2026-11"' in month  # the month of today until a meeting date is typed
    assert 'data-month-from="f-meeting_at" data-month-of="f-month"' in page
    assert "js/month-picker.js" in page


def test_the_month_widget_is_only_for_text():
    document = b"""{"schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
        "ui": {"widgets": {"n": "month"}}}"""
    with pytest.raises(FormFileError, match="month widget"):
        form_def(document, "bad_month")

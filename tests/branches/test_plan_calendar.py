"""The compliance calendar for the annual plan and the disclosures (app/meetings/schedule.toml): the
plan is due by the end of January, its half-year review in July and the year's summary report in
December, a disclosure each quarter; the secretary is reminded in the last week and given a task
when the window passed without it."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import select

from app.core import clock as app_clock
from app.core.commands import run
from app.extensions import db
from app.meetings.compliance import branch_calendar
from app.meetings.compliance import row_of
from app.meetings.schedule import Requirement
from app.meetings.schedule import due_periods
from app.meetings.schedule import schedule
from app.notify.models import Notification
from app.workflow import commands
from tests.branches.test_party_affairs_disclosure import PROPOSAL
from tests.plugins.demo import complete_step
from tests.plugins.demo import missed_procedures


def _reminders(demo) -> list[str]:
    db.session.rollback()
    secretary = demo.holder("branch_secretary")
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == secretary.user_id, Notification.kind == "reminder"
            )
        )
    )


def _at(clock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))  # 10:00 in Beijing


def test_windows_of_a_requirement_due_within_some_months():
    plan = Requirement("p", "年度工作计划", "year", "file_upward", 0.0, "proposal", months=(1, 1))
    ended, running = due_periods(plan, date(2027, 1, 20))
    assert (ended.start, ended.end) == (date(2026, 1, 1), date(2026, 2, 1))
    assert (running.start, running.end) == (date(2027, 1, 1), date(2027, 2, 1))
    ended, running = due_periods(plan, date(2027, 5, 1))
    assert (ended.start, running) == (date(2027, 1, 1), None)
    summary = Requirement(
        "p", "年度工作总结", "year", "summary_report", 0.0, "proposal", months=(12, 12)
    )
    ended, running = due_periods(summary, date(2027, 5, 1))
    assert (ended.start, ended.end, running) == (date(2026, 12, 1), date(2027, 1, 1), None)


def test_the_plan_and_the_summary_are_reminded_and_missed_tasks_given(demo, clock):
    # The procedures came into use on 23 November 2026: the 2026 plan (January) and half-year
    # review (July) are not judged, the 2026 summary (December) is.
    _at(clock, date(2026, 12, 25))
    missed_procedures(demo.branch.id)
    assert "2026年尚未开展年度工作总结（2026-12-31 截止）" in _reminders(demo)
    assert not any("年度工作计划" in t for t in _reminders(demo))

    _at(clock, date(2027, 1, 2))
    missed = missed_procedures(demo.branch.id)
    assert "年度工作总结 2026年" in missed
    assert not any(k.startswith(("年度工作计划", "年度计划半年小结")) for k in missed)

    _at(clock, date(2027, 1, 26))
    missed_procedures(demo.branch.id)
    assert "2027年尚未开展年度工作计划（2027-01-31 截止）" in _reminders(demo)
    _at(clock, date(2027, 2, 2))
    assert "年度工作计划 2027年" in missed_procedures(demo.branch.id)
    assert "年度计划半年小结 2027年" not in missed_procedures(demo.branch.id)  # July is ahead


def test_a_disclosure_posted_in_the_quarter_counts_and_a_quarter_without_one_is_missed(demo, clock):
    _at(clock, date(2027, 2, 10))
    instance_id = run(
        commands.start_instance,
        actor=demo.holder("org_member"),
        process_key="party_affairs_disclosure",
        org_code=demo.branch.code,
    )
    complete_step(demo.holder("org_member"), instance_id, "propose", PROPOSAL)
    complete_step(
        demo.holder("discipline_member"),
        instance_id,
        "review",
        {"secrecy_ok": True, "accuracy_ok": True},
    )
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "approve",
        {"approval_decision": "approve", "needs_upper": False},
    )
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "publish",
        {"published_on": "2027-02-10", "published_where": "站务公开栏"},
    )
    _at(clock, date(2027, 7, 2))
    missed = missed_procedures(demo.branch.id)
    assert "党务公开 2027年第2季度" in missed
    assert "党务公开 2027年第1季度" not in missed
    rows = branch_calendar(
        db.session,
        demo.branch,
        2027,
        app_clock.local_today(),
        app_clock.local_zone(),
        schedule().meetings,
    )
    cells = [c.state for c in row_of(rows, "party_affairs_disclosure").cells]
    assert cells == ["held", "missed", "open", "future"]

"""The development calendar of a branch: on the branch page the talk due within a month of the
application and the activists' half-yearly assessments with their deadlines and the first day the
regulation allows; the worker's round reminds the secretary once of a step due within a week."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.development import load_development_elsewhere
from app.extensions import db
from app.members.development_calendar import remind_development_due
from app.notify.models import Notification
from tests.conftest import log_in
from tests.plugins.demo import holder_at
from tests.processes.test_activist_selection_and_cultivation import at


def test_the_branch_page_lists_the_development_steps_due(demo, clock, client, login, app):
    load_development_elsewhere(local_zone(), date(2026, 11, 23))
    password = app.config["DEMO_PASSWORD"]
    login(holder_at("HH01-02", "branch_secretary").login, password)
    page = client.get("/orgs/HH01-02").get_data(as_text=True)
    assert "发展党员待办日程" in page
    talk = page.index("谢文博")
    assert "同入党申请人谈话（收到申请书后一个月内）" in page[talk:]
    assert "2026-12-11" in page[talk:]
    review = page.index("乔慧敏")
    assert "第一次半年考察" in page[review:]
    assert "2026-12-01" in page[review:]

    other = app.test_client()  # the second assessment waits half a year after the first
    log_in(other, holder_at("HH02-01", "branch_secretary").login, password)
    page = other.get("/orgs/HH02-01").get_data(as_text=True)
    waiting = page[page.index("曹立新") :]
    assert "第二次半年考察" in waiting
    assert "第十二条" in waiting
    assert "2026-12-" in waiting  # the first day allowed, within the month


def test_the_secretary_is_reminded_once_of_a_step_due_within_a_week(demo, clock):
    load_development_elsewhere(local_zone(), date(2026, 11, 23))
    at(clock, "2026-11-23")
    assert run(remind_development_due, actor=SYSTEM) == 0  # nothing due before 1 December
    at(clock, "2026-11-25")
    assert run(remind_development_due, actor=SYSTEM) == 2  # HH01-02's and HH03-10's activists
    secretary = holder_at("HH01-02", "branch_secretary")
    titles = list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == secretary.user_id, Notification.kind == "reminder"
            )
        )
    )
    assert titles == ["发展党员：乔慧敏第一次半年考察（2026-12-01 截止）"]
    assert run(remind_development_due, actor=SYSTEM) == 0  # once per step

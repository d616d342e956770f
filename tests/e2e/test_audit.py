"""The auditor's workspace in a real browser: the unit's process auditor finds a committee meeting
of a branch, opens it, sees its step log verified, and steps through it on the diagram, reading
what each step changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState

pytestmark = pytest.mark.e2e

UNIT_AUDITOR = "cuisiwei"  # 流程审计员, HH01 第一采油厂党委
BRANCH = "HH01-02"  # a branch the other browser tests leave alone


def _meeting_with_agenda(live_server) -> int:
    with live_server.app.app_context():
        user = db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(OrgUnit.code == BRANCH, RoleAssignment.role_code == "branch_secretary")
        ).first()
        secretary = Actor(user_id=user.id, login=user.login, source="test")
        instance_id = run(
            commands.start_instance,
            actor=secretary,
            process_key="branch_committee_meeting",
            org_code=BRANCH,
        )
        task_id = db.session.scalar(
            select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
        agenda = {
            "month": "2026-11",
            "topics": "审计演练议题",
            "meeting_at": "2030-01-10T09:00:00+08:00",
            "place": "活动室",
        }
        run(commands.complete_task, actor=secretary, task_id=task_id, data=agenda)
        return instance_id


def test_an_auditor_finds_a_meeting_and_steps_through_it(live_server, new_page, login):
    instance_id = _meeting_with_agenda(live_server)
    page: Page = login(new_page(), UNIT_AUDITOR)
    page.goto("/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("流程审计")
    page.locator("select[name=process]").select_option("branch_committee_meeting")
    page.locator("select[name=org]").select_option(BRANCH)
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    link = page.locator(f'a[href="/audit/instances/{instance_id}"]')
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()

    expect(page.locator("#verification")).to_contain_text("步骤记录完整")
    box = page.locator("#stepper")
    expect(box).to_have_attribute("data-shown", "2")  # the latest step, on the diagram
    expect(page.locator("#step-changes")).to_contain_text("审计演练议题")
    expect(page.locator("#diagram .djs-element.bf-active")).to_have_count(1)  # 召开会议 waits

    page.locator("#step-slider").fill("1")  # back to the start: the agenda was to be set
    expect(box).to_have_attribute("data-shown", "1")
    expect(page.locator("#step-caption")).to_contain_text("发起了流程")
    expect(page.locator("#step-changes")).not_to_contain_text("审计演练议题")

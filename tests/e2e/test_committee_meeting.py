"""支部委员会会议 in a real browser, as the demo branch's people do it: the secretary starts it and
sets the agenda (a mistake, its message, the correction), holds the meeting with a quorum; a
committee member finds the decision step in the inbox; the organisation member signs the minutes;
the secretary reports the follow-up; the instance page shows it completed on its diagram."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.e2e.helpers import horizontal_overflow
from tests.e2e.helpers import unlabelled_controls

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记, HH01-01 长流水采油站党支部
COMMITTEE = "houchundong"  # 支部副书记, a member of the committee
ORG_MEMBER = "zhouying"  # 组织委员
BRANCH = "HH01-01"
BEIJING = ZoneInfo("Asia/Shanghai")


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def _open_from_inbox(page: Page, title: str, instance_id: str) -> None:
    """Find the step in the claimable list, open it, claim it."""
    page.goto("/inbox/?view=claimable")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(f'a[href="/instances/{instance_id}"]')).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="认领").click()


def test_a_committee_meeting_from_agenda_to_the_completed_diagram(new_page, login, live_server):
    secretary = login(new_page(), SECRETARY)

    # Start: the procedure is offered with its description; starting opens the first step.
    secretary.goto("/inbox/start")
    card = secretary.locator("section.card").filter(has_text="支部委员会会议")
    expect(card).to_contain_text("半数以上委员到会")
    card.get_by_label("发起单位").select_option(BRANCH)
    with secretary.expect_navigation():
        card.get_by_role("button", name="发起").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("确定议题并通知委员")
    instance_id = re.search(
        r"/instances/(\d+)",
        secretary.locator("a[href^='/instances/']").first.get_attribute("href"),
    ).group(1)

    # The meeting is announced less than a day ahead: refused beside its field, input kept.
    secretary.get_by_label("议题").fill("研究发展党员计划；安排12月主题党日")
    soon = live_server.clock.now().astimezone(BEIJING) + timedelta(hours=5)
    secretary.get_by_label("会议时间").fill(soon.strftime("%Y-%m-%dT%H:%M"))
    secretary.get_by_label("会议地点").fill("站党员活动室")
    _submit(secretary)
    expect(secretary.locator("#f-meeting_at-error")).to_contain_text("须至少提前 24 小时通知")
    expect(secretary.get_by_label("议题")).to_have_value("研究发展党员计划；安排12月主题党日")
    secretary.get_by_label("会议时间").fill("2026-11-25T09:00")
    expect(secretary.get_by_label("所属月份")).to_have_value("2026-11")  # follows the date
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_contain_text("已提交")

    # The meeting: the quorum indicator counts as the secretary ticks the attendees.
    _open_from_inbox(secretary, "召开会议", instance_id)
    # Only the five committee members of the meeting day are offered, and counted by the server.
    expect(secretary.get_by_label("应到人数")).to_have_value("5")
    expect(secretary.get_by_label("应到人数")).not_to_be_editable()
    present = secretary.locator("#f-attendance-present input[type=checkbox]")
    expect(present).to_have_count(5)
    for index in range(2):
        present.nth(index).check()
    expect(secretary.locator("fieldset.attendance output")).to_contain_text("未超过半数")
    secretary.get_by_label("会议记录（发言要点）").fill("书记通报本月工作；各委员围绕议题发言。")
    _submit(secretary)  # refused: two of five is no quorum; the ticks and minutes are kept
    expect(secretary.locator("#f-attendance-error")).to_contain_text("未超过半数")
    expect(present.nth(1)).to_be_checked()
    present.nth(2).check()
    expect(secretary.locator("fieldset.attendance output")).to_contain_text("已超过半数")
    assert unlabelled_controls(secretary) == []  # every input of the form has its label
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_be_visible()

    # A committee member finds the decision in the inbox and records two decisions and the vote.
    member = login(new_page(phone=True), COMMITTEE)
    _open_from_inbox(member, "集体讨论作出决定", instance_id)
    member.locator("#f-outcome").select_option("decided")
    member.get_by_label("事项 1").fill("确定2名入党积极分子")
    member.get_by_label("责任人 1").select_option(index=1)
    member.get_by_label("完成时限 1").fill("2026-12-15")
    # those entitled and present come from the attendance: 5 and 3
    expect(member.get_by_label("应到会有表决权人数")).to_have_value("5")
    expect(member.get_by_label("到会表决人数")).to_have_value("3")
    member.get_by_label("赞成").fill("3")
    member.get_by_label("反对").fill("0")
    member.get_by_label("弃权").fill("0")
    expect(member.locator("fieldset.tally output")).to_contain_text("通过")
    expect(member.get_by_label("提交党员大会的事项")).to_be_hidden()
    assert unlabelled_controls(member) == []
    assert horizontal_overflow(member) == 0  # the item table scrolls inside its box on a phone
    _submit(member)
    expect(member.locator(".flash-success")).to_be_visible()

    # The organisation member checks and signs the minutes.
    clerk = login(new_page(), ORG_MEMBER)
    _open_from_inbox(clerk, "记录签字归档", instance_id)
    clerk.get_by_label("会议记录已核对完整").check()
    clerk.locator("#f-minutes_signed").check()
    _submit(clerk)
    expect(clerk.locator(".flash-success")).to_be_visible()

    # The secretary reports on each decision, which the form already lists.
    _open_from_inbox(secretary, "决定事项落实反馈", instance_id)
    expect(secretary.get_by_label("决定事项 1")).to_have_value("确定2名入党积极分子")
    secretary.get_by_label("落实情况 1").select_option("done")
    _submit(secretary)

    # Completed, and the diagram shows every step done.
    secretary.goto(f"/instances/{instance_id}")
    expect(secretary.locator(".tag.status-completed")).to_have_text("已办结")
    expect(secretary.locator("#diagram")).to_have_attribute("data-ready", "true", timeout=15000)
    for step in ("set_agenda", "hold_meeting", "decide", "archive", "follow_up"):
        expect(secretary.locator(f'g[data-element-id="{step}"]')).to_have_class(
            re.compile(r"\bbf-completed\b")
        )

"""The branch secretary's month in a real browser (issue 15's "done when"), as a new user plays it
on the demo data, only through the pages: the secretary of the demo branch plans a 主题党日,
checks the plan and notifies the members, and holds the day; the dues clerk records this month's
open dues round and the secretary finds its rows in the dues ledger; the secretary reads the
members' points on the branch page and one member's points page. (Printing the minutes book and
the attendance register is covered by test_ledgers.py and test_dues_ledger.py.)"""

from __future__ import annotations

import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记 and 支部委员, HH01-01 长流水采油站党支部
DUES_CLERK = "zhouying"  # 组织委员, the branch's dues clerk
BRANCH = "HH01-01"
BEIJING = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def _instance_id(page: Page) -> str:
    link = page.locator("a[href^='/instances/']").first.get_attribute("href")
    return re.search(r"/instances/(\d+)", link).group(1)


def _claim(page: Page, title: str, instance_id: str) -> None:
    """Open the step from the claimable list and claim it."""
    page.goto("/inbox/?view=claimable")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(f'a[href="/instances/{instance_id}"]')).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="认领").click()


@pytest.fixture
def back_to_now(live_server):
    """The live server's clock is the session's: put it back where it was after the test."""
    offset = live_server.clock.offset
    yield
    live_server.clock.offset = offset


def _travel_to(live_server, moment: datetime) -> None:
    live_server.clock.advance(seconds=(moment - live_server.clock.now()).total_seconds())


def test_the_secretary_plans_notifies_and_holds_a_themed_party_day(
    new_page, login, live_server, back_to_now
):
    secretary = login(new_page(), SECRETARY)
    secretary.goto("/inbox/start")
    card = secretary.locator("section#process-themed_party_day")
    expect(card.get_by_role("heading", level=2)).to_have_text("主题党日")
    expect(card).to_contain_text("提前3天通知党员")
    card.get_by_label("发起单位").select_option(BRANCH)
    with secretary.expect_navigation():
        card.get_by_role("button", name="发起").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("研究确定主题和内容")
    instance_id = _instance_id(secretary)

    # The plan: theme, activities, programme, a day four days ahead, the place.
    day = (live_server.clock.now().astimezone(BEIJING) + timedelta(days=4)).replace(
        hour=14, minute=30
    )
    secretary.get_by_label("主题").fill("学习贯彻党的二十届四中全会精神")
    secretary.get_by_label("集中学习").check()
    secretary.get_by_label("志愿服务").check()
    secretary.get_by_label("活动安排").fill("集中学习全会公报；志愿服务：清扫井场道路")
    secretary.get_by_label("活动时间").fill(day.strftime("%Y-%m-%dT%H:%M"))
    secretary.get_by_label("地点").fill("站党员活动室")
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_contain_text("已提交")

    # He checks the plan and notifies the members: the step waits for him to claim it.
    _claim(secretary, "审核方案并通知党员", instance_id)
    secretary.get_by_label("方案可行").check()
    secretary.get_by_label("已通知全体党员").check()
    secretary.get_by_label("通知内容").fill(
        day.strftime("%m月%d日%H:%M") + "在站党员活动室开展主题党日，请全体党员准时参加"
    )
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_contain_text("已提交")

    # The day comes; that evening he records it: the members on the rolls that day are listed.
    _travel_to(live_server, day + timedelta(hours=4))
    _claim(secretary, "组织开展主题党日", instance_id)
    present = secretary.locator("#f-attendees-present input[type=checkbox]")
    entitled = int(secretary.get_by_label("应到人数").input_value())
    expect(present).to_have_count(entitled)
    for index in range(entitled):
        present.nth(index).check()
    present.first.uncheck()  # one member was on leave
    expect(secretary.locator("fieldset.attendance output")).to_contain_text(
        f"应到 {entitled} 人，实到 {entitled - 1} 人"
    )
    secretary.get_by_label("学时").fill("3")
    secretary.get_by_label("活动记录").fill(
        "书记领学全会公报，党员交流心得；会后清扫井场道路2公里。"
    )
    secretary.get_by_label("活动照片").set_input_files(
        files=[{"name": "集中学习.png", "mimeType": "image/png", "buffer": PNG}]
    )
    _submit(secretary)
    expect(secretary.locator(".flash-success")).to_contain_text("已提交")
    secretary.goto(f"/instances/{instance_id}")
    expect(secretary.locator(".tag.status-completed")).to_have_text("已办结")
    held = secretary.locator("main")
    expect(held).to_contain_text(f"应到 {entitled} 人，实到 {entitled - 1} 人")
    expect(held).to_contain_text("集中学习.png")

"""The branch secretary's month in a real browser (issue 15's "done when"), as a new user plays it
on the demo data, only through the pages: the secretary of the demo branch plans a 主题党日,
checks the plan and notifies the members, and holds the day; the dues clerk records this month's
open dues round and the secretary finds its rows in the dues ledger; the secretary reads the
members' points on the branch page and one member's points page. (Printing the minutes book and
the attendance register is covered by test_ledgers.py and test_dues_ledger.py.)"""

from __future__ import annotations

import random
import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from app.core import clock
from app.demo.dues import open_this_months_round
from app.demo.dues import publish_base_sheet
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.members import dues_records

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记 and 支部委员, HH01-01 长流水采油站党支部
DUES_CLERK = "zhouying"  # 组织委员, the branch's dues clerk
BRANCH = "HH01-01"
BEIJING = ZoneInfo("Asia/Shanghai")
BEHIND = "贺成"  # the member who has not paid this month (no committee seat)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _submit(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def _instance_id(page: Page) -> str:
    link = page.locator("a[href^='/instances/']").first.get_attribute("href")
    return re.search(r"/instances/(\d+)", link).group(1)


def _broken_names(page: Page) -> list[str]:
    """Names in the people pickers that the layout breaks over two lines (侯春/东)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.people-picker .person-name')]
            .filter((el) => el.getClientRects().length > 1 ||
                el.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(el).fontSize))
            .map((el) => el.textContent)"""
    )


def _claim(page: Page, title: str, instance_id: str | None) -> None:
    """Open the step from the claimable list and claim it."""
    page.goto("/inbox/?view=claimable")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    if instance_id:
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
    expect(secretary.locator("#f-attendees-present .person-name")).to_have_count(entitled)
    assert _broken_names(secretary) == []
    # No quorum rule for a themed party day: the count is shown, the day is not called off.
    count = secretary.locator("fieldset.attendance output")
    expect(count).to_have_text(f"应到 {entitled} 人，实到 0 人：未超过半数。")
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


def _open_this_months_dues_round(live_server) -> None:
    """What ``flask demo history`` leaves at the branch (the e2e server loads the enterprise
    only): a published base sheet and this month's round, opened this morning, through the demo's
    own commands."""
    with live_server.app.app_context():
        zone, today = clock.local_zone(), clock.local_today()
        branch_id = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == BRANCH)).one()
        if not dues_records.newest_sheet(db.session, branch_id, today):
            last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
            publish_base_sheet(BRANCH, last_month, random.Random(15), zone)
        open_this_months_round(BRANCH, today, zone)


def _login_of(live_server, name: str) -> str:
    """The demo account of the member of the branch named ``name`` (as the README's table)."""
    with live_server.app.app_context():
        return db.session.scalars(select(User.login).where(User.display_name == name)).one()


def clock_today(live_server) -> date:
    return live_server.clock.now().astimezone(BEIJING).date()


def test_the_dues_clerk_records_the_month_and_the_secretary_finds_it_in_the_ledger(
    new_page, login, live_server
):
    _open_this_months_dues_round(live_server)
    clerk = login(new_page(), DUES_CLERK)
    _claim(clerk, "登记交纳情况", None)
    # A line per member, prefilled from the published sheet; she types in who paid, and when.
    instance_id = _instance_id(clerk)
    lines = clerk.locator("#f-lines tbody tr").all()
    members = [row for row in lines if row.locator("select[name$='.person']").input_value()]
    today = clock_today(live_server)
    paid_on = today.isoformat()
    collected = 0.0
    for row in members:
        if row.locator("select[name$='.person'] option:checked").inner_text().startswith(BEHIND):
            continue  # away on the rig this month: not paid yet
        due = row.locator("input[name$='.amount_due']").input_value()
        row.locator("input[name$='.paid_amount']").fill(due)
        collected += float(due)
        row.locator("input[name$='.paid_on']").fill(paid_on)
        row.locator("select[name$='.status']").select_option(label="已交")
    _submit(clerk)
    expect(clerk.locator(".flash-success")).to_contain_text("已提交")

    # The round's record: every member paid but one; the remittance waits for her.
    expect(clerk.locator("tbody tr").filter(has_text="按规定上缴")).to_be_visible()
    clerk.goto(f"/instances/{instance_id}")
    record = clerk.locator("table").filter(has_text="交纳情况")
    expect(record.locator("tbody tr")).to_have_count(len(members))
    expect(record.locator("tbody tr").filter(has_text="已交")).to_have_count(len(members) - 1)
    expect(record.locator("tbody tr").filter(has_text=BEHIND)).to_contain_text("未交")

    # She remits what was collected; the round is done.
    _claim(clerk, "按规定上缴", instance_id)
    clerk.get_by_label("上缴金额（元）").fill(f"{collected:.2f}")
    clerk.get_by_label("上缴日期").fill(paid_on)
    clerk.get_by_label("收据号").fill("DF" + today.strftime("%Y%m") + "01")
    _submit(clerk)
    expect(clerk.locator(".flash-success")).to_contain_text("已提交")
    clerk.goto(f"/instances/{instance_id}")
    expect(clerk.locator(".tag.status-completed")).to_have_text("已办结")

    # The member behind is reminded: the notice waits among his notifications.
    member = login(new_page(phone=True), _login_of(live_server, BEHIND))
    member.get_by_role("navigation").get_by_role("link", name="通知").click()
    expect(member.locator("main")).to_contain_text(f"{today:%Y-%m} 党费尚未交纳")

    # The secretary finds the month's rows in the dues ledger.
    secretary = login(new_page(), SECRETARY)
    secretary.get_by_role("navigation").get_by_role("link", name="台账").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text("长流水采油站党支部")
    secretary.get_by_role("link", name="党费收缴登记").click()
    secretary.get_by_label("年度").select_option(label=str(today.year))
    secretary.get_by_role("button", name="查看").click()
    expect(secretary.get_by_role("heading", level=1)).to_contain_text(str(today.year))
    month_rows = secretary.locator("#ledger-rows tbody tr").filter(has_text=today.strftime("%Y-%m"))
    expect(month_rows).to_have_count(len(members))
    expect(month_rows.filter(has_text=BEHIND)).to_contain_text("未交")


def test_the_secretary_reads_the_members_points_on_the_branch_page(new_page, login, live_server):
    secretary = login(new_page(), SECRETARY)
    secretary.goto(f"/orgs/{BRANCH}")
    year = clock_today(live_server).year
    points = secretary.locator("#points")
    expect(points.get_by_role("heading", level=2)).to_have_text(f"{year}年党员积分")
    expect(points).to_contain_text("全年从基础分60分起算")
    expect(points.locator("thead th").first).to_have_text("排名")
    expect(points.locator("thead th").last).to_have_text("年度")
    # A row per member on the rolls, each with the year's points: the secretary among them.
    own_row = points.locator("tbody tr").filter(has_text="陈金鹏")
    expect(own_row).to_have_count(1)
    year_total = own_row.locator("td").last.inner_text().strip()
    assert re.fullmatch(r"\d+(\.\d+)?", year_total), year_total

    # His own points page: by month, by block and item, and the same year total.
    own_row.get_by_role("link", name="陈金鹏").click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(f"陈金鹏 {year}年积分")
    expect(secretary.locator("#months h2")).to_have_text("按月")
    expect(secretary.locator("#months tbody tr")).to_have_count(12)
    expect(secretary.locator("#months tfoot")).to_contain_text(year_total)
    expect(secretary.locator("#items h2")).to_have_text("按模块和项目")
    # Every page loaded all it asked for (the browser's /favicon.ico request was a 404 once).
    assert [m for m in secretary.console.messages if "Failed to load" in m] == []

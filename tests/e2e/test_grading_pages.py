"""The company organisation department in a real browser: the dashboard draws its charts and its
numbers lead to the branches behind them; this year's grading cycle starts for every branch in one
action and its progress shows every branch at self-assessment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

ORG_DEPT = "zhaowenlei"  # 公司党委组织部, HH
SECRETARY = "chenjinpeng"  # 支部书记, HH01-01


def test_the_dashboard_draws_and_its_numbers_lead_to_branches(new_page, login):
    page = login(new_page(), ORG_DEPT)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="看板").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#chart-units canvas")).to_be_visible(timeout=10000)
    expect(page.locator("#chart-years canvas")).to_be_visible()
    cell = page.locator("table.level-table a").filter(has_text=re.compile(r"^[1-9]\d*$")).first
    count = int(cell.inner_text())
    cell.click()
    expect(page).to_have_url(re.compile(r"/dashboard/branches"))
    expect(page.locator("main table tbody tr")).to_have_count(count)


def test_the_cycle_starts_for_every_branch_and_reaches_the_secretary(new_page, login):
    page = login(new_page(), ORG_DEPT)
    page.goto("/grading/cycles")
    with page.expect_navigation():
        page.get_by_role("button", name="为全部党支部发起").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text("支部自评")
    secretary = login(new_page(), SECRETARY)
    secretary.goto("/inbox/?view=claimable")
    expect(secretary.get_by_role("link", name=re.compile("自评"))).to_have_count(1)

"""A branch secretary finds the ledgers (台账) in the menu, opens the minutes book, prints it and
exports it to Excel, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记, HH01-01 长流水采油站党支部


def test_a_secretary_prints_and_exports_the_minutes_book(new_page, login):
    page = login(new_page(), SECRETARY)
    page.get_by_role("navigation").get_by_role("link", name="台账").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长流水采油站党支部")
    page.get_by_role("link", name="支部委员会会议记录").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("支部委员会会议记录")
    year = re.search(r"(\d{4})$", heading.inner_text()).group(1)

    # The year filter moves to the year before, and back.
    for chosen in (str(int(year) - 1), year):
        page.get_by_label("年度").select_option(label=chosen)
        page.get_by_role("button", name="查看").click()
        expect(heading).to_contain_text(chosen)

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == f"HH01-01-{year}-branch_committee_minutes.xlsx"

    page.get_by_role("link", name="打印").click()
    expect(page.locator(".sheet-org")).to_have_text("长流水采油站党支部")
    expect(page.locator(".sheet-meta")).to_contain_text(f"{year}年度")
    expect(page.locator("#ledger-rows th").nth(1)).to_have_text("会议时间")
    assert page.pdf(format="A4", landscape=True)[:4] == b"%PDF"  # prints on A4 paper

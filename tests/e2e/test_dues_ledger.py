"""The branch secretary opens the dues ledger (党费收缴登记), a row per member per month, exports it
to Excel, and prints the year's attendance register (会议签到册), in a real browser. Last month's
base sheet and dues round are written first through the demo's own commands."""

from __future__ import annotations

import random
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.core import clock
from app.demo.dues import dues_round
from app.demo.dues import publish_base_sheet

pytestmark = pytest.mark.e2e

SECRETARY = "chenjinpeng"  # 支部书记, HH01-01 长流水采油站党支部
BRANCH = "HH01-01"


def _last_months_round(live_server) -> int:
    """Last month's sheet and round at the branch; the year of that month."""
    with live_server.app.app_context():
        month = (clock.local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        zone = clock.local_zone()
        publish_base_sheet(BRANCH, month, random.Random(7), zone)
        dues_round(BRANCH, month, months_left=12, zone=zone)  # everyone paid
        return month.year


def _open_ledger(page, title: str, year: int) -> None:
    page.get_by_role("navigation").get_by_role("link", name="台账").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("长流水采油站党支部")
    page.get_by_role("link", name=title).click()
    page.get_by_label("年度").select_option(label=str(year))
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(year))


def test_a_secretary_exports_the_dues_ledger_and_prints_the_attendance_register(
    live_server, new_page, login, tmp_path: Path
):
    year = _last_months_round(live_server)
    page = login(new_page(), SECRETARY)
    _open_ledger(page, "党费收缴登记", year)
    expect(page.locator("#ledger-rows th").nth(1)).to_have_text("所属月份")
    expect(page.locator("#ledger-rows tbody tr").first).to_contain_text("已交")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == f"{BRANCH}-{year}-party_dues_ledger.xlsx"
    saved = tmp_path / "dues.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(BytesIO(saved.read_bytes())).active
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert "应交金额（元）" in texts
    assert "已交" in texts  # a row per member of the round, each paid

    _open_ledger(page, "会议签到册", year)
    page.get_by_role("link", name="打印").click()
    expect(page.locator(".sheet-org")).to_have_text("长流水采油站党支部")
    expect(page.locator(".sheet-meta")).to_contain_text(f"{year}年度")
    expect(page.locator("#ledger-rows th").nth(1)).to_have_text("会议时间")
    assert page.pdf(format="A4", landscape=True)[:4] == b"%PDF"  # prints on A4 paper

"""Issue 17 items 5 and 7 in a real browser: the self-assessment's running total follows the scores
as the secretary types them and the draft is kept without a click; on a 390 px phone the inbox lists
its tasks as cards under a compact header, the self-assessment fits the screen with its guide on top,
and the diagram's frame is as high as the drawing (screenshots under each test's tmp dir)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from tests.plugins.demo import holder_at

pytestmark = pytest.mark.e2e

#: A unit other than HH01, whose secretary test_grading_pages follows, and a year other than the
#: one it starts: the two modules do not meet in the shared database, in whatever order they run.
UNIT = "HH02"
YEAR = 2027
COMPACT_HEADER_PX = 100


@dataclass(frozen=True)
class Assessment:
    task_id: int
    secretary: str  # the login of the branch's secretary


@pytest.fixture(scope="module")
def self_assessment(live_server) -> Assessment:
    """The self-assessment of the first branch of HH02, in a cycle of its own, and its secretary."""
    with live_server.app.app_context():
        cycle_id = run(
            start_cycle, actor=holder_at("HH", "company_org_dept"), year=YEAR, scope_code=UNIT
        )
        task_id, branch_id = db.session.execute(
            select(HumanTask.id, CycleBranch.branch_id)
            .join(CycleBranch, CycleBranch.instance_id == HumanTask.instance_id)
            .join(OrgUnit, OrgUnit.id == CycleBranch.branch_id)
            .where(
                CycleBranch.cycle_id == cycle_id,
                HumanTask.element_id == "self_assessment",
                HumanTask.state == HumanTaskState.READY,
            )
            .order_by(OrgUnit.code)
            .limit(1)
        ).one()
        secretary = db.session.scalars(
            select(User.login)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.org_unit_id == branch_id,
                RoleAssignment.role_code == "branch_secretary",
            )
            .order_by(User.id)
            .limit(1)
        ).one()
        return Assessment(task_id, secretary)


def _total(page: Page) -> float:
    return float(page.locator("[data-running-total]").get_attribute("data-total") or "nan")


def test_the_running_total_follows_a_score_as_it_is_typed(
    new_page, login, self_assessment, tmp_path
):
    page = login(new_page(), self_assessment.secretary)
    page.goto(f"/inbox/tasks/{self_assessment.task_id}")
    if page.get_by_role("button", name="认领").count():
        with page.expect_navigation():
            page.get_by_role("button", name="认领").click()
    total = page.locator("[data-running-total]")
    expect(total).to_contain_text("自评合计")
    expect(total).to_contain_text("项未打分")
    before = _total(page)

    page.locator("#f-C01").fill("4")
    expect(total).to_have_attribute("data-total", f"{before + 4:g}")
    page.locator("#f-C01").fill("2.5")
    expect(total).to_have_attribute("data-total", f"{before + 2.5:g}")
    # below full marks the evidence note is asked for; the draft is kept without a click
    expect(
        page.locator("#f-C01_note").locator("xpath=..").locator("[data-needed-mark]")
    ).to_be_visible()
    expect(page.locator(".autosave-status")).to_contain_text(
        re.compile(r"已于 \d\d:\d\d 自动保存草稿"), timeout=10000
    )

    nav = page.get_by_role("navigation", name="表单各部分")
    expect(nav.get_by_role("link", name=re.compile("A1 选配一个好书记"))).to_contain_text("2.5/14")
    nav.get_by_role("link", name=re.compile("A6 创造一流工作业绩")).click()
    expect(page.locator("#f-C20")).to_be_in_viewport()
    expect(page.locator(".form-guide")).to_be_in_viewport()  # the navigation stays on screen
    page.screenshot(path=str(tmp_path / "self-assessment.png"))

    page.reload()
    expect(page.locator("#f-C01")).to_have_value("2.5")  # the autosaved draft


def test_on_a_390px_phone_the_inbox_rows_are_cards(
    phone_page: Page, login, self_assessment, tmp_path
):
    page = login(phone_page, self_assessment.secretary)
    assert page.viewport_size["width"] == 390
    header = page.locator("header.topbar").bounding_box()
    assert header is not None
    assert header["height"] <= COMPACT_HEADER_PX, header

    page.goto("/inbox/?view=mine")
    if not page.locator("table.tasks tbody tr").count():
        page.goto("/inbox/?view=claimable")
    row = page.locator("table.tasks tbody tr").first
    expect(row).to_be_visible()
    expect(page.locator("table.tasks thead")).not_to_be_in_viewport()
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    cells = row.locator("td")
    for i in range(cells.count()):
        cell = cells.nth(i)
        label = cell.get_attribute("data-label")
        assert label, cell.inner_html()
        heading = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert heading == f'"{label}"'
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390, (label, box)
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    for link in page.get_by_role("navigation", name="主导航").get_by_role("link").all():
        box = link.bounding_box()  # the compact header still shows every menu entry
        assert box is not None
        assert box["x"] + box["width"] <= 390, (link.inner_text(), box)
    shot = tmp_path / "inbox-390.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def test_on_a_390px_phone_the_self_assessment_fits_and_its_guide_stays_small(
    phone_page: Page, login, self_assessment, tmp_path
):
    page = login(phone_page, self_assessment.secretary)
    page.goto(f"/inbox/tasks/{self_assessment.task_id}")
    expect(page.locator("[data-running-total]")).to_contain_text("自评合计")
    page.locator("#f-C12").scroll_into_view_if_needed()
    guide = page.locator(".form-guide").bounding_box()
    assert guide is not None
    assert guide["y"] <= 1  # stuck to the top while the secretary scrolls
    assert guide["height"] <= 120, guide
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / "self-assessment-390.png"))


def test_on_a_390px_phone_the_diagram_frame_fits_the_drawing(
    phone_page: Page, login, self_assessment, tmp_path
):
    page = login(phone_page, self_assessment.secretary)
    page.goto(f"/inbox/tasks/{self_assessment.task_id}")
    page.get_by_role("link", name=re.compile(r"年度达标晋级 #\d+")).click()
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "true", timeout=10000)
    frame = diagram.bounding_box()
    drawing = page.locator("#diagram svg g.viewport").bounding_box()
    assert frame is not None
    assert drawing is not None
    assert frame["x"] + frame["width"] <= 390, frame
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    assert frame["height"] <= 220, frame  # not the 420 px of a desktop
    assert drawing["height"] >= frame["height"] * 0.6, (frame, drawing)  # little empty frame
    page.screenshot(path=str(tmp_path / "diagram-390.png"), full_page=True)

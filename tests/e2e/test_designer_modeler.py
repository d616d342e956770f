"""The browser modeler (app/static/designer, built from frontend/designer) as a designer uses it:
drawing, filling BranchFlow's properties through its panel, seeing the server's problems on the
elements. The XML it hands back is what the engine's deployment checks accept, with exactly the
extension elements the engine reads. The page: tests/e2e/designer_page.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from playwright.sync_api import Page
from playwright.sync_api import expect

from app.engine.xml import parse_model_xml
from app.workflow.deploy import check_sources
from tests.e2e.designer_page import DRAW
from tests.e2e.designer_page import NS
from tests.e2e.designer_page import FakeDesignerServer
from tests.e2e.designer_page import model_xml
from tests.e2e.designer_page import open_designer
from tests.e2e.designer_page import panel_entry
from tests.e2e.designer_page import select_element
from tests.e2e.designer_page import wait_for_property

pytestmark = pytest.mark.e2e

ROLE, FORM, ACTION = "branch_secretary", "bcm_hold_meeting", "rate_at_acceptance"


@pytest.fixture
def designer(live_server: Any, page: Page) -> Callable[..., tuple[Page, FakeDesignerServer]]:
    def open_page(**options: Any) -> tuple[Page, FakeDesignerServer]:
        return page, open_designer(live_server, page, **options)

    return open_page


def test_panel_writes_what_the_engine_reads_and_deploy_checks_accept(designer) -> None:
    page, server = designer()
    # The bpmn.io licence: its watermark stays visible (placed by our CSS under the CSP).
    watermark = page.locator(".bf-canvas .bjs-powered-by")
    expect(watermark).to_be_visible()
    canvas_box = page.locator(".bf-canvas").bounding_box()
    mark_box = watermark.bounding_box()
    assert canvas_box
    assert mark_box
    assert mark_box["x"] + mark_box["width"] <= canvas_box["x"] + canvas_box["width"]
    assert mark_box["y"] + mark_box["height"] <= canvas_box["y"] + canvas_box["height"]
    page.evaluate(DRAW)

    select_element(page, "lane_1")
    expect(page.locator(".bio-properties-panel-group-header-title").first).to_be_visible()
    expect(page.get_by_text("角色（泳道）").first).to_be_visible()  # Chinese panel and palette
    expect(page.locator(".djs-palette [aria-label='创建开始事件']")).to_have_count(1)
    panel_entry(page, "bf-role").select_option(ROLE)

    select_element(page, "report")
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("用户任务")
    panel_entry(page, "bf-formKey").select_option(FORM)
    expect(page.get_by_role("link", name="打开表单")).to_have_attribute("href", f"/forms/{FORM}")
    panel_entry(page, "bf-dueIn").fill("P3D")
    panel_entry(page, "bf-dueCalendar").select_option("working")
    panel_entry(page, "bf-title").fill("三个工作日内向上级报告")
    wait_for_property(page, "report", "title", "三个工作日内向上级报告")
    page.locator(".bio-properties-panel-group-header", has_text="英文").click()
    panel_entry(page, "bf-name_en").fill("Report to the unit")
    wait_for_property(page, "report", "name_en", "Report to the unit")

    select_element(page, "rate")
    panel_entry(page, "bf-action").select_option(ACTION)
    panel_entry(page, "bf-param-cycle_year").fill("2026")
    wait_for_property(page, "rate", "cycle_year", "2026")

    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("[data-bf-status]")).to_have_text("已保存。")
    assert server.csrf_headers[-1] == "e2e-token"
    xml = server.saved[-1]
    assert xml == model_xml(page)

    with server.app.app_context():
        assert check_sources({"designer_e2e.bpmn": xml.encode()}).problems == ()
    root = parse_model_xml(xml.encode())
    (lane,) = root.xpath("//bpmn:lane", namespaces=NS)
    assert lane.get("name") == ROLE
    assert lane.xpath("bpmn:flowNodeRef/text()", namespaces=NS) == [
        "start",
        "report",
        "rate",
        "end",
    ]
    (task,) = root.xpath("//bpmn:userTask[@id='report']", namespaces=NS)
    properties = task.xpath(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS
    )
    assert sorted((p.get("name"), p.get("value")) for p in properties) == [
        ("dueCalendar", "working"),
        ("dueIn", "P3D"),
        ("formKey", FORM),
        ("name_en", "Report to the unit"),
        ("title", "三个工作日内向上级报告"),
    ]
    (operator,) = root.xpath(
        "//bpmn:serviceTask[@id='rate']/bpmn:extensionElements/spiffworkflow:serviceTaskOperator",
        namespaces=NS,
    )
    assert operator.get("id") == ACTION
    parameters = operator.xpath("spiffworkflow:parameters/spiffworkflow:parameter", namespaces=NS)
    assert [(p.get("id"), p.get("type"), p.get("value")) for p in parameters] == [
        ("cycle_year", "integer", "2026")
    ]
    assert etree.QName(operator.getparent()).localname == "extensionElements"


def test_server_problems_show_on_the_element_and_a_click_selects_it(designer) -> None:
    page, _ = designer()
    page.evaluate(DRAW)  # a user task without a form, in a lane without a role
    page.get_by_role("button", name="绘图检查").click()  # the browser's lint, in Chinese
    lint = page.locator(".bf-problems .bf-problem")
    expect(lint.filter(has_text="元素缺少标签/名称").filter(has_text="lane_1")).to_have_count(1)
    page.get_by_role("button", name="检查", exact=True).click()
    problems = page.locator(".bf-problems .bf-problem")
    expect(problems.filter(has_text="用户任务未指定表单").first).to_be_visible()
    expect(page.locator(".djs-element.bf-problem-error[data-element-id='report']")).to_have_count(1)

    problems.filter(has_text="report").first.get_by_role("button").click()
    selected = page.evaluate(
        """() => document.querySelector('[data-branchflow-modeler]').branchflow.modeler
             .get('selection').get().map((e) => e.id)"""
    )
    assert selected == ["report"]
    expect(page.locator(".bf-entry-problems").first).to_contain_text("用户任务未指定表单")


def test_token_simulation_toggles_from_the_toolbar(designer) -> None:
    page, _ = designer()
    page.evaluate(DRAW)
    toggle = page.get_by_role("button", name="令牌模拟")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".bts-toggle-mode")).to_contain_text("令牌模拟")
    expect(page.locator(".djs-palette")).to_be_hidden()  # no drawing while simulating
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".djs-palette")).to_be_visible()


def test_an_english_page_gets_the_english_modeler(designer) -> None:
    page, _ = designer(lang="en")
    page.evaluate(DRAW)
    select_element(page, "report")
    expect(page.get_by_text("BranchFlow task", exact=True)).to_be_visible()
    expect(page.get_by_text("Due in (ISO duration)", exact=True)).to_be_visible()
    expect(page.locator(".djs-palette [aria-label='Create start event']")).to_have_count(1)


def test_a_read_only_page_shows_the_model_without_editing(designer) -> None:
    page, server = designer(read_only=True)
    expect(page.locator(".bf-canvas .djs-element[data-element-id='start']")).to_have_count(1)
    expect(page.locator(".djs-palette")).to_have_count(0)
    expect(page.locator(".bf-panel")).to_have_count(0)
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    assert 'id="start"' in model_xml(page)
    assert server.saved == []


def test_a_condition_shows_the_sandbox_verdict_of_the_server(designer) -> None:
    page, _ = designer()
    page.evaluate(DRAW)
    page.evaluate(
        """() => {
          const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
          const flow = modeler.get('elementRegistry').filter((e) => e.type === 'bpmn:SequenceFlow')[1];
          modeler.get('modeling').updateProperties(flow, { id: 'flow_reported' });
        }"""
    )
    select_element(page, "flow_reported")
    panel_entry(page, "bf-condition").fill("decision ==")
    check = page.get_by_role("button", name="检查", exact=True)
    check.click()
    expect(page.locator(".bf-panel .bf-entry-problems")).to_contain_text("沙箱")

    panel_entry(page, "bf-condition").fill('decision == "approve"')
    check.click()
    expect(page.locator(".bf-problems .bf-problem").filter(has_text="沙箱")).to_have_count(0)
    assert 'decision == "approve"' in model_xml(page)

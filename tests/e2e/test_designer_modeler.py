"""The browser modeler (app/static/designer, built from frontend/designer): a designer draws in
it, fills BranchFlow's properties through its panel, and the XML it hands back is what the
engine's deployment checks accept, with exactly the extension elements the engine reads.

The page is the real partial (templates/designer/_modeler.html) rendered by the app, loading
the committed bundle from the live server; its server side (model, catalogue, check) is played
by Playwright routes answering on the live server's origin, with the app's own catalogues and
``check_sources`` — the designer pages that serve them for real belong to app/designer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import current_app
from flask import render_template_string
from lxml import etree
from playwright.sync_api import Page
from playwright.sync_api import Route
from playwright.sync_api import expect

from app.core.security import CONTENT_SECURITY_POLICY
from app.engine.xml import parse_model_xml
from app.formdefs.registry import load_registry
from app.identity import catalogue as roles_catalogue
from app.workflow.actions import catalogue as actions_catalogue
from app.workflow.deploy import check_sources
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

BASE = "/__designer_e2e__"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
ROLE, FORM, ACTION = "branch_secretary", "bcm_hold_meeting", "rate_at_acceptance"

#: A pool with one unnamed lane and a start event: what a designer starts from.
START_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs_designer_e2e" targetNamespace="http://branchflow.example/e2e">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="pool" name="设计器测试" processRef="designer_e2e"/>
  </bpmn:collaboration>
  <bpmn:process id="designer_e2e" name="设计器测试" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_1"><bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="collab">
      <bpmndi:BPMNShape id="pool_di" bpmnElement="pool" isHorizontal="true">
        <dc:Bounds x="100" y="80" width="900" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_1_di" bpmnElement="lane_1" isHorizontal="true">
        <dc:Bounds x="130" y="80" width="870" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="162" width="36" height="36"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

PAGE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><meta name="csrf-token" content="e2e-token">
<title>designer</title></head><body>
{% from "designer/_modeler.html" import modeler %}
{{ modeler("bpmn", base + "/model.bpmn", base + "/save", base + "/check", base + "/catalog",
           "/", read_only=read_only) }}
</body></html>"""


def _catalog() -> dict[str, Any]:
    """The catalogue the designer pages hand to the modeler, from the app's own catalogues."""
    forms = load_registry(current_app.config["FORMS_DIR"])
    return {
        "roles": [{"code": r.code, "name": r.zh} for r in roles_catalogue.roles().values()],
        "forms": [{"key": k, "title": f.title, "url": f"/forms/{k}"} for k, f in forms.items()],
        "actions": [
            {
                "name": a["name"],
                "title": a["label"]["zh"],
                "params": [
                    {
                        "name": p["name"],
                        "type": p["type"],
                        "title": p["label"]["zh"],
                        "required": p["required"],
                    }
                    for p in a["parameters"]
                ],
            }
            for a in actions_catalogue().describe()
        ],
    }


def _problems(xml: str) -> list[dict[str, Any]]:
    result = check_sources({"designer_e2e.bpmn": xml.encode()})
    return [
        {"element_id": p.element_id, "message": p.message_zh, "severity": "error"}
        for p in result.problems
    ]


class FakeDesignerServer:
    """The URLs of the modeler's contract, answered in the browser with the app's real checks."""

    def __init__(
        self, live_server: Any, page: Page, lang: str = "zh-CN", read_only: bool = False
    ) -> None:
        self.lang, self.read_only = lang, read_only
        self.app = live_server.app
        self.url = live_server.url
        self.saved: list[str] = []
        self.csrf_headers: list[str | None] = []
        self.model = START_XML
        page.route(f"{self.url}{BASE}/**", self._answer)
        page.route(f"{self.url}{BASE}", self._answer)

    def _answer(self, route: Route) -> None:
        request = route.request
        path = request.url[len(self.url) :]
        with self.app.test_request_context():
            if path == BASE:
                html = render_template_string(
                    PAGE, base=BASE, lang=self.lang, read_only=self.read_only
                )
                # The app's own policy: the bundle must work without inline script or style.
                headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}
                return route.fulfill(body=html, content_type="text/html", headers=headers)
            if path == f"{BASE}/model.bpmn":
                return route.fulfill(body=self.model, content_type="application/xml")
            if path == f"{BASE}/catalog":
                return route.fulfill(json=_catalog())
            if path in (f"{BASE}/save", f"{BASE}/check") and request.method == "POST":
                self.csrf_headers.append(request.headers.get("x-csrftoken"))
                xml = json.loads(request.post_data or "{}")["xml"]
                if path.endswith("/save"):
                    self.saved.append(xml)
                problems = _problems(xml)
                return route.fulfill(json={"ok": not problems, "problems": problems})
        return route.fulfill(status=404, body="")


@pytest.fixture
def designer(live_server: Any, page: Page) -> Callable[..., tuple[Page, FakeDesignerServer]]:
    def open_designer(
        lang: str = "zh-CN", read_only: bool = False
    ) -> tuple[Page, FakeDesignerServer]:
        server = FakeDesignerServer(live_server, page, lang, read_only)
        page.goto(BASE)
        page.wait_for_function(
            "() => document.querySelector('[data-branchflow-modeler]').branchflow !== undefined"
        )
        return page, server

    return open_designer


DRAW = """() => {
  const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
  const modeling = modeler.get('modeling');
  const registry = modeler.get('elementRegistry');
  const start = registry.get('start');
  const append = (source, type, id, name) => {
    const shape = modeling.appendShape(source, { type });
    modeling.updateProperties(shape, { id, name });
    return shape;
  };
  const task = append(start, 'bpmn:UserTask', 'report', '向上级报告');
  const service = append(task, 'bpmn:ServiceTask', 'rate', '验收星级评定');
  append(service, 'bpmn:EndEvent', 'end', '结束');
}"""


def _select(page: Page, element_id: str) -> None:
    page.evaluate(
        """(id) => {
          const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
          modeler.get('selection').select(modeler.get('elementRegistry').get(id));
        }""",
        element_id,
    )


def _xml(page: Page) -> str:
    return page.evaluate(
        "() => document.querySelector('[data-branchflow-modeler]').branchflow.getXML()"
    )


def _wait_for_property(page: Page, element_id: str, name: str, value: str) -> None:
    """Until the panel's debounced write of ``name`` has reached the model."""
    page.wait_for_function(
        """([id, name, value]) => {
          const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
          const bo = modeler.get('elementRegistry').get(id).businessObject;
          const values = (bo.extensionElements && bo.extensionElements.values) || [];
          return values.some((v) => (v.properties || []).some((p) => p.name === name && p.value === value)
            || (v.parameterList && v.parameterList.parameters.some((p) => p.id === name && p.value === value)));
        }""",
        arg=[element_id, name, value],
    )


def _entry(page: Page, entry_id: str):
    return page.locator(f"#bio-properties-panel-{entry_id}")


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

    _select(page, "lane_1")
    expect(page.locator(".bio-properties-panel-group-header-title").first).to_be_visible()
    expect(page.get_by_text("角色（泳道）").first).to_be_visible()  # Chinese panel and palette
    expect(page.locator(".djs-palette [aria-label='创建开始事件']")).to_have_count(1)
    _entry(page, "bf-role").select_option(ROLE)

    _select(page, "report")
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("用户任务")
    _entry(page, "bf-formKey").select_option(FORM)
    expect(page.get_by_role("link", name="打开表单")).to_have_attribute("href", f"/forms/{FORM}")
    _entry(page, "bf-dueIn").fill("P3D")
    _entry(page, "bf-dueCalendar").select_option("working")
    _entry(page, "bf-title").fill("三个工作日内向上级报告")
    _wait_for_property(page, "report", "title", "三个工作日内向上级报告")

    _select(page, "rate")
    _entry(page, "bf-action").select_option(ACTION)
    _entry(page, "bf-param-cycle_year").fill("2026")
    _wait_for_property(page, "rate", "cycle_year", "2026")

    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("[data-bf-status]")).to_have_text("已保存。")
    assert server.csrf_headers[-1] == "e2e-token"
    xml = server.saved[-1]
    assert xml == _xml(page)

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


def test_timer_preview_and_diff_of_a_changed_task(designer) -> None:
    page, _ = designer()
    firings = page.evaluate(
        """() => BranchFlowDesigner.nextFirings('timeCycle', '"R2/2026-12-01T09:00:00+08:00/P1D"')
             .map((d) => d.toISOString())"""
    )
    assert firings == ["2026-12-01T01:00:00.000Z", "2026-12-02T01:00:00.000Z"]
    assert page.evaluate("() => BranchFlowDesigner.nextFirings('timeDate', 'meeting_on')") is None

    page.evaluate(DRAW)
    _select(page, "report")
    _entry(page, "bf-dueIn").fill("P5D")
    _wait_for_property(page, "report", "dueIn", "P5D")
    new_xml = _xml(page)
    old_xml = new_xml.replace('value="P5D"', 'value="P3D"').replace("向上级报告", "报告")
    rows = page.evaluate(
        """async ([oldXml, newXml]) => {
          const el = document.createElement('div');
          document.body.append(el);
          const { rows } = await BranchFlowDesigner.showDiff(el, oldXml, newXml);
          return rows;
        }""",
        [old_xml, new_xml],
    )
    changed = {(r[0], r[3]): (r[4], r[5]) for r in rows if r[2] == "Changed"}
    assert changed[("report", "name")] == ("报告", "向上级报告")
    assert changed[("report", "dueIn")] == ("P3D", "P5D")
    expect(page.locator(".bf-diff-changed[data-element-id='report']")).to_have_count(2)
    expect(page.locator(".bf-diff-table")).to_contain_text("修改")


ROUND_TRIP = """async ([kind, xml]) => {
  const el = document.createElement('div');
  document.body.append(el);
  const mounted = await BranchFlowDesigner.mountModeler(el, { kind, xml, catalog: {} });
  const out = await mounted.getXML();
  mounted.destroy();
  el.remove();
  return out;
}"""


def _engine_extensions(xml: str) -> list[tuple[str, str, tuple[tuple[str, str], ...], str]]:
    """Every spiffworkflow element with the id of the BPMN element holding it: what the
    engine reads, in a form that ignores formatting and namespace prefixes."""
    root = parse_model_xml(xml.encode())
    found = []
    for node in root.iter(f"{{{NS['spiffworkflow']}}}*"):
        owner = next(
            a
            for a in node.iterancestors()
            if etree.QName(a).namespace == NS["bpmn"] and a.get("id")
        )
        found.append(
            (
                owner.get("id"),
                etree.QName(node).localname,
                tuple(sorted(node.attrib.items())),
                (node.text or "").strip(),
            )
        )
    return sorted(found)


def test_every_shipped_model_survives_the_modeler(designer) -> None:
    page, server = designer()
    sources = {}
    for path in sorted(ROOT.glob("processes/**/*.bpmn")) + sorted(ROOT.glob("processes/**/*.dmn")):
        xml = path.read_text(encoding="utf-8")
        out = page.evaluate(ROUND_TRIP, [path.suffix[1:], xml])
        if path.suffix == ".bpmn":
            assert _engine_extensions(out) == _engine_extensions(xml), path.name
        sources[path.name] = out.encode()
    with server.app.app_context():
        problems = check_sources(sources).problems
    assert [str(p) for p in problems] == []


def test_an_english_page_gets_the_english_modeler(designer) -> None:
    page, _ = designer(lang="en")
    page.evaluate(DRAW)
    _select(page, "report")
    expect(page.get_by_text("BranchFlow task", exact=True)).to_be_visible()
    expect(page.get_by_text("Due in (ISO duration)", exact=True)).to_be_visible()
    expect(page.locator(".djs-palette [aria-label='Create start event']")).to_have_count(1)


def test_a_read_only_page_shows_the_model_without_editing(designer) -> None:
    page, server = designer(read_only=True)
    expect(page.locator(".bf-canvas .djs-element[data-element-id='start']")).to_have_count(1)
    expect(page.locator(".djs-palette")).to_have_count(0)
    expect(page.locator(".bf-panel")).to_have_count(0)
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    assert 'id="start"' in _xml(page)
    assert server.saved == []


def test_a_timer_shows_when_it_fires_next(designer) -> None:
    page, _ = designer()
    page.evaluate(
        """() => {
          const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
          const modeling = modeler.get('modeling');
          const timer = modeling.appendShape(modeler.get('elementRegistry').get('start'), {
            type: 'bpmn:IntermediateCatchEvent', eventDefinitionType: 'bpmn:TimerEventDefinition'
          });
          modeling.updateProperties(timer, { id: 'wait' });
        }"""
    )
    _select(page, "wait")
    preview = page.locator(".bf-timer-preview")
    _entry(page, "bf-timer-kind").select_option("timeCycle")
    _entry(page, "bf-timer").fill('"R2/2026-12-01T09:00:00+08:00/P1D"')
    expect(preview).to_contain_text("下次触发")
    expect(preview).to_contain_text("2026/12/01")
    expect(preview).to_contain_text("09:00")  # Beijing time, as people read it
    _entry(page, "bf-timer").fill("meeting_on")
    expect(preview).to_have_text("在实例运行时计算。")
    xml = _xml(page)
    assert "<bpmn:timeCycle" in xml
    assert "meeting_on</bpmn:timeCycle>" in xml

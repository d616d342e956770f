"""The page of the browser modeler for tests: the real partial (templates/designer/_modeler.html)
rendered by the app and loading the committed bundle from the live server, with the server side of
its contract (model, catalogue, save, check) played by Playwright routes on the live server's
origin, using the app's own catalogues and ``check_sources`` — the designer pages that serve them
for real belong to app/designer. Helpers to draw and to read the panel and the model.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from flask import render_template_string
from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import Route

from app.core.security import CONTENT_SECURITY_POLICY
from app.formdefs.registry import load_registry
from app.identity import catalogue as roles_catalogue
from app.workflow.actions import catalogue as actions_catalogue
from app.workflow.deploy import check_sources

BASE = "/__designer_e2e__"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}

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


def catalog() -> dict[str, Any]:
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


def problems_of(xml: str) -> list[dict[str, Any]]:
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
                return route.fulfill(json=catalog())
            if path in (f"{BASE}/save", f"{BASE}/check") and request.method == "POST":
                self.csrf_headers.append(request.headers.get("x-csrftoken"))
                xml = json.loads(request.post_data or "{}")["xml"]
                if path.endswith("/save"):
                    self.saved.append(xml)
                problems = problems_of(xml)
                return route.fulfill(json={"ok": not problems, "problems": problems})
        return route.fulfill(status=404, body="")


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


def select_element(page: Page, element_id: str) -> None:
    page.evaluate(
        """(id) => {
          const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
          modeler.get('selection').select(modeler.get('elementRegistry').get(id));
        }""",
        element_id,
    )


def model_xml(page: Page) -> str:
    return page.evaluate(
        "() => document.querySelector('[data-branchflow-modeler]').branchflow.getXML()"
    )


def wait_for_property(page: Page, element_id: str, name: str, value: str) -> None:
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


def panel_entry(page: Page, entry_id: str) -> Locator:
    return page.locator(f"#bio-properties-panel-{entry_id}")


def open_designer(
    live_server: Any, page: Page, *, lang: str = "zh-CN", read_only: bool = False
) -> FakeDesignerServer:
    """The modeler's page, opened and mounted."""
    server = FakeDesignerServer(live_server, page, lang, read_only)
    page.goto(BASE)
    page.wait_for_function(
        "() => document.querySelector('[data-branchflow-modeler]').branchflow !== undefined"
    )
    return server

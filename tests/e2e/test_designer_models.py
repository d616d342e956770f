"""The browser modeler with whole models: every shipped model survives a round trip through it,
the visual diff of two versions, the preview of a timer's next firings. The page:
tests/e2e/designer_page.py.
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
from tests.conftest import ROOT
from tests.e2e.designer_page import DRAW
from tests.e2e.designer_page import NS
from tests.e2e.designer_page import FakeDesignerServer
from tests.e2e.designer_page import model_xml
from tests.e2e.designer_page import open_designer
from tests.e2e.designer_page import panel_entry
from tests.e2e.designer_page import select_element
from tests.e2e.designer_page import wait_for_property

pytestmark = pytest.mark.e2e


@pytest.fixture
def designer(live_server: Any, page: Page) -> Callable[..., tuple[Page, FakeDesignerServer]]:
    def open_page(**options: Any) -> tuple[Page, FakeDesignerServer]:
        return page, open_designer(live_server, page, **options)

    return open_page


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


def test_timer_preview_and_diff_of_a_changed_task(designer) -> None:
    page, _ = designer()
    firings = page.evaluate(
        """() => BranchFlowDesigner.nextFirings('timeCycle', '"R2/2026-12-01T09:00:00+08:00/P1D"')
             .map((d) => d.toISOString())"""
    )
    assert firings == ["2026-12-01T01:00:00.000Z", "2026-12-02T01:00:00.000Z"]
    assert page.evaluate("() => BranchFlowDesigner.nextFirings('timeDate', 'meeting_on')") is None

    page.evaluate(DRAW)
    select_element(page, "report")
    panel_entry(page, "bf-dueIn").fill("P5D")
    wait_for_property(page, "report", "dueIn", "P5D")
    new_xml = model_xml(page)
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
    expect(page.locator(".bf-diff-pane h3")).to_have_text(["修改前", "修改后"])


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
    select_element(page, "wait")
    preview = page.locator(".bf-timer-preview")
    panel_entry(page, "bf-timer-kind").select_option("timeCycle")
    panel_entry(page, "bf-timer").fill('"R2/2026-12-01T09:00:00+08:00/P1D"')
    expect(preview).to_contain_text("下次触发")
    expect(preview).to_contain_text("2026/12/01")
    expect(preview).to_contain_text("09:00")  # Beijing time, as people read it
    panel_entry(page, "bf-timer").fill("meeting_on")
    expect(preview).to_have_text("在实例运行时计算。")
    xml = model_xml(page)
    assert "<bpmn:timeCycle" in xml
    assert "meeting_on</bpmn:timeCycle>" in xml

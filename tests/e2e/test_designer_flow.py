"""Issue 14's "Done when", in a real browser with the demo data: the demo designer opens
支部委员会会议, makes a draft, adds the secretary's report to the unit after archiving (a new form
made through the JSON editor, due 3 working days after the meeting), saves it and sees the checks
pass, dry-runs it at HH01-01, requests publication; the organisation department approves; the
designer moves the running meetings that can; the branch secretary then meets the new step in
the inbox for a migrated meeting. The engine is driven through the commands where the browser adds
nothing (the meeting's earlier steps)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from lxml import etree
from playwright.sync_api import Page
from playwright.sync_api import expect
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.engine.xml import parse_model_xml
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow.deploy import deploy_definitions
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.e2e.designer_page import NS
from tests.e2e.designer_page import panel_entry
from tests.e2e.designer_page import select_element
from tests.e2e.designer_page import wait_for_property
from tests.plugins.demo import Demo
from tests.plugins.demo import complete_step
from tests.workflow.test_migration import ARCHIVED
from tests.workflow.test_migration import _meeting

pytestmark = pytest.mark.e2e

DESIGNER = "lixiaoxin"  # 流程设计员, the company
APPROVER = "zhaowenlei"  # 公司党委组织部
SECRETARY = "chenjinpeng"  # 支部书记, HH01-01
BRANCH = "HH01-01"
COMMITTEE_FILE = "meetings/branch_committee_meeting.bpmn"
FORM_KEY = "bcm_report_to_unit"
REPORT_FORM = {
    "title": "向上级党组织报告",
    "x-title-en": "Report to the higher party organisation",
    "schema": {
        "type": "object",
        "properties": {
            "report": {
                "type": "string",
                "title": "报告内容",
                "x-title-en": "Report",
                "x-widget": "textarea",
            },
        },
        "required": ["report"],
    },
}

#: The step drawn with the modeling API: in the secretary's lane, between archive and follow-up.
ADD_STEP = """() => {
  const modeler = document.querySelector('[data-branchflow-modeler]').branchflow.modeler;
  const modeling = modeler.get('modeling');
  const registry = modeler.get('elementRegistry');
  const shape = modeler.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  const task = modeling.createShape(shape, { x: 760, y: 155 }, registry.get('pool_bcm'));
  modeling.updateProperties(task, { id: 'report_to_unit', name: '向上级党组织报告' });
  modeling.removeElements([registry.get('flow_archived')]);
  modeling.connect(registry.get('archive'), task);
  modeling.connect(task, registry.get('follow_up'));
}"""


@pytest.fixture
def shipped_meeting_afterwards(live_server) -> Iterator[None]:
    """The live server is shared: once the test is done, the committee meeting is deployed again
    as processes/ ships it, so that later tests start their meetings without the added step."""
    yield
    with live_server.app.app_context():
        data = (ROOT / "processes" / COMMITTEE_FILE).read_bytes()
        run(deploy_definitions, actor=SYSTEM, sources={COMMITTEE_FILE: data})


def _meeting_at_archive(live_server) -> int:
    """A committee meeting of the demo branch waiting for its minutes to be archived."""
    with live_server.app.app_context():
        branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == BRANCH)).one()
        instance_id = _meeting(Demo(branch, []), ("set_agenda", "hold_meeting", "decide"))
        db.session.rollback()
        return instance_id


def _draw_and_fill(page: Page) -> None:
    page.wait_for_function(
        "() => document.querySelector('[data-branchflow-modeler]').branchflow !== undefined"
    )
    page.evaluate(ADD_STEP)
    select_element(page, "report_to_unit")
    panel_entry(page, "bf-formKey").select_option(FORM_KEY)
    wait_for_property(page, "report_to_unit", "formKey", FORM_KEY)
    # one entry at a time: each write re-renders the panel
    for name, value in (("dueIn", "P3D"), ("dueFrom", "meeting_at")):
        panel_entry(page, f"bf-{name}").fill(value)
        wait_for_property(page, "report_to_unit", name, value)
    panel_entry(page, "bf-dueCalendar").select_option("working")
    wait_for_property(page, "report_to_unit", "dueCalendar", "working")


def _new_form(page: Page) -> None:
    form = page.locator("#new-form")
    form.locator("input[name=key]").fill(FORM_KEY)
    form.locator("input[name=title]").fill("向上级党组织报告")
    form.locator("input[name=title_en]").fill("Report to the higher party organisation")
    with page.expect_navigation():
        form.get_by_role("button", name="添加表单").click()
    page.locator("textarea[name=form_json]").fill(json.dumps(REPORT_FORM, ensure_ascii=False))
    with page.expect_navigation():
        page.get_by_role("button", name="保存表单").click()
    expect(page.locator("body")).to_contain_text("表单已保存在草稿中")


def _secretary_lane_holds_the_step(page: Page, draft_path: str) -> None:
    xml = page.request.get(f"{draft_path}/model.xml").text()
    root = parse_model_xml(xml.encode())
    (lane,) = root.xpath("//bpmn:lane[@id='lane_secretary']", namespaces=NS)
    assert "report_to_unit" in lane.xpath("bpmn:flowNodeRef/text()", namespaces=NS)
    (task,) = root.xpath("//bpmn:userTask[@id='report_to_unit']", namespaces=NS)
    properties = {
        p.get("name"): p.get("value")
        for p in task.iter(etree.QName(NS["spiffworkflow"], "property").text)
    }
    assert properties == {
        "formKey": FORM_KEY,
        "dueIn": "P3D",
        "dueFrom": "meeting_at",
        "dueCalendar": "working",
    }


def test_the_designer_adds_a_step_publishes_it_and_the_secretary_meets_it(
    live_server, new_page, login, shipped_meeting_afterwards
):
    waiting = _meeting_at_archive(live_server)
    designer = login(new_page(), DESIGNER)
    designer.goto("/designer/")
    with designer.expect_navigation():
        designer.get_by_role("link", name=COMMITTEE_FILE).first.click()
    with designer.expect_navigation():
        designer.get_by_role("button", name="编辑").click()
    draft_path = designer.url.removeprefix(live_server.url)
    _new_form(designer)
    designer.goto(draft_path)
    _draw_and_fill(designer)
    designer.get_by_role("button", name="保存草稿").click()
    expect(designer.locator("[data-bf-status]")).to_have_text("已保存。")
    _secretary_lane_holds_the_step(designer, draft_path)
    designer.goto(draft_path)
    expect(designer.locator("#draft-problems-none")).to_have_text("检查未发现问题。")
    expect(designer.locator("#draft-form-list")).to_contain_text("在此草稿中修改")

    with designer.expect_navigation():
        designer.get_by_role("link", name="在支部试运行").click()
    designer.locator("input[name=org]").fill(BRANCH)
    with designer.expect_navigation():
        designer.get_by_role("button", name="运行").click()
    report = designer.locator("#try-report")
    expect(report).to_contain_text("未保存任何数据")
    step = designer.locator('#try-steps tr[data-element="report_to_unit"]')
    with live_server.app.app_context():
        user = db.session.scalars(select(User).where(User.login == SECRETARY)).one()
        secretary_name = user.person.name
        db.session.rollback()
    expect(step).to_contain_text(secretary_name)  # who gets the report, by name
    expect(step).to_contain_text("支部书记")

    designer.goto(draft_path)
    designer.locator("#publish-form textarea[name=change_note]").fill("会后三个工作日内向上级报告")
    with designer.expect_navigation():
        designer.get_by_role("button", name="申请发布").click()
    request_path = designer.url.removeprefix(live_server.url)
    expect(designer.locator("#request-status")).to_have_text("待审批")

    approver = login(new_page(), APPROVER)
    approver.goto(request_path)
    added = approver.locator(".bf-diff-added[data-element-id='report_to_unit']")
    expect(added.first).to_be_visible()  # the coloured diff, above the summary
    with approver.expect_navigation():
        approver.get_by_role("button", name="批准并发布").click()
    expect(approver.locator("#request-status")).to_have_text("已发布")
    expect(approver.locator("#request-versions")).to_contain_text("branch_committee_meeting v")

    designer.goto(request_path)
    with designer.expect_navigation():
        designer.locator("#request-migrations a").first.click()
    expect(designer.locator(f'tr[data-instance="{waiting}"] .verdict')).to_have_text("可迁移")
    designer.locator("#migrate-form input[name=confirm]").check()
    with designer.expect_navigation():
        designer.get_by_role("button", name="迁移可迁移的实例").click()
    expect(designer.locator(f'tr[data-instance="{waiting}"] .verdict')).to_have_text("已迁移")

    with live_server.app.app_context():
        branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == BRANCH)).one()
        assert db.session.get(ProcessInstance, waiting).status.value == "running"
        complete_step(Demo(branch, []).holder("org_member"), waiting, "archive", ARCHIVED)
        db.session.rollback()
    secretary = login(new_page(), SECRETARY)
    secretary.goto("/inbox/?view=claimable")
    expect(secretary.get_by_role("link", name="向上级党组织报告").first).to_be_visible()

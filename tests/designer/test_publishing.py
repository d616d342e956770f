"""A draft from its save to a running version: problems keep it from publishing, the department
approves (or the designer publishes alone when so configured), the audit trail records both hashes,
and the new version is what new instances start from."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import run
from app.designer.models import ModelDraft
from app.designer.models import PublishRequest
from app.extensions import db
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.designer.helpers import COMMITTEE_FILE
from tests.designer.helpers import COMPANY_AUDITOR
from tests.designer.helpers import company_holder
from tests.designer.helpers import draft_id_of
from tests.designer.helpers import post


def _committee_draft(client) -> tuple[int, str]:
    response = post(client, f"/designer/models/{COMMITTEE_FILE}/edit")
    draft_id = draft_id_of(response)
    return draft_id, client.get(f"/designer/drafts/{draft_id}/model.xml").get_data(as_text=True)


def _versions(key: str) -> list[int]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(ProcessDefinition.version).where(ProcessDefinition.process_key == key)
        )
    )


def test_a_draft_saves_with_problems_but_cannot_be_published(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    draft_id, xml = _committee_draft(client)
    broken = xml.replace('name="branch_secretary"', 'name="no_such_role"', 1)
    token_page = client.get(f"/designer/drafts/{draft_id}").get_data(as_text=True)
    assert "检查未发现问题" in token_page
    answer = client.post(
        f"/designer/drafts/{draft_id}/save.json",
        json={"xml": broken},
        headers={"X-CSRFToken": _token(token_page)},
    ).get_json()
    assert answer["ok"] is True
    lanes = [p for p in answer["problems"] if "no_such_role" in p["message"]]
    assert lanes
    assert lanes[0]["element_id"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lanes[0]["message"])  # in Chinese
    response = post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "试试"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请修正后再发布" in page
    db.session.rollback()
    assert db.session.scalars(select(PublishRequest)).all() == []
    assert _versions("branch_committee_meeting") == [1]


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_publishing_waits_for_the_department_and_the_new_version_runs(demo, client, login, app):
    designer = company_holder("process_designer")
    login(designer, app.config["DEMO_PASSWORD"])
    draft_id, xml = _committee_draft(client)
    assert 'name="确定议题并通知委员"' in xml
    changed = xml.replace('name="确定议题并通知委员"', 'name="确定会议议题并通知委员"', 1)
    post(client, f"/designer/drafts/{draft_id}/save", {"xml": changed})
    response = post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "议题步骤改名"})
    request_path = response.headers["Location"]
    page = client.get(request_path).get_data(as_text=True)
    assert "待审批" in page
    assert "确定会议议题并通知委员" in page  # the changed name, listed in the summary
    assert _versions("branch_committee_meeting") == [1]  # nothing deployed before approval
    post(client, "/auth/logout")
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    post(client, f"{request_path}/approve", {"note": "同意"})
    assert "branch_committee_meeting v2" in client.get(request_path).get_data(as_text=True)
    assert sorted(_versions("branch_committee_meeting")) == [1, 2]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "model_published")
    ).one()
    payload = json.loads(event.payload)
    (version,) = payload["versions"]
    assert version["old_hash"] != version["new_hash"]
    assert payload["old_file_hash"] != payload["new_file_hash"]
    assert payload["requested_by"] == designer
    post(client, "/auth/logout")
    login(COMPANY_AUDITOR, app.config["DEMO_PASSWORD"])
    assert "从设计工作台发布模型" in client.get("/audit/events").get_data(as_text=True)
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    definition = db.session.get(
        ProcessDefinition, db.session.get(ProcessInstance, instance_id).definition_id
    )
    assert definition.version == 2
    names = db.session.scalars(select(HumanTask.title).where(HumanTask.instance_id == instance_id))
    assert "确定会议议题并通知委员" in list(names)


def test_without_approval_a_designer_publishes_a_new_model_at_once(demo, client, login, app):
    app.config["DESIGNER_PUBLISH_APPROVAL"] = False
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    response = post(
        client,
        "/designer/new/template",
        {"key": "branch_report", "name": "支部情况报告", "group": "meetings"},
    )
    draft_id = draft_id_of(response)
    response = post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "新流程"})
    assert "已发布" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _versions("branch_report") == [1]
    assert db.session.get(ModelDraft, draft_id).status == "published"
    instance_id = run(
        commands.start_instance,
        actor=demo.holder("branch_secretary"),
        process_key="branch_report",
        org_code=demo.branch.code,
    )
    titles = db.session.scalars(select(HumanTask.title).where(HumanTask.instance_id == instance_id))
    assert list(titles) == ["办理"]


def test_export_holds_the_files_processes_and_forms_hold(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    definition_id = db.session.scalar(
        select(ProcessDefinition.id).where(
            ProcessDefinition.process_key == "branch_committee_meeting"
        )
    )
    response = client.get(f"/designer/versions/{definition_id}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert f"processes/{COMMITTEE_FILE}" in names
    assert "forms/bcm_decide.json" in names
    shipped = (app.config["PROCESSES_DIR"] / COMMITTEE_FILE).read_bytes()
    assert archive.read(f"processes/{COMMITTEE_FILE}") == shipped
    assert (
        archive.read("forms/bcm_decide.json")
        == (app.config["FORMS_DIR"] / "bcm_decide.json").read_bytes()
    )
    draft_id, _ = _committee_draft(client)
    drafted = zipfile.ZipFile(
        io.BytesIO(client.get(f"/designer/drafts/{draft_id}/export.zip").data)
    )
    assert f"processes/{COMMITTEE_FILE}" in drafted.namelist()
    assert "forms/bcm_decide.json" in drafted.namelist()


def test_the_department_rejects_with_a_reason_and_the_draft_reopens(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    draft_id, xml = _committee_draft(client)
    post(
        client,
        f"/designer/drafts/{draft_id}/save",
        {"xml": xml.replace("召开会议", "召开委员会", 1)},
    )
    response = post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "改名"})
    request_path = response.headers["Location"]
    post(client, "/auth/logout")
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    post(client, f"{request_path}/reject", {"note": ""})
    assert "请说明退回的理由" in client.get(request_path).get_data(as_text=True)
    post(client, f"{request_path}/reject", {"note": "名称不规范"})
    page = client.get(request_path).get_data(as_text=True)
    assert "已退回" in page
    assert "名称不规范" in page
    db.session.rollback()
    assert db.session.get(ModelDraft, draft_id).status == "open"
    assert _versions("branch_committee_meeting") == [1]

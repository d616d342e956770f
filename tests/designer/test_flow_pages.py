"""The designer's flow after drawing (issue 14): a draft carries its own forms (new, or copied
from the published ones), which its checks, dry run, publication and export use; the dry run
page walks a draft at a branch in the designer's scope and keeps nothing; the migration page
moves the running meetings that can move, as the designer, each audited."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import run
from app.designer.models import DraftForm
from app.designer.policy import tries_at
from app.extensions import db
from app.identity.kinds import OrgKind
from app.identity.models import User
from app.identity.policy import Scope
from app.identity.queries.roles import Holding
from app.workflow.deploy import deploy_definitions
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.designer.helpers import COMMITTEE_FILE
from tests.designer.helpers import company_holder
from tests.designer.helpers import draft_id_of
from tests.designer.helpers import post
from tests.workflow.committee_versions import COMMITTEE
from tests.workflow.committee_versions import second_version
from tests.workflow.committee_versions import with_report_step
from tests.workflow.test_migration import _meeting

NEW_FORM = "bcm_report_to_unit"
REPORT_FORM = {
    "title": "向上级党组织报告",
    "x-title-en": "Report to the unit",
    "schema": {
        "type": "object",
        "properties": {
            "report": {"type": "string", "title": "报告内容", "x-title-en": "Report"},
        },
        "required": ["report"],
    },
}


def _draft_with_new_form(client) -> int:
    draft_id = draft_id_of(post(client, f"/designer/models/{COMMITTEE_FILE}/edit"))
    response = post(
        client,
        f"/designer/drafts/{draft_id}/forms/new",
        {"key": NEW_FORM, "title": "向上级党组织报告", "title_en": "Report to the unit"},
    )
    assert response.headers["Location"].endswith(f"/forms/{NEW_FORM}")
    return draft_id


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _save_form(client, draft_id: int, form: dict):
    path = f"/designer/drafts/{draft_id}/forms/{NEW_FORM}"
    return client.post(
        f"{path}/save.json", json={"form": form}, headers={"X-CSRFToken": _token(client, path)}
    )


def test_a_draft_form_is_checked_by_path_and_saved_in_the_draft_only(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    draft_id = _draft_with_new_form(client)
    untranslated = {k: v for k, v in REPORT_FORM.items() if k != "x-title-en"}
    refused = _save_form(client, draft_id, untranslated)
    assert refused.status_code == 422
    assert {p["path"] for p in refused.get_json()["problems"]} == {"title"}
    assert _save_form(client, draft_id, {"schema": {"required": ["x"]}}).status_code == 422
    assert _save_form(client, draft_id, REPORT_FORM).get_json() == {"ok": True, "problems": []}
    db.session.rollback()
    stored = db.session.scalars(select(DraftForm).where(DraftForm.form_key == NEW_FORM)).one()
    assert json.loads(stored.json_text)["x-title-en"] == "Report to the unit"
    assert not (ROOT / "forms" / f"{NEW_FORM}.json").exists()
    # copy-on-write: editing a shipped form copies it into the draft, forms/ stays as it was
    shipped = (ROOT / "forms" / "bcm_archive.json").read_bytes()
    response = post(client, f"/designer/drafts/{draft_id}/forms/bcm_archive/edit")
    assert response.headers["Location"].endswith("/forms/bcm_archive")
    page = client.get(f"/designer/drafts/{draft_id}").get_data(as_text=True)
    assert "在此草稿中修改" in page
    assert (ROOT / "forms" / "bcm_archive.json").read_bytes() == shipped


def test_a_draft_with_its_new_form_checks_exports_and_publishes_with_it(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    draft_id = _draft_with_new_form(client)
    _save_form(client, draft_id, REPORT_FORM)
    post(client, f"/designer/drafts/{draft_id}/forms/bcm_archive/edit")
    archive_form = json.loads((ROOT / "forms" / "bcm_archive.json").read_bytes())
    archive_form["x-title-en"] = "Sign and file the minutes (changed)"
    path = f"/designer/drafts/{draft_id}/forms/bcm_archive"
    answer = client.post(
        f"{path}/save.json",
        json={"form": archive_form},
        headers={"X-CSRFToken": _token(client, path)},
    )
    assert answer.get_json()["ok"] is True
    xml = with_report_step(NEW_FORM).decode()
    post(client, f"/designer/drafts/{draft_id}/save", {"xml": xml})
    assert "检查未发现问题" in client.get(f"/designer/drafts/{draft_id}").get_data(as_text=True)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(f"/designer/drafts/{draft_id}/export.zip").data)
    )
    assert f"forms/{NEW_FORM}.json" in archive.namelist()
    assert json.loads(archive.read(f"forms/{NEW_FORM}.json"))["title"] == "向上级党组织报告"
    response = post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "增加报告"})
    request_path = response.headers["Location"]
    page = client.get(request_path).get_data(as_text=True)
    assert NEW_FORM in page  # among the forms added
    assert "data-branchflow-diff" in page
    assert 'id="report_to_unit"' in client.get(f"{request_path}/new.xml").get_data(as_text=True)
    assert 'id="report_to_unit"' not in client.get(f"{request_path}/old.xml").get_data(as_text=True)
    post(client, "/auth/logout")
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    post(client, f"{request_path}/approve")
    db.session.rollback()
    newest = db.session.scalars(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key == "branch_committee_meeting")
        .order_by(ProcessDefinition.version.desc())
    ).first()
    assert newest.version == 2
    assert NEW_FORM in json.loads(newest.forms_json)
    # the next draft of the model is checked with the form its published version holds
    post(client, "/auth/logout")
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    next_draft = draft_id_of(post(client, f"/designer/models/{COMMITTEE_FILE}/edit"))
    page = client.get(f"/designer/drafts/{next_draft}").get_data(as_text=True)
    assert "检查未发现问题" in page
    assert page.count("随流程发布") == 2  # the new form and the changed one, as published
    changed = client.get(f"/designer/drafts/{next_draft}/forms/bcm_archive.json").get_json()
    assert changed["x-title-en"] == "Sign and file the minutes (changed)"


def _row_counts() -> dict[str, int]:
    db.session.rollback()
    return {
        t.__name__: db.session.scalar(select(func.count()).select_from(t))
        for t in (ProcessDefinition, ProcessInstance, HumanTask, AuditEvent)
    }


def test_the_dry_run_page_walks_the_draft_at_a_branch_and_keeps_nothing(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    draft_id = _draft_with_new_form(client)
    _save_form(client, draft_id, REPORT_FORM)
    post(client, f"/designer/drafts/{draft_id}/save", {"xml": with_report_step(NEW_FORM).decode()})
    before = _row_counts()
    path = f"/designer/drafts/{draft_id}/try"
    response = post(client, path, {"org": demo.branch.code, "on": "2026-11-25", "sample": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'data-element="report_to_unit"' in page
    assert "排他网关" in page  # the committee's decision, in Chinese
    secretary = db.session.get(User, demo.holder("branch_secretary").user_id)
    assert secretary.person.name in page  # who would get the report, by name
    assert "未保存任何数据" in page
    assert _row_counts() == before
    unknown = post(client, path, {"org": "ZZ99", "on": "2026-11-25", "sample": ""})
    assert unknown.status_code == 422
    bad_sample = post(client, path, {"org": demo.branch.code, "on": "2026-11-25", "sample": "[1]"})
    assert bad_sample.status_code == 422
    post(client, "/auth/logout")
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    assert client.get(path).status_code == 404
    assert post(client, path, {"org": demo.branch.code, "on": "2026-11-25"}).status_code == 404


def _holding(role: str, path: str) -> Holding:
    return Holding(1, role, 1, "X", "X", OrgKind.UNIT, path)


def test_a_dry_run_is_allowed_only_within_the_designers_scope():
    scope = Scope(user_id=1, holdings=(_holding("process_designer", "/1/4/"),))
    assert tries_at(scope, "/1/4/17/")
    assert not tries_at(scope, "/1/5/20/")
    clerk = Scope(user_id=1, holdings=(_holding("branch_secretary", "/1/"),))
    assert not tries_at(clerk, "/1/4/17/")


def test_the_designer_migrates_the_meetings_that_can_move(demo, client, login, app):
    at_archive = _meeting(demo, ("set_agenda", "hold_meeting", "decide"))
    at_agenda = _meeting(demo, ())
    designer = company_holder("process_designer")
    login(designer, app.config["DEMO_PASSWORD"])
    app.config["DESIGNER_PUBLISH_APPROVAL"] = False
    draft_id = _draft_with_new_form(client)
    _save_form(client, draft_id, REPORT_FORM)
    post(client, f"/designer/drafts/{draft_id}/save", {"xml": with_report_step(NEW_FORM).decode()})
    post(client, f"/designer/drafts/{draft_id}/publish", {"change_note": "增加报告"})
    path = "/designer/processes/branch_committee_meeting/migration"
    page = client.get(path).get_data(as_text=True)
    assert f'data-instance="{at_archive}"' in page
    assert f'data-instance="{at_agenda}"' in page
    assert "可迁移" in page
    refused = post(client, path, {})  # no confirmation: nothing moves
    assert refused.status_code == 302
    response = post(client, path, {"confirm": "yes"})
    assert response.status_code == 200
    db.session.rollback()
    for instance_id in (at_archive, at_agenda):
        row = db.session.get(ProcessInstance, instance_id)
        assert db.session.get(ProcessDefinition, row.definition_id).version == 2
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "process_instance_migrated")
    ).all()
    assert len(events) == 2
    assert {e.actor_login for e in events} == {designer}
    post(client, "/auth/logout")
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    assert client.get(path).status_code == 404
    assert post(client, path, {"confirm": "yes"}).status_code == 404


def test_a_meeting_whose_step_was_dropped_stays_with_the_reason(demo, client, login, app):
    at_archive = _meeting(demo, ("set_agenda", "hold_meeting", "decide"))
    run(deploy_definitions, actor=SYSTEM, sources={COMMITTEE.name: second_version()})
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    path = "/designer/processes/branch_committee_meeting/migration"
    page = client.get(path).get_data(as_text=True)
    row = page.split(f'data-instance="{at_archive}"')[1].split("</tr>")[0]
    assert "保留" in row
    assert "archive" in row
    response = post(client, path, {"confirm": "yes"})
    assert "已迁移 0 个实例，保留 1 个" in response.get_data(as_text=True)


def test_a_published_version_dry_runs_at_a_branch(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    definition_id = db.session.scalar(
        select(ProcessDefinition.id).where(
            ProcessDefinition.process_key == "branch_committee_meeting"
        )
    )
    path = f"/designer/versions/{definition_id}/try"
    assert client.get(path).status_code == 200
    response = post(client, path, {"org": demo.branch.code, "on": "2026-11-25", "sample": ""})
    page = response.get_data(as_text=True)
    assert 'data-element="archive"' in page
    assert "流程结束" in page

"""Who reaches the designer workspace: designers and the organisation department, nobody else."""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy import select

from app.designer.models import ModelDraft
from app.extensions import db
from tests.designer.helpers import COMMITTEE_FILE
from tests.designer.helpers import COMPANY_AUDITOR
from tests.designer.helpers import company_holder
from tests.designer.helpers import post


def _designer_paths(app) -> list[tuple[str, str]]:
    values = {"file_name": COMMITTEE_FILE, "draft_id": 1, "request_id": 1, "definition_id": 1}
    values["key"] = "bcm_decide"
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("designer."):
            path = rule.build({a: values[a] for a in rule.arguments})[1]
            paths.extend((method, path) for method in ("GET", "POST") if method in rule.methods)
    return paths


def test_branch_staff_and_process_auditors_find_no_designer_page(demo, client, login, app):
    designer = company_holder("process_designer")
    login(designer, app.config["DEMO_PASSWORD"])
    post(client, f"/designer/models/{COMMITTEE_FILE}/edit")  # a draft exists to be refused
    post(client, "/auth/logout")
    paths = _designer_paths(app)
    assert len(paths) >= 19
    for person in (demo.holder("branch_secretary").login, COMPANY_AUDITOR):
        post(client, "/auth/logout")
        login(person, app.config["DEMO_PASSWORD"])
        assert "/designer/" not in client.get("/").get_data(as_text=True)
        for method, path in paths:
            response = client.get(path) if method == "GET" else post(client, path)
            assert response.status_code == 404, (person, method, path, response.status_code)
    db.session.rollback()  # read afresh: the commands committed in their own sessions
    assert db.session.scalar(select(func.count()).select_from(ModelDraft)) == 1


def test_designers_and_the_department_enter_and_only_designers_edit(demo, client, login, app):
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    page = client.get("/designer/").get_data(as_text=True)
    assert "流程设计" in page
    assert COMMITTEE_FILE in page
    assert post(client, f"/designer/models/{COMMITTEE_FILE}/edit").status_code == 403
    post(client, "/auth/logout")
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    assert 'href="/designer/"' in client.get("/").get_data(as_text=True)
    page = client.get(f"/designer/models/{COMMITTEE_FILE}").get_data(as_text=True)
    assert "支部委员会会议" in page
    assert "v1" in page
    assert post(client, f"/designer/models/{COMMITTEE_FILE}/edit").status_code == 302


def test_the_catalogue_offers_roles_forms_and_typed_actions(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    catalogue = client.get("/designer/catalog.json").get_json()
    roles = {r["code"]: r["name"] for r in catalogue["roles"]}
    assert roles["process_designer"] == "流程设计员"
    assert roles["branch_secretary"] == "支部书记"
    forms = {f["key"]: f for f in catalogue["forms"]}
    assert forms["bcm_decide"]["title"]
    assert client.get(forms["bcm_decide"]["url"]).status_code == 200
    actions = {a["name"]: a for a in catalogue["actions"]}
    level = actions["record_grading_level"]
    assert level["title"]
    assert {"name", "type", "title", "required"} <= set(level["params"][0])


def test_every_model_page_opens_for_the_department(demo, client, login, app):
    login(company_holder("company_org_dept"), app.config["DEMO_PASSWORD"])
    index = client.get("/designer/").get_data(as_text=True)
    files = sorted(set(re.findall(r'href="/designer/models/([^"]+)"', index)))
    assert "grading/level_score_band.dmn" in files
    assert COMMITTEE_FILE in files
    for file_name in files:
        page = client.get(f"/designer/models/{file_name}")
        assert page.status_code == 200, file_name
        assert "已发布版本" in page.get_data(as_text=True)

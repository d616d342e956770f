"""The form editor's server side: the preview renders a posted form with the task page's macros,
refuses a broken definition naming the place, returns the validator's errors for sample input, and
writes nothing; only designers may use it."""

from __future__ import annotations

import copy
import json

from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.designer.models import ModelDraft
from app.extensions import db
from app.formdefs.registry import load_registry
from tests.designer.helpers import COMPANY_AUDITOR
from tests.designer.helpers import company_holder

MEETING_FORM = {
    "title": "会议记录",
    "x-title-en": "Meeting record",
    "schema": {
        "type": "object",
        "properties": {
            "held": {"type": "boolean", "title": "已召开", "x-title-en": "Held"},
            "minutes": {
                "type": "string",
                "title": "会议记录",
                "x-title-en": "Minutes",
                "maxLength": 20,
            },
            "count": {"type": "integer", "title": "人数", "x-title-en": "Head count", "minimum": 1},
            "secretary": {
                "x-type": "person",
                "title": "记录人",
                "x-title-en": "Recorder",
                "x-people": "committee",
            },
            "topic": {
                "type": "string",
                "enum": ["a", "b"],
                "title": "议题",
                "x-title-en": "Topic",
                "x-labels": {"a": "党建", "b": "业务"},
                "x-labels-en": {"a": "Party building", "b": "Business"},
            },
        },
        "required": ["minutes", "count"],
    },
    "ui": {
        "sections": [{"title": "记录", "x-title-en": "Record", "fields": ["held", "minutes"]}],
        "visibleWhen": {"minutes": {"field": "held", "equals": True}},
    },
}


def _signed_in(client, login, app, user: str) -> str:
    login(user, app.config["DEMO_PASSWORD"])
    page = client.get("/").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _preview(client, token: str, form, data=None):
    body = {"form": form} if data is None else {"form": form, "data": data}
    return client.post("/designer/forms/preview", json=body, headers={"X-CSRFToken": token})


def _rows() -> tuple[int, int]:
    db.session.rollback()
    drafts = db.session.scalar(select(func.count()).select_from(ModelDraft))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return drafts, events


def test_the_preview_renders_the_form_with_the_task_page_macros(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    answer = _preview(client, token, MEETING_FORM)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["problems"] == []
    html = body["html"]
    assert "会议记录" in html
    assert "<legend>记录</legend>" in html  # the section
    assert 'data-visible-field="held"' in html  # the visibility rule, as the task page writes it
    assert "党建" in html
    assert "张伟" in html  # the sample people in the person picker
    assert body["errors"] == {}


def test_a_broken_definition_is_refused_naming_the_place(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    broken = copy.deepcopy(MEETING_FORM)
    broken["schema"]["properties"]["topic"]["enum"] = []
    answer = _preview(client, token, broken)
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["html"] == ""
    assert [p["path"] for p in body["problems"]] == ["schema.properties.topic"]
    assert "option" in body["problems"][0]["message"]

    broken = copy.deepcopy(MEETING_FORM)
    broken["ui"]["visibleWhen"] = {"minutes": {"field": "nowhere", "equals": True}}
    problems = _preview(client, token, broken).get_json()["problems"]
    assert [p["path"] for p in problems] == ["ui.visibleWhen.minutes"]

    broken = copy.deepcopy(MEETING_FORM)
    broken["ui"]["sections"][0]["fields"].append("ghost")
    problems = _preview(client, token, broken).get_json()["problems"]
    assert [p["path"] for p in problems] == ["ui.sections"]

    assert _preview(client, token, ["not", "a", "form"]).status_code == 422


def test_chinese_without_english_is_a_problem_of_a_form_that_still_previews(
    demo, client, login, app
):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    form = copy.deepcopy(MEETING_FORM)
    del form["schema"]["properties"]["count"]["x-title-en"]
    del form["schema"]["properties"]["topic"]["x-labels-en"]["b"]
    answer = _preview(client, token, form)
    assert answer.status_code == 200
    paths = [p["path"] for p in answer.get_json()["problems"]]
    assert paths == ["schema.properties.count.title", "schema.properties.topic.x-labels.b"]
    assert "人数" in answer.get_json()["html"]
    check = client.post(
        "/designer/forms/check", json={"form": form}, headers={"X-CSRFToken": token}
    )
    assert check.status_code == 422
    assert check.get_json()["ok"] is False
    good = client.post(
        "/designer/forms/check", json={"form": MEETING_FORM}, headers={"X-CSRFToken": token}
    )
    assert good.get_json() == {"ok": True, "problems": []}


def test_sample_input_gets_the_validators_errors_in_the_preview(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    before = _rows()
    data = {"held": ["true"], "minutes": ["x" * 30], "count": ["0"], "topic": ["a"]}
    body = _preview(client, token, MEETING_FORM, data).get_json()
    assert body["errors"] == {"minutes": "不超过 20 个字符。", "count": "不能小于 1。"}
    assert "不超过 20 个字符。" in body["html"]  # beside the field, as the task page shows it
    assert 'value="0"' in body["html"]  # the input kept
    # the hidden minutes are neither required nor checked; text in a number is reported
    body = _preview(client, token, MEETING_FORM, {"count": ["abc"]}).get_json()
    assert set(body["errors"]) == {"count"}
    body = _preview(client, token, MEETING_FORM, {"count": ["3"], "secretary": ["2"]}).get_json()
    assert body["errors"] == {}
    assert _rows() == before  # nothing written, not even an audit event


def test_the_preview_is_in_english_for_an_english_reader(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    client.post("/language", data={"language": "en", "csrf_token": token})
    html = _preview(client, token, MEETING_FORM).get_json()["html"]
    assert "Head count" in html
    assert "Party building" in html


def test_only_designers_may_preview(demo, client, login, app):
    body = json.dumps({"form": MEETING_FORM})
    headers = {"Content-Type": "application/json"}
    token = _signed_in(client, login, app, demo.holder("branch_secretary").login)
    headers["X-CSRFToken"] = token
    assert client.post("/designer/forms/preview", data=body, headers=headers).status_code == 404
    assert client.post("/designer/forms/check", data=body, headers=headers).status_code == 404
    assert client.get("/designer/forms/bcm_decide/edit").status_code == 404
    client.post("/auth/logout", data={"csrf_token": token})
    headers["X-CSRFToken"] = _signed_in(client, login, app, COMPANY_AUDITOR)
    assert client.post("/designer/forms/preview", data=body, headers=headers).status_code == 404
    client.post("/auth/logout", data={"csrf_token": headers["X-CSRFToken"]})
    headers["X-CSRFToken"] = _signed_in(client, login, app, company_holder("company_org_dept"))
    assert client.post("/designer/forms/preview", data=body, headers=headers).status_code == 403


def test_without_the_csrf_token_nothing_is_answered(demo, client, login, app):
    _signed_in(client, login, app, company_holder("process_designer"))
    answer = client.post("/designer/forms/preview", json={"form": MEETING_FORM})
    assert answer.status_code == 400


def test_the_copy_editor_page_hosts_the_editor(demo, client, login, app):
    _signed_in(client, login, app, company_holder("process_designer"))
    page = client.get("/designer/forms/bcm_decide/edit").get_data(as_text=True)
    assert 'data-form-url="/designer/forms/bcm_decide.json"' in page
    assert 'data-preview-url="/designer/forms/preview"' in page
    assert "js/form-editor.js" in page
    assert client.get("/designer/forms/nothing_here/edit").status_code == 404


def test_every_shipped_form_previews_and_takes_empty_input(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    files = load_registry(app.config["FORMS_DIR"]).file_bytes()
    for key, data in files.items():
        form = json.loads(data)
        shown = _preview(client, token, form)
        assert shown.status_code == 200, key
        assert shown.get_json()["problems"] == [], key
        tried = _preview(client, token, form, {}).get_json()
        required = form["schema"].get("required", [])
        hidden = form.get("ui", {}).get("visibleWhen", {})
        # an upload cannot be tried here, an unticked box is an answer (false) unless it must
        # be confirmed, and so is an empty list where the form allows none (minItems 0)
        untried = {
            name
            for name, spec in form["schema"]["properties"].items()
            if spec.get("x-type") in ("file", "files", "photos")
            or (spec.get("type") == "boolean" and "const" not in spec)
            or spec.get("minItems") == 0
        }
        expected = {name for name in required if name not in hidden and name not in untried}
        assert expected <= set(tried["errors"]), key


def test_a_body_too_large_is_refused_unread(demo, client, login, app):
    token = _signed_in(client, login, app, company_holder("process_designer"))
    answer = client.post(
        "/designer/forms/preview",
        data=b'{"form": "' + b"x" * (2 * 512 * 1024) + b'"}',
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.get_json()["problems"][0]["message"] == "表单定义过大。"

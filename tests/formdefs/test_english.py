"""Forms in English: every shipped form renders without Chinese for an English reader (names of
people and organisations aside), Chinese readers see the forms as before, and the deployment
check refuses a form that shows Chinese without its English."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from flask import render_template_string
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.formdefs.english import untranslated
from app.formdefs.fields import FormInput
from app.formdefs.registry import form_def
from app.formdefs.validation import validation_errors
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.inbox.task_page import FormView
from app.workflow.deploy import check_sources
from app.workflow.form_options import Option
from app.workflow.form_options import with_data_options
from tests.conftest import ROOT
from tests.engine.models_kit import one_task
from tests.plugins.form_sink import FORMS as FIXTURE_FORMS

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SHIPPED = sorted((ROOT / "forms").glob("*.json"))
#: Names the pickers offer: people and organisations keep their Chinese names in English.
PEOPLE = ["张伟", "李娜"]
ORGS = ["长流水采油站党支部"]

FORM_PAGE = """{% from "_macros/form_fields.html" import form_field with context %}
<h2>{{ form.title }}</h2>{% if form.description %}<p>{{ form.description }}</p>{% endif %}
{% for section in form.sections %}
  {% if section.title %}<legend>{{ section.title }}</legend>{% endif %}
  {% for f in section.fields %}{{ form_field(f, view) }}{% endfor %}
{% endfor %}"""


def _pickers(form) -> dict[str, list[Option]]:
    people = [Option(i + 1, name, "") for i, name in enumerate(PEOPLE)]
    found = {}
    for f in form.fields:
        if f.kind in ("person", "persons", "attendance", "vote_tally") or any(
            c.kind == "person" for c in f.columns
        ):
            found[f.name] = people
        elif f.kind == "org":
            found[f.name] = [Option(9, ORGS[0], "HH01-01")]
        elif f.kind == "process_ref":
            found[f.name] = [Option(7, "#7 2026-Q4", "2026-11-20")]
    return found


def _data_options(form) -> dict[str, list[dict]]:
    """What a script lists for an ``x-optionsFrom`` field: a branch with its level, both ways."""
    entry = {
        "value": 9,
        "label": f"HH01-01 {ORGS[0]}（示范）",
        "label_en": f"HH01-01 {ORGS[0]} (model)",
    }
    return {f.options_from: [entry] for f in form.fields if f.options_from}


def _rendered(path, locale: str) -> str:
    form = form_def(path.read_bytes(), path.stem)
    form = with_data_options(form, _data_options(form)).in_language(locale)
    view = FormView(FormInput(), {}, _pickers(form), {}, locale)
    return render_template_string(FORM_PAGE, form=form, view=view)


def _without_recorded_names(html: str) -> str:
    """``html`` without the names of the people, users and organisations the database holds."""
    names = [
        *db.session.scalars(select(Person.name)),
        *db.session.scalars(select(User.display_name)),
        *db.session.scalars(select(OrgUnit.name)),
    ]
    for name in sorted(names, key=len, reverse=True):
        html = html.replace(str(escape(name)), "")
    return html


def _without_names(html: str) -> str:
    for name in PEOPLE + ORGS:
        html = html.replace(name, "")
    return html


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_form_shows_no_chinese_to_an_english_reader(app, path):
    with app.test_request_context(headers={"Cookie": "branchflow_lang=en"}):
        html = _rendered(path, "en")
    shown = sorted(set(CJK.findall(_without_names(html))))
    assert not shown, f"{path.name} shows Chinese in English: {''.join(shown)}"
    assert f"<h2>{escape(json.loads(path.read_text())['x-title-en'])}</h2>" in html


def test_no_shipped_form_lacks_english():
    assert len(SHIPPED) >= 70  # the forms of 三会一课, the grading cycle and what came after
    assert {p.name: untranslated(json.loads(p.read_text())) for p in SHIPPED} == {
        p.name: [] for p in SHIPPED
    }


def test_a_chinese_reader_sees_the_forms_as_written(app):
    decide = ROOT / "forms" / "bcm_decide.json"
    form = form_def(decide.read_bytes(), "bcm_decide")
    assert form.in_language("zh_CN") is form  # nothing is swapped
    with app.test_request_context():
        html = _rendered(decide, "zh_CN")
        meeting = _rendered(ROOT / "forms" / "bcm_hold_meeting.json", "zh_CN")
    for chinese in (
        "集体讨论作出决定",
        "研究结果",
        "作出决定（表决通过或无需表决）",
        "需要表决时填写",
    ):
        assert chinese in html
    for english in ("Decide collectively", "Outcome", "Decided (passed by vote"):
        assert english not in html
    assert "<legend>出席情况</legend>" in meeting


def test_an_english_reader_gets_the_english_of_each_text(app):
    with app.test_request_context(headers={"Cookie": "branchflow_lang=en"}):
        html = _rendered(ROOT / "forms" / "bcm_decide.json", "en")
        meeting = _rendered(ROOT / "forms" / "bcm_hold_meeting.json", "en")
    assert "<h2>Decide collectively</h2>" in html
    assert ">Decided (passed by vote, or no vote needed)</option>" in html
    assert "the committee members entitled and present are taken from the meeting" in html
    assert "<legend>Attendance</legend>" in meeting


def test_the_task_page_and_its_errors_speak_english(client, login, sink):
    login("sec1")
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{sink.task_id}").get_data(as_text=True)
    start = page.index('<section class="card">\n    <h2>')
    form = page[start : page.index("</form>", start)]
    assert "<h2>Every field kind</h2>" in form
    assert "<legend>Basics</legend>" in form
    assert ">Class B</option>" in form
    assert not CJK.findall(_without_recorded_names(form))  # names of people and organisations
    refused = client.post(
        f"/inbox/tasks/{sink.task_id}/complete",
        data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)},
    ).get_data(as_text=True)
    assert "This field is required." in refused
    start = refused.index('<section class="card">\n    <h2>')
    assert not CJK.findall(
        _without_recorded_names(refused[start : refused.index("</form>", start)])
    )


def test_gaps_are_found_by_their_place_in_the_file():
    form = {
        "title": "召开会议",
        "x-title-en": "Hold the meeting",
        "schema": {
            "properties": {
                "kind": {
                    "title": "类型",
                    "x-title-en": "Kind",
                    "enum": ["a", "b"],
                    "x-labels": {"a": "甲", "b": "乙"},
                    "x-labels-en": {"a": "A"},
                    "pattern": "^(上|下)半年$",  # never shown: needs no English
                },
                "note": {"title": "说明", "x-title-en": "说明", "placeholder": "请填写"},
            }
        },
        "ui": {"sections": [{"title": "基本信息", "fields": ["kind", "note"]}]},
    }
    assert untranslated(form) == [
        "schema.properties.kind.x-labels.b",
        "schema.properties.note.title",
        "schema.properties.note.x-title-en",
        "schema.properties.note.placeholder",
        "ui.sections[0].title",
    ]


def test_the_deployment_check_names_a_form_without_english(app, tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(FIXTURE_FORMS, forms)
    (forms / "chinese_only.json").write_text(
        json.dumps(
            {
                "title": "只有中文",
                "schema": {"properties": {"ok": {"type": "boolean", "title": "同意"}}},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    app.config["FORMS_DIR"] = forms
    result = check_sources({"p.bpmn": one_task("p", form="chinese_only")})
    (problem,) = [p for p in result.problems if p.file == "forms/chinese_only.json"]
    assert not result.deployable
    assert problem.category == "convention"
    assert "title, schema.properties.ok.title" in problem.message_en
    assert "缺少对应的英文" in problem.message_zh
    assert not [p for p in result.problems if "chinese_only" in p.message_en and p is not problem]


def test_the_half_year_supervised_can_be_typed_in_either_language(app):
    supervise = ROOT / "forms" / "ss_supervise.json"
    schema = form_def(supervise.read_bytes(), "ss_supervise").schema
    with app.test_request_context():
        for typed, accepted in (("2026 H1", True), ("2026 下半年", True), ("2026 H3", False)):
            assert ("half_year" not in validation_errors(schema, {"half_year": typed})) is accepted

"""The form registry: every file under forms/ read once at start-up; a broken one stops start-up with
a message naming the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import create_app
from app.formdefs.registry import FormFileError
from app.formdefs.registry import load_registry
from tests.conftest import make_settings

FORMS = Path(__file__).parent / "forms"
REPOSITORY_FORMS = Path(__file__).resolve().parents[2] / "forms"


def _form(properties: dict, **extra) -> dict:
    return {"title": "t", "schema": {"type": "object", "properties": properties}, **extra}


BROKEN = {
    "not JSON": ("{", "not valid JSON"),
    "notice period on a text": (
        _form({"a": {"type": "string", "x-noticeAtLeast": "P1D"}}),
        "x-noticeAtLeast is an ISO duration on a date-time field",
    ),
    "notice period not a duration": (
        _form({"a": {"type": "string", "format": "date-time", "x-noticeAtLeast": "1 day"}}),
        "x-noticeAtLeast: '1 day' is not an ISO 8601 duration",
    ),
    "notice period backwards": (
        _form({"a": {"type": "string", "format": "date-time", "x-noticeAtLeast": "-P1D"}}),
        "x-noticeAtLeast counts weeks, days, hours or minutes ahead",
    ),
    "unknown kind": (_form({"a": {"x-type": "hologram"}}), "unknown x-type 'hologram'"),
    "roster rule unknown": (
        _form({"a": {"x-type": "attendance", "x-people": "everyone"}}),
        "x-people is one of",
    ),
    "roster rule on a text": (
        _form({"a": {"type": "string", "x-people": "committee"}}),
        "x-people is one of",
    ),
    "group rule without its group": (
        _form({"a": {"x-type": "persons", "x-people": "group"}}),
        "x-people 'group' needs x-groupFrom",
    ),
    "tally counts from attendance on a text": (
        _form({"a": {"type": "string", "x-attendanceFrom": "attendance"}}),
        "x-attendanceFrom belongs on a vote tally",
    ),
    "layout names a missing field": (
        _form({"a": {"type": "string"}}, ui={"order": ["b"]}),
        "layout names unknown field 'b'",
    ),
    "field placed twice": (
        _form(
            {"a": {"type": "string"}},
            ui={"sections": [{"fields": ["a"]}, {"fields": ["a"]}]},
        ),
        "field 'a' is placed twice",
    ),
    "condition on a missing field": (
        _form({"a": {"type": "string"}}, ui={"visibleWhen": {"a": {"field": "z", "equals": 1}}}),
        "refers to unknown field 'z'",
    ),
    "required field not defined": (
        {"schema": {"type": "object", "properties": {}, "required": ["ghost"]}},
        "required field 'ghost' is not in properties",
    ),
    "invalid JSON Schema": (_form({"a": {"type": "strnig"}}), "invalid JSON Schema"),
    "upload type we cannot check": (
        _form({"a": {"x-type": "file", "x-accept": ["text/html"]}}),
        "cannot check uploads of type 'text/html'",
    ),
    "measured value without a reason field": (
        _form({"a": {"type": "number", "x-measuredBy": "measured_a"}}),
        "needs x-measuredBy and x-changeReason",
    ),
    "empty option list": (_form({"a": {"type": "string", "enum": []}}), "option list"),
    "item list without columns": (
        _form({"a": {"type": "array", "items": {"type": "object"}}}),
        "needs 'items.properties'",
    ),
    "upload column in an item list": (
        _form({"a": {"type": "array", "items": {"properties": {"f": {"x-type": "file"}}}}}),
        "cannot be of kind 'file'",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_form_file_is_refused_by_name_and_problem(tmp_path, case):
    content, problem = BROKEN[case]
    (tmp_path / "good.json").write_text(json.dumps(_form({"a": {"type": "string"}})))
    text = content if isinstance(content, str) else json.dumps(content)
    (tmp_path / "meeting_notice.json").write_text(text)
    with pytest.raises(FormFileError) as refused:
        load_registry(tmp_path)
    assert "meeting_notice.json" in str(refused.value)
    assert problem in str(refused.value)


def test_the_app_does_not_start_with_a_broken_form(tmp_path, database_url):
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "meeting_record.json").write_text('{"schema": {"properties": {"a": 1}}}')
    settings = make_settings(tmp_path, database_url)
    settings.FORMS_DIR = forms
    with pytest.raises(SystemExit) as stopped:
        create_app(settings)
    assert "meeting_record.json" in str(stopped.value)


def test_the_registry_holds_every_form_and_cannot_be_changed():
    registry = load_registry(FORMS)
    form = registry["all_kinds"]
    assert [s.title for s in form.sections][:2] == ["基本信息", "会议"]
    assert {f.kind for f in form.fields} >= {"person", "attendance", "vote_tally", "items"}
    with pytest.raises(TypeError):
        registry["all_kinds"] = form  # type: ignore[index]
    with pytest.raises(AttributeError):
        form.title = "changed"  # type: ignore[misc]


def test_the_repository_forms_all_load(app):
    """What ships in forms/ is what the running app loaded at start-up."""
    registry = load_registry(REPOSITORY_FORMS)
    assert set(registry) == set(app.extensions["forms"])

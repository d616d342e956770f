"""Models in two languages (issue 17 item 9): a Chinese name carries its English as a ``name_en``
property, a process's documentation as ``documentation_en``; ``processes check`` reports a missing
one as a convention problem, every shipped model has them, and the pages of a reader who chose
English show them while Chinese readers see what was drawn."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.workflow import commands
from app.workflow.models import ProcessDefinition
from tests.conftest import ROOT
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.plugins.demo import complete_step
from tests.plugins.people import FIXTURES

DEMO_PASSWORD = "demo123456"


def _property(name: str, value: str) -> str:
    return (
        "<bpmn:extensionElements><spiffworkflow:properties>"
        f'<spiffworkflow:property name="{name}" value="{value}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>"
    )


def _model(task_english: str | None) -> bytes:
    """One task between a start and an end, all named in Chinese; the task's English if given."""
    english = (
        f'<spiffworkflow:property name="name_en" value="{task_english}"/>' if task_english else ""
    )
    body = (
        f'<bpmn:startEvent id="start" name="开始">{_property("name_en", "Started")}</bpmn:startEvent>'
        '<bpmn:userTask id="t1" name="审核"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formKey" value="test_any"/>{english}'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
        f'<bpmn:endEvent id="end" name="结束">{_property("name_en", "Done")}</bpmn:endEvent>'
        + flow("f1", "start", "t1")
        + flow("f2", "t1", "end")
    )
    return document("p", body, {"branch_secretary": ["start", "t1", "end"]})


@pytest.fixture
def check(app, tmp_path):
    app.config["FORMS_DIR"] = FIXTURES / "forms"
    app.config["MODEL_ENGLISH_REQUIRED"] = True

    def run_check(path):
        result = app.test_cli_runner().invoke(args=["processes", "check", "--json", str(path)])
        return result.exit_code, json.loads(result.output)

    return run_check


def test_a_chinese_name_without_english_is_a_convention_problem(check, tmp_path):
    (tmp_path / "p.bpmn").write_bytes(_model(task_english=None))
    code, data = check(tmp_path / "p.bpmn")
    assert code == 1
    (entry,) = data["files"]
    assert [(p["category"], p["element_id"]) for p in entry["problems"]] == [("convention", "t1")]
    assert "name_en" in entry["problems"][0]["message_en"]
    assert "英文名称" in entry["problems"][0]["message_zh"]


def test_with_its_english_the_model_would_deploy(check, tmp_path):
    (tmp_path / "p.bpmn").write_bytes(_model(task_english="Review"))
    code, data = check(tmp_path / "p.bpmn")
    assert code == 0, data


def test_every_shipped_model_has_its_english(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    app.config["MODEL_ENGLISH_REQUIRED"] = True
    result = app.test_cli_runner().invoke(args=["processes", "check", str(ROOT / "processes")])
    assert result.exit_code == 0, result.output


def test_a_deployed_version_keeps_the_english_of_its_names(demo):
    definition = db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_key == "party_lecture")
    ).one()
    assert definition.name == "党课"
    assert definition.name_en == "Party lecture"
    assert definition.description_en.startswith("A party lecture at least once a quarter")
    names = json.loads(definition.names_en_json)
    assert names["party_lecture"] == "Party lecture"
    assert "Give the lecture" in names.values()


def test_the_instance_page_speaks_the_readers_language(demo, app, login, client):
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    complete_step(
        secretary,
        instance_id,
        "set_agenda",
        {
            "month": "2026-11",
            "topics": "研究发展党员计划",
            "meeting_at": "2026-11-25T09:00:00+08:00",
            "place": "站党员活动室",
        },
    )
    login(secretary.login, DEMO_PASSWORD)

    chinese = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "<h1>支部委员会会议" in chinese
    assert "确定议题并通知委员" in chinese

    client.set_cookie(LANGUAGE_COOKIE, "en")
    english = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert "<h1>Branch committee meeting" in english
    assert "Set the agenda and notify the committee" in english
    assert "确定议题并通知委员" not in english
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "Hold the meeting" in inbox
    assert "召开会议" not in inbox
    diagram = client.get(f"/instances/{instance_id}/diagram.json").get_json()["xml"]
    assert 'name="Discuss and decide together"' in diagram
    assert 'name="集体讨论作出决定"' not in diagram

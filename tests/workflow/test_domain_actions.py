"""Domain actions called by service tasks: checked at deployment, run in the command, undone with
the engine run when they refuse, and readable as a catalogue."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.engine.action_types import item_type
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.levels.models import BranchLevel
from app.workflow import commands
from app.workflow.actions import describe_actions
from app.workflow.deploy import check_sources
from app.workflow.deploy import deploy_definitions
from app.workflow.legacy_completion import LEGACY_ACTIONS
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.plugins.people import FIXTURES
from tests.plugins.people import actor
from tests.plugins.people import open_tasks
from tests.workflow.actions_kit import acting_model
from tests.workflow.actions_kit import register_test_action
from tests.workflow.actions_kit import service_task

GOOD = {
    "string": "'x'",
    "integer": "3",
    "boolean": "True",
    "date": "'2026-03-01'",
    "org_code": "'HH01-01'",
    "person_id": "7",
    "process_key": "'grading_cycle'",
}
WRONG = {
    "string": "3",
    "integer": "'three'",
    "boolean": "'yes'",
    "date": "'next Monday'",
    "org_code": "3",
    "person_id": "'sec1'",
    "process_key": "'not a key!'",
}


def _good(type_name: str) -> str:
    inner = item_type(type_name)
    return f"[{GOOD[inner]}]" if inner else GOOD[type_name]


def _wrong(type_name: str) -> str:
    return f"[{WRONG[item_type(type_name)]}]" if item_type(type_name) else WRONG[type_name]


@pytest.fixture
def forms(app):
    app.config["FORMS_DIR"] = FIXTURES / "forms"


def _problems(action: str, params: list[tuple[str, str, str]]) -> list:
    result = check_sources({"acting.bpmn": acting_model("acting", service_task(action, params))})
    return list(result.problems)


def _valid_params(action: dict) -> list[tuple[str, str, str]]:
    return [(p["name"], p["type"], _good(p["type"])) for p in action["parameters"]]


def test_every_action_of_the_catalogue_deploys_with_its_parameters(forms):
    for action in describe_actions():
        assert _problems(action["name"], _valid_params(action)) == [], action["name"]


def test_a_misnamed_action_is_refused_with_where_and_both_languages(forms):
    for action in describe_actions():
        (problem,) = _problems(action["name"] + "s", _valid_params(action))
        assert (problem.file, problem.element_id, problem.category) == (
            "acting.bpmn",
            "act",
            "engine",
        )
        assert (problem.line or 0) > 0
        assert f"unknown domain action '{action['name']}s'" in problem.message_en
        assert "未知的领域动作" in problem.message_zh


def test_a_missing_unknown_or_mistyped_parameter_is_refused(forms):
    for action in describe_actions():
        params = _valid_params(action)
        for i, (name, type_name, _value) in enumerate(params):
            (missing,) = _problems(action["name"], params[:i] + params[i + 1 :])
            assert f"needs the parameter '{name}'" in missing.message_en
            assert f"缺少参数“{name}”" in missing.message_zh
            wrong = [*params[:i], (name, type_name, _wrong(type_name)), *params[i + 1 :]]
            (mistyped,) = _problems(action["name"], wrong)
            assert f"must be a {type_name}" in mistyped.message_en
            assert "类型" in mistyped.message_zh
            declared = [*params[:i], (name, "boolean" if type_name != "boolean" else "string",
                                      _value), *params[i + 1 :]]  # fmt: skip
            assert len(_problems(action["name"], declared)) == 1
        (unknown,) = _problems(action["name"], [*params, ("colour", "string", "'red'")])
        assert "takes no parameter 'colour'" in unknown.message_en
        assert "没有参数“colour”" in unknown.message_zh


def test_deploying_a_misnamed_action_deploys_nothing(forms):
    sources = {"acting.bpmn": acting_model("acting", service_task("record_levels", []))}
    with pytest.raises(DeploymentRefused) as refused:
        run(deploy_definitions, actor=SYSTEM, sources=sources)
    (problem,) = refused.value.errors
    assert problem.message_zh == "未知的领域动作“record_levels”（见 flask processes actions）"
    assert db.session.scalars(select(ProcessDefinition)).all() == []


def test_a_service_task_without_an_action_is_refused(forms):
    bare = '<bpmn:serviceTask id="act" name="动作"/>'
    problems = check_sources({"acting.bpmn": acting_model("acting", bare)}).problems
    assert any(p.element_id == "act" and "names no domain action" in p.message_en for p in problems)


def test_a_variable_parameter_is_left_to_run_time(forms):
    assert _problems("record_grading_level", [("cycle_year", "integer", "cycle_year")]) == []


# -- at run time ---------------------------------------------------------------------------------


@pytest.fixture
def acting(app, people):
    """An instance of start → t1 → act (test_record_level) → end, waiting at t1."""
    register_test_action()

    def start(params: list[tuple[str, str, str]], result: str = "") -> tuple[int, int]:
        sources = {
            "acting.bpmn": acting_model("acting", service_task("test_record_level", params, result))
        }
        run(deploy_definitions, actor=SYSTEM, sources=sources)
        instance_id = run(
            commands.start_instance,
            actor=actor("sec1"),
            process_key="acting",
            org_code=people.tree.branch1,
        )
        (task,) = open_tasks(instance_id)
        return instance_id, task.id

    return start


def _levels() -> list[BranchLevel]:
    return list(db.session.scalars(select(BranchLevel)))


def _ran_events() -> int:
    return len(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == "test_action_ran")
        ).all()
    )


def test_the_action_writes_in_the_completing_command_and_keeps_its_result(acting):
    instance_id, task_id = acting([("count", "integer", "count")], result="outcome")
    outcome = run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": 2})
    assert outcome.completed
    (level,) = _levels()
    assert level.decided_by == "test action, 2 items"
    assert _ran_events() == 1
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert json.loads(row.state_json)["data"]["outcome"] == {"written": 2}


def test_a_refusing_action_is_an_incident_and_writes_nothing(acting):
    instance_id, task_id = acting(
        [("count", "integer", "count"), ("refuse", "string", "'conflict'")]
    )
    outcome = run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": 2})
    assert not outcome.completed
    assert _levels() == []
    assert _ran_events() == 0
    incident = db.session.get(Incident, outcome.incident_id)
    assert incident.element_id == "act"
    assert "领域动作“测试：记录等级”拒绝执行：支部已有更新的等级" in incident.message
    row = db.session.get(ProcessInstance, instance_id)
    assert (row.status, row.open_incidents) == (InstanceStatus.RUNNING, 1)
    assert [t.id for t in open_tasks(instance_id)] == [task_id]  # the answer can be retried


def test_a_mistyped_value_at_run_time_is_an_incident_in_chinese(acting):
    _instance_id, task_id = acting([("count", "integer", "count")])
    outcome = run(
        commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": "two"}
    )
    assert not outcome.completed
    incident = db.session.get(Incident, outcome.incident_id)
    assert "参数“数量”（count）应为 integer 类型，实际为 'two'" in incident.message
    assert _levels() == []


def test_a_retry_with_a_corrected_answer_runs_the_action_once(acting):
    instance_id, task_id = acting([("count", "integer", "count")])
    failed = run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": "x"})
    assert run(
        commands.retry_incident,
        actor=actor("root"),
        incident_id=failed.incident_id,
        data={"count": 4},
    )
    (level,) = _levels()
    assert level.decided_by == "test action, 4 items"
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED


def test_an_answer_the_action_refuses_refuses_the_submission(acting):
    instance_id, task_id = acting(
        [("count", "integer", "count"), ("refuse", "string", "'invalid'")]
    )
    with pytest.raises(ValidationFailed) as refused:
        run(commands.complete_task, actor=actor("sec1"), task_id=task_id, data={"count": 2})
    assert refused.value.field_errors == {"count": "数量不对"}
    assert _levels() == []
    row = db.session.get(ProcessInstance, instance_id)
    assert (row.status, row.open_incidents) == (InstanceStatus.RUNNING, 0)


# -- instances of versions from before the service tasks -----------------------------------------


def test_an_instance_of_a_version_without_the_service_task_still_writes_at_its_end(
    app, people, monkeypatch
):
    register_test_action()
    monkeypatch.setitem(LEGACY_ACTIONS, "acting", (("test_record_level", {}),))
    plain = acting_model(
        "acting",
        '<bpmn:scriptTask id="act"><bpmn:script>done = True</bpmn:script></bpmn:scriptTask>',
    )
    run(deploy_definitions, actor=SYSTEM, sources={"acting.bpmn": plain})
    old = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="acting",
        org_code=people.tree.branch1,
    )
    acting_now = acting_model(
        "acting", service_task("test_record_level", [("count", "integer", "count")])
    )
    run(deploy_definitions, actor=SYSTEM, sources={"acting.bpmn": acting_now})
    new = run(
        commands.start_instance,
        actor=actor("sec3"),
        process_key="acting",
        org_code=people.tree.branch3,
    )
    for instance_id, login, count in ((old, "sec1", 1), (new, "sec3", 5)):
        (task,) = open_tasks(instance_id)
        run(commands.complete_task, actor=actor(login), task_id=task.id, data={"count": count})
    assert sorted(level.decided_by for level in _levels()) == [
        "test action, 1 items",
        "test action, 5 items",
    ]  # once each: the old version by its end, the new one by its service task


# -- the catalogue as data -----------------------------------------------------------------------


def test_the_catalogue_lists_every_action_with_labels_parameters_and_writes(app):
    by_name = {a["name"]: a for a in describe_actions()}
    assert {"record_grading_level", "rate_at_acceptance", "store_unit_targets"} <= set(by_name)
    level = by_name["record_grading_level"]
    assert level["label"] == {"zh": "记录支部等级", "en": "Record the branch's level"}
    assert level["parameters"] == [
        {
            "name": "cycle_year",
            "type": "integer",
            "required": True,
            "label": {"zh": "周期年度", "en": "cycle year"},
        }
    ]
    assert any("level history" in w for w in level["writes"])
    assert all(a["description"] and a["writes"] for a in by_name.values())


def test_the_cli_prints_the_catalogue_as_text_and_json(app):
    runner = app.test_cli_runner()
    text = runner.invoke(args=["processes", "actions"])
    assert text.exit_code == 0
    assert "record_grading_level — 记录支部等级 / Record the branch's level" in text.output
    assert "- cycle_year: integer (required / 必填) 周期年度 / cycle year" in text.output
    as_json = runner.invoke(args=["processes", "actions", "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output) == describe_actions()

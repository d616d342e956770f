"""Deployment: versions by content hash, instances pinned to their version, CLI all-or-nothing."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app import create_app
from app.core.commands import SYSTEM
from app.core.commands import run
from app.engine.models import DeploymentRefused
from app.extensions import db
from app.worker import run_once
from app.workflow import commands
from app.workflow import engine_access
from app.workflow.deploy import deploy_definitions
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.conftest import IsolatedClient
from tests.conftest import make_settings
from tests.engine.models_kit import one_task
from tests.plugins.people import FIXTURES
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks


def _versions(key: str) -> list[int]:
    return list(
        db.session.scalars(
            select(ProcessDefinition.version)
            .where(ProcessDefinition.process_key == key)
            .order_by(ProcessDefinition.version)
        )
    )


def test_deploying_unchanged_files_creates_no_new_version(people):
    (first,) = deploy("two_step.bpmn")
    (again,) = deploy("two_step.bpmn")
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created) == (1, False)
    assert _versions("two_step") == [1]


def test_a_changed_form_makes_a_new_version(app, people, tmp_path):
    deploy("two_step.bpmn")
    forms = tmp_path / "forms"
    shutil.copytree(FIXTURES / "forms", forms)
    (forms / "test_review.json").write_text(
        '{"schema": {"type": "object", "required": ["approved"],'
        ' "properties": {"approved": {"type": "boolean"}}}}'
    )
    app.config["FORMS_DIR"] = forms
    (changed,) = deploy("two_step.bpmn")
    assert (changed.version, changed.created) == (2, True)


def test_running_instances_stay_on_the_version_they_started_with(app, people):
    sources = {"p.bpmn": one_task("pinned", form="test_any")}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    old = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="pinned",
        org_code=people.tree.branch1,
    )
    run(deploy_definitions, actor=SYSTEM, sources={"p.bpmn": one_task("pinned", form="test_count")})
    new = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="pinned",
        org_code=people.tree.branch1,
    )
    assert _versions("pinned") == [1, 2]
    (old_task,) = open_tasks(old)
    (new_task,) = open_tasks(new)
    assert (old_task.form_key, new_task.form_key) == ("test_any", "test_count")
    run(
        commands.complete_task, actor=actor("sec1"), task_id=old_task.id, data={}
    )  # v1's form needs nothing


def test_stored_version_keeps_its_sources_and_forms(people):
    deploy("two_step.bpmn")
    definition = db.session.scalars(select(ProcessDefinition)).one()
    assert list(json.loads(definition.sources_json)) == ["two_step.bpmn"]
    assert sorted(json.loads(definition.forms_json)) == ["test_notice", "test_review"]
    assert definition.deployed_by == "system"


def test_a_refused_set_deploys_nothing(people):
    good = one_task("good")
    bad = one_task("bad", role="chairman")
    with pytest.raises(DeploymentRefused):
        run(deploy_definitions, actor=SYSTEM, sources={"good.bpmn": good, "bad.bpmn": bad})
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_only_administrators_deploy(people):
    with pytest.raises(DeploymentRefused):
        run(deploy_definitions, actor=actor("sec1"), sources={"p.bpmn": one_task("p")})
    run(deploy_definitions, actor=actor("root"), sources={"p.bpmn": one_task("p")})


def test_cli_deploy_prints_every_problem_and_exits_non_zero(app, people, tmp_path):
    (tmp_path / "good.bpmn").write_bytes(one_task("good"))
    (tmp_path / "bad.bpmn").write_bytes(one_task("bad", role="chairman", form="missing"))
    result = app.test_cli_runner().invoke(
        args=["processes", "deploy", str(tmp_path / "good.bpmn"), str(tmp_path / "bad.bpmn")]
    )
    assert result.exit_code == 1
    assert "nothing deployed" in result.output
    assert "chairman" in result.output
    assert "missing" in result.output
    assert "泳道" in result.output
    ok = app.test_cli_runner().invoke(args=["processes", "deploy", str(tmp_path / "good.bpmn")])
    assert ok.exit_code == 0, ok.output
    assert "good: version 1 (new version)" in ok.output


def test_cli_sync_deploys_the_processes_folder(app, people, tmp_path):
    folder = tmp_path / "processes" / "meetings"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "bpmn" / "two_step.bpmn", folder)
    app.config["PROCESSES_DIR"] = tmp_path / "processes"
    first = app.test_cli_runner().invoke(args=["processes", "sync"])
    second = app.test_cli_runner().invoke(args=["processes", "sync"])
    assert "two_step: version 1 (new version)" in first.output
    assert "two_step: version 1 (unchanged)" in second.output


def test_a_restart_half_way_continues_every_instance(app, people, tmp_path, clock):
    deploy("two_step.bpmn", "timer_escalation.bpmn")
    first = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )
    second = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="timer_escalation",
        org_code=people.tree.branch1,
    )

    engine_access._specs.clear()  # a new process starts with no cached specs
    restarted = create_app(
        make_settings(tmp_path / "again", app.config["DATABASE_URL"]), clock=clock
    )
    restarted.config["FORMS_DIR"] = app.config["FORMS_DIR"]
    restarted.test_client_class = IsolatedClient
    with restarted.app_context():
        (draft,) = open_tasks(first)
        run(
            commands.complete_task,
            actor=actor("sec1"),
            task_id=draft.id,
            data={"items": [{"points": 99}]},
        )
        assert [t.element_id for t in open_tasks(first)] == ["review"]
        clock.advance(hours=2)
        assert run_once().timers_fired == 1
        assert [t.element_id for t in open_tasks(second)] == ["escalate"]
        assert db.session.get(ProcessInstance, first).step_count == 2
    restarted.extensions["branchflow.db"].dispose()

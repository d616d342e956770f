"""Options the instance's data lists (``x-optionsFrom``): shown on the task page, named in the API's
schema, and the only values the server accepts — from the page and from the API alike."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.formdefs.registry import FormFileError
from app.formdefs.registry import parse_form
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import StepLogEntry
from tests.conftest import csrf_token
from tests.engine.models_kit import one_task
from tests.plugins.form_sink import FORMS
from tests.plugins.people import actor
from tests.plugins.people import open_tasks

CANDIDATES = [
    {"value": 11, "label": "采油一站党支部（红旗）"},
    {"value": 12, "label": "采油二站党支部（标准化）"},
]


@pytest.fixture
def task_id(app, people) -> int:
    app.config["FORMS_DIR"] = FORMS
    sources = {"pick.bpmn": one_task("pick_proc", form="data_options")}
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="pick_proc",
        org_code=people.tree.branch1,
        data={"candidates": CANDIDATES},
    )
    return open_tasks(instance_id)[0].id


def _post(client, task_id: int, site: str, sites: list[str]):
    data = {"site": site, "sites": sites, "reason": "台账规范，特色鲜明"}
    data["csrf_token"] = csrf_token(client, f"/inbox/tasks/{task_id}")
    return client.post(f"/inbox/tasks/{task_id}/complete", data=data)


def _state(task_id: int) -> HumanTaskState:
    db.session.rollback()
    return db.session.get(HumanTask, task_id).state


def _submitted(task_id: int) -> dict:
    task = db.session.get(HumanTask, task_id)
    entry = db.session.scalars(
        select(StepLogEntry).where(
            StepLogEntry.instance_id == task.instance_id, StepLogEntry.action == "task_completed"
        )
    ).one()
    return json.loads(entry.submitted_json)


def test_the_page_offers_the_listed_options(client, login, task_id):
    login("sec1")
    page = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert re.search(r'<option value="11"\s*>采油一站党支部（红旗）</option>', page)
    assert 'type="checkbox" name="sites" value="12"' in page
    assert "采油二站党支部（标准化）" in page


def test_listed_options_are_stored_as_their_values(client, login, task_id):
    login("sec1")
    response = _post(client, task_id, "12", ["11", "12"])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _state(task_id) is HumanTaskState.COMPLETED
    data = _submitted(task_id)
    assert (data["site"], data["sites"]) == (12, [11, 12])


def test_a_value_not_on_the_list_is_refused_and_changes_nothing(client, login, task_id):
    login("sec1")
    response = _post(client, task_id, "99", ["11", "13"])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-site-error">请从选项中选择。<' in page
    assert 'id="f-sites-error">请从选项中选择。<' in page
    assert _state(task_id) is HumanTaskState.READY


def test_the_api_names_the_options_and_refuses_others(app, client, task_id):
    token = app.test_cli_runner().invoke(args=["users", "token", "sec1", "--name", "t"]).output
    headers = {"Authorization": f"Bearer {token.strip()}"}
    detail = client.get(f"/api/v1/tasks/{task_id}", headers=headers).get_json()
    schema = detail["form"]["schema"]["properties"]
    assert schema["site"]["enum"] == [11, 12]
    assert schema["sites"]["items"]["enum"] == [11, 12]
    refused = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"site": 11, "sites": ["11"], "reason": "字符串冒充编号"}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["sites"] == "请从选项中选择。"
    assert _state(task_id) is HumanTaskState.READY
    done = client.post(
        f"/api/v1/tasks/{task_id}/complete",
        json={"data": {"site": 11, "sites": [12], "reason": "同意"}},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    assert _state(task_id) is HumanTaskState.COMPLETED


def test_a_form_naming_a_data_list_and_an_enum_is_refused():
    broken = {"schema": {"properties": {"a": {"enum": [1], "x-optionsFrom": "candidates"}}}}
    with pytest.raises(FormFileError, match="x-optionsFrom"):
        parse_form("broken", json.dumps(broken).encode())

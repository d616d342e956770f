"""Bodies that once broke a request with a 500 (issue 10, item 9): JSON nested 100,000 levels deep
(RecursionError) and lone surrogates such as "\\ud800" (UnicodeEncodeError on the way to the
database). Every way in refuses them with a clear message and writes nothing: each API POST route
(422 in the error shape), the commands behind it, the command line, and the pages' form posts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.core.json_input import MAX_JSON_DEPTH
from app.extensions import db
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.api.test_api import Api
from tests.api.test_api import _token
from tests.conftest import csrf_token
from tests.plugins.people import actor
from tests.plugins.people import deploy
from tests.plugins.people import open_tasks

DEEP = "[" * 100_000 + "]" * 100_000
START = {"process_key": "two_step", "org_code": "U1-B1"}
ITEMS = {"items": [{"points": 50}, {"points": 40}]}
TOO_DEEP_ZH = f"嵌套超过 {MAX_JSON_DEPTH} 层"
SURROGATE_ZH = "单独的代理码位"
NOT_UTF8_FORM_ZH = "表单中含有不是有效 UTF-8 编码的文本，未作任何更改。"


def _nested(levels: int) -> object:
    """A value ``levels`` deep: lists inside lists, an empty list at the bottom."""
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


#: Bodies (as raw bytes) holding a lone surrogate: escaped, as raw UTF-8 bytes, in a key, deep down.
SURROGATE_BODIES = {
    "escaped value": b'{"data": {"note": "\\ud800"}}',
    "raw bytes": b'{"data": {"note": "\xed\xa0\x80"}}',
    "key": b'{"data": {"\\udfff": 1}}',
    "low half first": b'{"data": {"note": "\\udc00\\ud800"}}',
    "deep inside a list": b'{"data": {"items": [{"points": 1, "n": ["a", ["\\ud83d"]]}]}}',
}


class Counts:
    """What a refused request must leave as it was."""

    @staticmethod
    def now() -> tuple[int, int, int]:
        return (
            db.session.scalar(select(func.count()).select_from(ProcessInstance)),
            db.session.scalar(select(func.count()).select_from(StepLogEntry)),
            db.session.scalar(
                select(func.count())
                .select_from(HumanTask)
                .where(
                    HumanTask.state == HumanTaskState.READY, HumanTask.assignee_user_id.is_(None)
                )
            ),
        )


@pytest.fixture
def sec1(app, client, people) -> Api:
    deploy("two_step.bpmn")
    return Api(client, _token(app, "sec1"))


def _raw_post(api: Api, path: str, body: bytes):
    return api.client.post(
        path,
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )


def _refused(response, message_part: str) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert (error["status"], error["code"]) == (422, "invalid")
    assert message_part in error["fields"]["_body"], error
    return error


def _task_to_complete(api: Api) -> int:
    api.call("post", "/api/v1/instances", START, 201)
    (task,) = api.call("get", "/api/v1/tasks?view=claimable")["items"]
    return task["id"]


@pytest.mark.parametrize("route", ["complete", "claim", "unclaim", "files"])
def test_deep_nesting_is_refused_by_every_task_route_and_changes_nothing(sec1, route):
    task_id = _task_to_complete(sec1)
    before = Counts.now()
    response = _raw_post(sec1, f"/api/v1/tasks/{task_id}/{route}", DEEP.encode())
    _refused(response, TOO_DEEP_ZH)
    assert Counts.now() == before  # not claimed, not completed, nothing logged


def test_deep_nesting_is_refused_when_starting_and_nothing_is_started(sec1):
    before = Counts.now()
    body = json.dumps({**START, "data": {"x": "PLACEHOLDER"}}).replace('"PLACEHOLDER"', DEEP)
    _refused(_raw_post(sec1, "/api/v1/instances", body.encode()), TOO_DEEP_ZH)
    assert Counts.now() == before


def test_nesting_up_to_the_limit_is_accepted(sec1):
    # The body is one level, "data" a second, "x" the rest.
    deepest = {**START, "data": {"x": _nested(MAX_JSON_DEPTH - 2)}}
    sec1.call("post", "/api/v1/instances", deepest, 201)
    one_more = {**START, "data": {"x": _nested(MAX_JSON_DEPTH - 1)}}
    refused = sec1.call("post", "/api/v1/instances", one_more, 422)
    assert TOO_DEEP_ZH in refused["error"]["fields"]["_body"]


@pytest.mark.parametrize("body", SURROGATE_BODIES.values(), ids=SURROGATE_BODIES.keys())
def test_a_lone_surrogate_anywhere_in_a_completion_is_refused(sec1, body):
    task_id = _task_to_complete(sec1)
    before = Counts.now()
    _refused(_raw_post(sec1, f"/api/v1/tasks/{task_id}/complete", body), SURROGATE_ZH)
    assert Counts.now() == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"process_key": "two_step", "org_code": "U1-B1", "business_key": "\\ud800"}',
        b'{"process_key": "two_\\udbff", "org_code": "U1-B1"}',
        b'{"process_key": "two_step", "org_code": "U1-B1", "data": {"\\ud800": "x"}}',
        b'{"process_key": "two_step", "org_code": "U1-B1", "data": {"a": ["\xed\xb0\x80"]}}',
    ],
)
def test_a_lone_surrogate_anywhere_in_a_start_is_refused(sec1, body):
    before = Counts.now()
    _refused(_raw_post(sec1, "/api/v1/instances", body), SURROGATE_ZH)
    assert Counts.now() == before


def test_a_surrogate_pair_is_one_character_and_is_accepted(sec1):
    body = b'{"process_key": "two_step", "org_code": "U1-B1", "business_key": "\\ud83d\\ude00"}'
    response = _raw_post(sec1, "/api/v1/instances", body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["business_key"] == "\U0001f600"


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(sec1):
    task_id = _task_to_complete(sec1)
    for route in ("complete", "claim"):
        response = _raw_post(sec1, f"/api/v1/tasks/{task_id}/{route}", b'{"data": ')
        assert response.status_code == 422
        assert response.get_json()["error"]["message"] == "请求体不是有效的 JSON。"


def test_english_callers_get_the_message_in_english(sec1):
    sec1.client.set_cookie("branchflow_lang", "en")
    response = _raw_post(sec1, "/api/v1/instances", DEEP.encode())
    error = response.get_json()["error"]
    assert error["message"] == "The request body was refused."
    assert error["fields"]["_body"] == f"Nested more than {MAX_JSON_DEPTH} levels deep."


# -- the commands, whoever calls them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (_nested(100_000), TOO_DEEP_ZH),
        ({"note": "\ud800"}, SURROGATE_ZH),
        ({"\udc00": 1}, SURROGATE_ZH),
    ],
)
def test_the_start_command_refuses_what_the_api_refuses(people, data, message_part):
    deploy("two_step.bpmn")
    before = Counts.now()
    with pytest.raises(ValidationFailed) as refused:
        run(
            commands.start_instance,
            actor=actor("sec1"),
            process_key="two_step",
            org_code=people.tree.branch1,
            data={"x": data},
        )
    assert message_part in str(refused.value.field_errors["data"])
    assert Counts.now() == before


def test_the_start_command_refuses_keys_that_cannot_be_stored(people):
    deploy("two_step.bpmn")
    with pytest.raises(ValidationFailed) as refused:
        run(
            commands.start_instance,
            actor=actor("sec1"),
            process_key="two_step",
            org_code=people.tree.branch1,
            business_key="2026-\udced",  # an undecodable command-line argument looks like this
        )
    assert SURROGATE_ZH in str(refused.value.field_errors["business_key"])


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        ({"items": _nested(100_000)}, TOO_DEEP_ZH),
        ({"items": [{"points": 1, "note": "\ud800"}]}, SURROGATE_ZH),
    ],
)
def test_the_completion_command_refuses_what_the_api_refuses(people, data, message_part):
    deploy("two_step.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="two_step",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    before = Counts.now()
    with pytest.raises(ValidationFailed) as refused:
        run(commands.complete_task, actor=actor("sec1"), task_id=task.id, data=data)
    assert message_part in str(refused.value.field_errors["_form"])
    assert Counts.now() == before


# -- the command line ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (DEEP, TOO_DEEP_ZH),
        ('{"note": "\\ud800"}', SURROGATE_ZH),
        ('{"note": "\udced\udca0\udc80"}', SURROGATE_ZH),  # bytes ED A0 80 as the shell passes them
    ],
)
def test_the_cli_refuses_such_data_without_a_traceback(app, people, data, message_part):
    deploy("two_step.bpmn")
    before = Counts.now()
    result = app.test_cli_runner().invoke(
        args=["workflow", "start", "two_step", "--org", people.tree.branch1, "--data", data]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert message_part in result.output
    assert Counts.now() == before


def test_the_cli_refuses_an_organisation_code_that_cannot_be_stored(app, people):
    deploy("two_step.bpmn")
    result = app.test_cli_runner().invoke(
        args=["workflow", "start", "two_step", "--org", "U1-\udced\udca0\udc80"]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert SURROGATE_ZH in result.output


# -- the pages -----------------------------------------------------------------------------------


def _form_post(client, path: str, token: str, fields: str):
    return client.post(
        path,
        data=f"csrf_token={token}&{fields}",
        content_type="application/x-www-form-urlencoded",
    )


def test_a_page_refuses_a_form_with_a_lone_surrogate_and_changes_nothing(client, login, people):
    deploy("failing_script.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="failing_script",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    login("sec1")
    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    before = Counts.now()
    for path, fields in (
        (f"/inbox/tasks/{task.id}/complete", "count=12&note=%ED%A0%80"),
        (f"/inbox/tasks/{task.id}/complete", "count=12&action=draft&note=%ED%A0%80"),
        (f"/inbox/tasks/{task.id}/claim", "x=%ED%A0%80"),
        ("/inbox/start", "process_key=failing_script&org_code=U1-B1%ED%A0%80"),
        ("/inbox/start", "process_key=failing_script&org_code=U1-B1&%ED%A0%80=1"),
    ):
        response = _form_post(client, path, token, fields)
        assert response.status_code == 422, (path, fields)
        assert NOT_UTF8_FORM_ZH in response.get_data(as_text=True)
    assert Counts.now() == before
    # The same form, properly encoded, goes through.
    done = _form_post(client, f"/inbox/tasks/{task.id}/complete", token, "count=12&note=%E4%B8%AD")
    assert done.status_code == 302


def _multipart(fields: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "----branchflow-test"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_page_refuses_a_multipart_form_with_text_that_is_not_utf8(client, login, people):
    """Werkzeug would have stored "\ufffd" in place of the bytes: refused, nothing changed."""
    deploy("failing_script.bpmn")
    instance_id = run(
        commands.start_instance,
        actor=actor("sec1"),
        process_key="failing_script",
        org_code=people.tree.branch1,
    )
    (task,) = open_tasks(instance_id)
    login("sec1")
    token = csrf_token(client, f"/inbox/tasks/{task.id}").encode()
    path = f"/inbox/tasks/{task.id}/complete"
    before = Counts.now()
    body, content_type = _multipart(
        [("csrf_token", token), ("count", b"12"), ("note", b"\xe4\xb8")]
    )
    response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == 422
    assert NOT_UTF8_FORM_ZH in response.get_data(as_text=True)
    assert Counts.now() == before
    body, content_type = _multipart(
        [("csrf_token", token), ("count", b"12"), ("note", "中".encode())]
    )
    assert client.post(path, data=body, content_type=content_type).status_code == 302

"""The JSON API: bearer tokens, the same scope and rules as the pages, errors with a stable shape,
and every response checked against the API's own OpenAPI document."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from app.api.openapi import DOCUMENT
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.commands import revoke_api_token
from app.identity.models import ApiToken
from app.workflow.commands import deploy_definitions
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task
from tests.factories import grant
from tests.factories import make_user
from tests.plugins.people import deploy

ITEMS = {"items": [{"points": 50}, {"points": 40}]}


def _schema_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    )


def _operation(path: str, method: str) -> dict:
    for template, operations in DOCUMENT["paths"].items():
        pattern = template.replace("{task_id}", "*").replace("{instance_id}", "*").split("/")
        parts = path.split("?")[0].removeprefix("/api/v1").split("/")
        if len(pattern) == len(parts) and all(
            p in ("*", q) for p, q in zip(pattern, parts, strict=True)
        ):
            return operations[method]
    raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")


class Api:
    """A client that sends a bearer token and checks each response against the document."""

    def __init__(self, client, token: str | None) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, json: object = None, expect: int | None = None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.client.open(path, method=method.upper(), json=json, headers=headers)
        assert response.status_code < 500, response.get_data(as_text=True)
        declared = _operation(path, method)["responses"]
        assert str(response.status_code) in declared, (
            path,
            response.status_code,
            response.get_json(),
        )
        schema_ref = declared[str(response.status_code)]["content"]["application/json"]["schema"][
            "$ref"
        ]
        _schema_validator(schema_ref.rsplit("/", 1)[-1]).validate(response.get_json())
        if expect is not None:
            assert response.status_code == expect, response.get_json()
        return response.get_json()


def _token(app, login: str) -> str:
    result = app.test_cli_runner().invoke(args=["users", "token", login, "--name", "test"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def api(app, client, people):
    deploy("two_step.bpmn")
    return {login: Api(client, _token(app, login)) for login in ("sec1", "sec3", "rev1", "root")}


def _start(api) -> int:
    started = api["sec1"].call(
        "post", "/api/v1/instances", {"process_key": "two_step", "org_code": "U1-B1"}, 201
    )
    return started["id"]


def test_openapi_document_is_public_and_valid_json(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert "/tasks/{task_id}/complete" in document["paths"]


def test_tokens_are_stored_hashed_and_can_be_revoked(app, client, people):
    token = _token(app, "sec1")
    assert token.startswith("bf_")
    stored = db.session.scalars(select(ApiToken)).one()
    assert token not in (stored.token_hash, stored.prefix)
    assert Api(client, token).call("get", "/api/v1/tasks", expect=200)["items"] == []
    run(revoke_api_token, actor=SYSTEM, token_id=stored.id)
    error = Api(client, token).call("get", "/api/v1/tasks", expect=401)
    assert error["error"]["code"] == "unauthorized"


def test_no_token_or_a_wrong_one_gets_401(client, people):
    Api(client, None).call("get", "/api/v1/tasks", expect=401)
    Api(client, "bf_not-a-token").call("get", "/api/v1/tasks", expect=401)


def test_a_task_moves_through_the_views_and_completes(api):
    instance_id = _start(api)
    (task,) = api["sec1"].call("get", "/api/v1/tasks?view=claimable", expect=200)["items"]
    assert (task["instance_id"], task["title"], task["org_code"]) == (
        instance_id,
        "填写会议通知",
        "U1-B1",
    )
    detail = api["sec1"].call("get", f"/api/v1/tasks/{task['id']}", expect=200)
    assert detail["form"]["key"] == "test_notice"
    assert detail["form"]["definition"]["schema"]["required"] == ["items"]
    api["sec1"].call("post", f"/api/v1/tasks/{task['id']}/claim", expect=200)
    assert [t["id"] for t in api["sec1"].call("get", "/api/v1/tasks?view=mine")["items"]] == [
        task["id"]
    ]
    assert api["sec1"].call("get", "/api/v1/tasks?view=claimable")["items"] == []
    done = api["sec1"].call("post", f"/api/v1/tasks/{task['id']}/complete", {"data": ITEMS}, 200)
    assert done["completed"] is True
    assert done["next_tasks"] == []  # the review is the unit's, not the secretary's
    assert [t["id"] for t in api["sec1"].call("get", "/api/v1/tasks?view=completed")["items"]] == [
        task["id"]
    ]
    (review,) = api["rev1"].call("get", "/api/v1/tasks?view=claimable")["items"]
    assert review["title"] == "审核"
    timeline = api["sec1"].call("get", f"/api/v1/instances/{instance_id}", expect=200)["timeline"]
    assert [s["action"] for s in timeline] == ["started", "claimed", "task_completed"]


def test_another_branch_sees_nothing(api):
    instance_id = _start(api)
    (task,) = api["sec1"].call("get", "/api/v1/tasks?view=claimable")["items"]
    other = api["sec3"]
    assert other.call("get", "/api/v1/tasks?view=claimable")["items"] == []
    assert (
        other.call("get", f"/api/v1/tasks/{task['id']}", expect=404)["error"]["code"] == "not_found"
    )
    other.call("post", f"/api/v1/tasks/{task['id']}/claim", expect=404)
    other.call("post", f"/api/v1/tasks/{task['id']}/complete", {"data": ITEMS}, 404)
    other.call("get", f"/api/v1/instances/{instance_id}", expect=404)
    other.call("post", "/api/v1/instances", {"process_key": "two_step", "org_code": "U1-B1"}, 404)


def test_conflicts_and_invalid_data_have_their_statuses(api, people):
    make_user("deputy1")
    grant("deputy1", "branch_secretary", people.tree.branch1)
    _start(api)
    (task,) = api["sec1"].call("get", "/api/v1/tasks?view=claimable")["items"]
    api["sec1"].call("post", f"/api/v1/tasks/{task['id']}/claim", expect=200)
    deputy = Api(api["sec1"].client, _token(api["sec1"].client.application, "deputy1"))
    assert (
        deputy.call("post", f"/api/v1/tasks/{task['id']}/claim", expect=409)["error"]["code"]
        == "conflict"
    )
    invalid = api["sec1"].call(
        "post", f"/api/v1/tasks/{task['id']}/complete", {"data": {"items": "x"}}, 422
    )
    assert "items" in invalid["error"]["fields"]
    api["sec1"].call("post", f"/api/v1/tasks/{task['id']}/complete", {"data": ITEMS}, 200)
    again = api["sec1"].call("post", f"/api/v1/tasks/{task['id']}/complete", {"data": ITEMS}, 409)
    assert again["error"]["status"] == 409


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/tasks?view=everything", None),
        ("get", "/api/v1/tasks?page=0", None),
        ("get", "/api/v1/tasks?per_page=100000", None),
        ("get", "/api/v1/tasks?page=abc", None),
        ("get", "/api/v1/tasks/999999", None),
        ("post", "/api/v1/tasks/999999/complete", {"data": {}}),
        ("post", "/api/v1/tasks/1/complete", ["not", "an", "object"]),
        ("post", "/api/v1/tasks/1/complete", {"data": "text"}),
        ("post", "/api/v1/instances", {}),
        ("post", "/api/v1/instances", {"process_key": 5, "org_code": None}),
        (
            "post",
            "/api/v1/instances",
            {"process_key": "two_step", "org_code": "U1-B1", "data": [1]},
        ),
        (
            "post",
            "/api/v1/instances",
            {"process_key": "two_step", "org_code": "U1-B1", "business_key": 7},
        ),
        ("post", "/api/v1/instances", {"process_key": "nope", "org_code": "U1-B1"}),
        ("get", "/api/v1/instances/0", None),
    ],
)
def test_bad_requests_get_a_declared_error_never_a_crash(api, method, path, body):
    _start(api)
    response = api["sec1"].call(method, path, body)
    assert set(response) == {"error"}


def test_a_completion_names_the_next_tasks_the_caller_may_do(api):
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("t1", "test_any", "第一步")
        + user_task("t2", "test_any", "第二步")
        + '<bpmn:endEvent id="end"/>'
        + flow("f1", "start", "t1")
        + flow("f2", "t1", "t2")
        + flow("f3", "t2", "end")
    )
    model = document("two_own_steps", body, {"branch_secretary": ["start", "t1", "t2", "end"]})
    run(deploy_definitions, actor=SYSTEM, sources={"two_own_steps.bpmn": model})
    started = api["sec1"].call(
        "post", "/api/v1/instances", {"process_key": "two_own_steps", "org_code": "U1-B1"}, 201
    )
    (first,) = api["sec1"].call("get", "/api/v1/tasks?view=claimable")["items"]
    assert first["instance_id"] == started["id"]
    done = api["sec1"].call("post", f"/api/v1/tasks/{first['id']}/complete", {"data": {}}, 200)
    (following,) = done["next_tasks"]  # the secretary goes on without listing again
    assert (following["title"], following["claimed"]) == ("第二步", False)
    last = api["sec1"].call("post", f"/api/v1/tasks/{following['id']}/complete", {"data": {}}, 200)
    assert last["next_tasks"] == []  # the procedure is done

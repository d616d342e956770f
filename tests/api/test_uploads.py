"""Forms with uploads and people through the API: files go up first, their references into the data;
the same checks as the pages."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.extensions import db
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from tests.api.test_api import _token

PDF = b"%PDF-1.4\n%%EOF\n"


def _valid_data(sink) -> dict:
    m = sink.members
    return {
        "topic": "经 API 提交",
        "host": m[0],
        "attendance": {"entitled": 3, "present": m[:2]},
        "signed": True,
        "actions": [{"issue": "补齐台账", "owner": m[1]}],
    }


def test_a_file_uploaded_through_the_api_is_referred_to_by_the_completion(app, client, sink):
    headers = {"Authorization": f"Bearer {_token(app, 'sec1')}"}
    detail = client.get(f"/api/v1/tasks/{sink.task_id}", headers=headers).get_json()
    assert detail["form"]["schema"]["properties"]["attendance"]["required"] == [
        "entitled",
        "present",
        "quorum_met",
    ]
    uploaded = client.post(
        f"/api/v1/tasks/{sink.task_id}/files",
        data={"record": (io.BytesIO(PDF), "记录.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    (ref,) = uploaded.get_json()["files"]["record"]
    assert (ref["name"], ref["type"]) == ("记录.pdf", "application/pdf")
    done = client.post(
        f"/api/v1/tasks/{sink.task_id}/complete",
        json={"data": _valid_data(sink) | {"record": ref["id"]}},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    assert db.session.get(HumanTask, sink.task_id).state is HumanTaskState.COMPLETED


def test_the_api_refuses_what_the_pages_refuse(app, client, sink):
    headers = {"Authorization": f"Bearer {_token(app, 'sec1')}"}
    refused = client.post(
        f"/api/v1/tasks/{sink.task_id}/files",
        data={"record": (io.BytesIO(b"<svg onload=alert(1)>"), "x.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "record" in refused.get_json()["error"]["fields"]
    bad = _valid_data(sink) | {"host": sink.stranger, "attendance": {"entitled": 3, "present": []}}
    answer = client.post(
        f"/api/v1/tasks/{sink.task_id}/complete", json={"data": bad}, headers=headers
    )
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) >= {"host", "attendance"}
    assert db.session.scalars(
        select(HumanTask.state).where(HumanTask.id == sink.task_id)
    ).one() is (HumanTaskState.READY)

"""Every field kind of procedures.yaml, through the task page: rendered with labels, read, checked on
the server with a message per field in Chinese, stored as typed JSON."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.extensions import db
from app.identity.models import OrgUnit
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import StepLogEntry
from tests.conftest import csrf_token
from tests.plugins.form_sink import valid_post


def _post(client, sink, changes: dict[str, object] | None = None, drop: tuple[str, ...] = ()):
    data = valid_post(sink) | (changes or {})
    for name in drop:
        data.pop(name)
    data["csrf_token"] = csrf_token(client, f"/inbox/tasks/{sink.task_id}")
    return client.post(f"/inbox/tasks/{sink.task_id}/complete", data=data)


def _stored(sink) -> dict:
    db.session.rollback()
    entry = db.session.scalars(
        select(StepLogEntry).where(
            StepLogEntry.instance_id == sink.instance_id, StepLogEntry.action == "task_completed"
        )
    ).one()
    return json.loads(entry.submitted_json)


def _error_of(page: str, field: str) -> str:
    match = re.search(rf'id="f-{re.escape(field)}-error">([^<]*)<', page)
    return match.group(1) if match else ""


def test_every_field_has_a_label_and_pickers_offer_only_this_branch(client, login, sink):
    login("sec1")
    page = client.get(f"/inbox/tasks/{sink.task_id}").get_data(as_text=True)
    for label in ("议题", "人数", "金额", "日期", "类型", "主持人", "列席人员", "到会情况", "表决"):
        assert label in page
    for field in ("topic", "notes", "count", "amount", "day", "at", "period", "kind", "host"):
        assert f'for="f-{field}"' in page
        assert f'id="f-{field}"' in page
    assert "成员0" in page
    assert "外支部人员" not in page
    assert 'enctype="multipart/form-data"' in page  # the form has uploads
    assert "<legend>基本信息</legend>" in page  # sections from the layout hints
    assert 'data-visible-field="escalate"' in page


def test_a_valid_submission_is_stored_as_typed_data(client, login, sink, people):
    login("sec1")
    response = _post(client, sink)
    assert response.status_code == 302, response.get_data(as_text=True)
    data = _stored(sink)
    m = sink.members
    assert (data["count"], data["ratio"], data["amount"]) == (12, 0.5, 1234.5)
    assert (data["held"], data["tags"], data["kind"]) == (True, ["x", "y"], "b")
    assert data["at"] == "2026-11-20T09:30:00+08:00"
    assert (data["host"], data["guests"]) == (m[0], [m[3], m[4]])
    assert data["attendance"] == {"entitled": 5, "present": m[:3], "quorum_met": True}
    assert (data["vote"]["passed"], data["vote"]["invalid"]) == (True, 0)
    assert data["actions"] == [{"issue": "台账不全", "owner": m[1], "due": "2026-12-31"}]
    assert data["signed"]["name"] == "sec1"
    assert data["signed"]["signed_at"].startswith("2026")
    assert "reason" not in data  # hidden by its condition: not kept
    assert db.session.get(HumanTask, sink.task_id).state is HumanTaskState.COMPLETED


def test_errors_come_back_per_field_in_chinese_with_the_input_kept(client, login, sink):
    login("sec1")
    response = _post(
        client,
        sink,
        {
            "topic": "保留我输入的议题",
            "count": "十二",
            "amount": "12.345",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error_of(page, "count") == "请填写正确类型的值。"
    assert _error_of(page, "amount") == "请填写正确类型的值。"
    assert 'value="保留我输入的议题"' in page
    assert db.session.get(HumanTask, sink.task_id).state is HumanTaskState.READY


def test_rules_of_composite_fields_are_checked_on_the_server(client, login, sink):
    login("sec1")
    m = sink.members
    response = _post(
        client,
        sink,
        {
            "host": str(sink.stranger),  # not on this branch's rolls
            "attendance.present": [str(m[0]), str(m[1])],  # 2 of 5: no quorum
            "vote.for": "4",  # more votes than the 3 present
            "actions.0.owner": "",  # a required column left empty
        },
        drop=("signed",),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _error_of(page, "host") == "请选择本支部在册人员。"
    assert _error_of(page, "attendance") == "到会人数未超过半数，会议不能召开。"
    assert _error_of(page, "vote") == "票数多于到会人数。"
    assert _error_of(page, "signed") == "此项为必填项。"
    assert "第 1 行 · 此项为必填项。" in page
    assert f'value="{m[0]}" checked' in page  # the ticked attendees stay ticked


def test_a_hidden_field_is_not_required(client, login, sink):
    login("sec1")
    assert _post(client, sink, drop=("reason",)).status_code == 302


def test_a_field_shown_by_its_condition_is_required(client, login, sink):
    login("sec1")
    response = _post(client, sink, {"escalate": "true", "reason": ""})
    assert response.status_code == 422
    assert _error_of(response.get_data(as_text=True), "reason") == "此项为必填项。"


def test_hostile_text_is_stored_as_given_and_shown_escaped(client, login, sink):
    login("sec1")
    hostile = '<script>alert("x")</script>'
    assert _post(client, sink, {"topic": hostile}).status_code == 302
    assert _stored(sink)["topic"] == hostile
    page = client.get(f"/instances/{sink.instance_id}").get_data(as_text=True)
    assert hostile not in page


def test_oversized_text_and_wrong_types_are_refused(client, login, sink):
    login("sec1")
    response = _post(client, sink, {"topic": "长" * 51, "kind": "c", "tags": ["z"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _error_of(page, "topic") == "不超过 50 个字符。"
    assert _error_of(page, "kind") == "请从选项中选择。"
    assert db.session.get(HumanTask, sink.task_id).state is HumanTaskState.READY


def test_a_draft_keeps_lists_and_composite_inputs(client, login, sink):
    login("sec1")
    data = valid_post(sink) | {"action": "draft"}
    data["csrf_token"] = csrf_token(client, f"/inbox/tasks/{sink.task_id}")
    assert client.post(f"/inbox/tasks/{sink.task_id}/complete", data=data).status_code == 302
    page = client.get(f"/inbox/tasks/{sink.task_id}").get_data(as_text=True)
    assert f'value="{sink.members[2]}" checked' in page
    assert 'value="台账不全"' in page


def test_an_organisation_picker_takes_only_the_kinds_it_offers(client, login, sink, people):
    login("sec1")
    ids = {row.code: row.id for row in db.session.execute(select(OrgUnit.code, OrgUnit.id))}
    group = ids["U1-B1-1"]  # visible to the secretary, but a party group, not a branch
    refused = _post(client, sink, {"unit": str(group)})
    assert _error_of(refused.get_data(as_text=True), "unit") == "请从提供的组织中选择。"
    assert _post(client, sink, {"unit": str(ids[people.tree.branch1])}).status_code == 302

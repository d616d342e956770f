"""Importing what other tools export (the BPMN MIWG test suite): every file is either kept as a
draft with each problem named on its element, or refused with a reason in Chinese — never an
error page."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from sqlalchemy import select

from app.designer.models import ModelDraft
from app.extensions import db
from tests.designer.helpers import company_holder
from tests.designer.helpers import post

MIWG = Path("/work/shared/miwg")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_miwg_model_is_kept_with_its_problems_named_or_refused_in_chinese(
    demo, client, login, app
):
    files = sorted(MIWG.rglob("*.bpmn"))
    assert len(files) >= 40
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    kept, refused = 0, 0
    for path in files:
        response = post(
            client,
            "/designer/new/import",
            {"file": (path.open("rb"), path.name)},
            content_type="multipart/form-data",
        )
        assert response.status_code in (302, 422), (path, response.status_code)
        if response.status_code == 422:
            message = response.get_data(as_text=True).split('id="import-error">')[1]
            assert CHINESE.search(message.split("</p>")[0]), path
            refused += 1
            continue
        kept += 1
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert page.count('<li data-element="') or "检查未发现问题" in page, path
    db.session.rollback()
    drafts = db.session.scalars(select(ModelDraft)).all()
    assert len(drafts) == kept
    for draft in drafts:
        for problem in json.loads(draft.problems_json):
            assert CHINESE.search(problem["message_zh"]), (draft.file_name, problem)
    print(f"MIWG: {kept} kept as drafts, {refused} refused")  # noqa: T201 - the test's figure


def test_what_is_no_model_is_refused_with_the_reason(demo, client, login, app):
    login(company_holder("process_designer"), app.config["DEMO_PASSWORD"])
    cases = {
        "notes.txt": (b"<x/>", "只能导入 .bpmn 或 .dmn 文件"),
        "evil.bpmn": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE"),
        "broken.bpmn": (b"<bpmn:definitions", "XML 格式错误"),
        "other.bpmn": (b'<definitions xmlns="urn:other"/>', "不是 BPMN 2.0 文档"),
    }
    for name, (data, reason) in cases.items():
        response = post(
            client,
            "/designer/new/import",
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert response.status_code == 422, name
        assert reason in response.get_data(as_text=True), name
    db.session.rollback()
    assert db.session.scalars(select(ModelDraft)).all() == []

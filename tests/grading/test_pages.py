"""The rubric pages: everyone in the organisation reads it; the organisation department edits it."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.grading.rubric.document import default_document
from app.grading.rubric.form import form_values
from app.grading.rubric.models import RubricVersion
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def tree(app):
    tree = make_tree()
    make_user("orgdept", name="组织部王芳")
    grant("orgdept", "company_org_dept", tree.company)
    make_user("secretary")
    grant("secretary", "branch_secretary", tree.branch1)
    make_user("nobody")
    return tree


def _post_edit(client, **changes: str):
    token = csrf_token(client, "/grading/rubric/edit")
    data = {**form_values(default_document()), "base_version": "0", "reason": "年度修订"}
    data.update(changes)
    return client.post("/grading/rubric/edit", data={"csrf_token": token, **data})


def _field(page: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert match, name
    return match.group(0)


def _versions() -> list[RubricVersion]:
    return list(db.session.scalars(select(RubricVersion).order_by(RubricVersion.version)))


def test_a_branch_secretary_reads_the_shipped_default_marked_as_proposal(client, login, tree):
    login("secretary")
    response = client.get("/grading/rubric")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in (
        "选配一个好书记",
        "C22",
        "荣誉与党员群众满意度",
        "连续3个月未开展组织生活",
        "示范党支部",
    ):
        assert text in page
    assert page.count('class="tag proposal"') == 8  # every value group is still the proposal
    assert "/grading/rubric/edit" not in page  # no edit link for readers


def test_a_branch_secretary_may_not_edit(client, login, tree):
    login("secretary")
    assert client.get("/grading/rubric/edit").status_code == 403
    token = csrf_token(client, "/grading/rubric")
    response = client.post(
        "/grading/rubric/edit",
        data={"csrf_token": token, **form_values(default_document()), "reason": "x"},
    )
    assert response.status_code == 403
    assert _versions() == []


def test_someone_without_a_role_gets_not_found(client, login, tree):
    login("nobody")
    assert client.get("/grading/rubric").status_code == 404
    assert client.get("/grading/rubric/edit").status_code == 404


def test_the_edit_form_needs_the_csrf_token(client, login, tree):
    login("orgdept")
    data = {**form_values(default_document()), "reason": "年度修订", "levels[0].min_score": "96"}
    assert client.post("/grading/rubric/edit", data=data).status_code == 400
    assert _versions() == []


def test_the_organisation_department_edits_and_publishes(client, login, tree):
    login("orgdept")
    page = client.get("/grading/rubric").get_data(as_text=True)
    assert "/grading/rubric/edit" in page
    form = client.get("/grading/rubric/edit").get_data(as_text=True)
    assert 'value="95"' in _field(form, "levels[0].min_score")
    assert 'name="csrf_token"' in form

    response = _post_edit(client, **{"levels[0].min_score": "96", "vetoes[4].zh": "弄虚作假"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/grading/rubric")
    (version,) = _versions()
    stored = json.loads(version.content_json)
    assert stored["levels"][0]["min_score"] == 96
    assert set(stored["proposals"]) == {
        "aspects",
        "bonus",
        "model_quota",
        "acceptance_sample",
        "stars",
        "classes",
    }
    event = last_audit_event()
    assert event.event_type == "rubric_published"
    assert json.loads(event.payload)["changes"]["levels[0].min_score"] == [95, 96]

    page = client.get("/grading/rubric").get_data(as_text=True)
    assert "≥ 96" in page
    assert page.count('class="tag proposal"') == 6  # levels and vetoes are the company's now
    history = page[page.index('id="history"') :]
    assert "组织部王芳" in history
    assert "年度修订" in history
    assert "示范党支部 › " in history  # what changed, by name
    assert "/grading/rubric/1" in history


def test_invalid_input_is_answered_422_with_chinese_messages_next_to_the_fields(
    client, login, tree
):
    login("orgdept")
    response = _post_edit(
        client,
        **{
            "aspects[0].criteria[0].points": "5",
            "levels[2].min_score": "九十",
            "stars[1].min_score": "96",
            "classes[2].stars": "2",
            "reason": "",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # each message right after its field, the input as typed
    for name, typed, message in (
        ("aspects[0].points", "14", "本方面各项指标分值合计15分，与方面分值14分不符。"),
        ("aspects[0].criteria[0].points", "5", None),
        ("levels[2].min_score", "九十", "请填写数字。"),
        ("stars[1].min_score", "96", "须低于5星的下限95分。"),
        ("classes[2].stars", "2", None),
    ):
        field = _field(page, name)
        assert f'value="{typed}"' in field
        if message:
            after = page[page.index(field) :][:400]
            assert message in after, name
    assert "1星未归入任何类别" in page
    assert 'aria-invalid="true"' in _field(page, "levels[2].min_score")
    assert _versions() == []


def test_an_old_version_stays_readable(client, login, tree):
    login("orgdept")
    assert _post_edit(client, **{"bonus.cap": "4"}).status_code == 302
    assert _post_edit(client, **{"bonus.cap": "3", "base_version": "1"}).status_code == 302
    old = client.get("/grading/rubric/1").get_data(as_text=True)
    assert "/grading/rubric/edit" not in old
    assert 'href="/grading/rubric"' in old  # a link to the rubric in force
    assert client.get("/grading/rubric/3").status_code == 404
    assert [json.loads(v.content_json)["bonus"]["cap"] for v in _versions()] == [4, 3]


def test_a_stale_form_is_a_conflict_and_keeps_the_input(client, login, tree):
    login("orgdept")
    assert _post_edit(client, **{"bonus.cap": "4"}).status_code == 302
    response = _post_edit(client, **{"bonus.cap": "2"})  # still based on version 0
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="2"' in _field(page, "bonus.cap")
    assert 'name="base_version" value="1"' in page
    assert len(_versions()) == 1


def test_a_reader_of_english_reads_the_rubric_in_english(client, login, tree):
    login("secretary")
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = client.get("/grading/rubric").get_data(as_text=True)
    for text in (
        "Party branch grading rubric (100 points)",
        "A good secretary",
        "Vacancy over 3 months: minus 2",
        "Model party branch",
        "One plan per branch; a leader&#39;s contact point",
    ):
        assert text in page
    for text in ("选配一个好书记", "出缺超过3个月扣2分", "示范党支部", "一支部一策"):
        assert text not in page

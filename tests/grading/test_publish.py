"""Publishing rubric versions: who may, what is stored, what the audit trail says."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.rubric import commands
from app.grading.rubric import queries
from app.grading.rubric.document import default_document
from app.grading.rubric.models import RubricVersion
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def people(app):
    tree = make_tree()
    users = {
        "orgdept": make_user("orgdept", name="组织部王芳"),
        "secretary": make_user("secretary"),
        "reviewer": make_user("reviewer"),
        "root": make_user("root"),
        "nobody": make_user("nobody"),
    }
    grant("orgdept", "company_org_dept", tree.company)
    grant("secretary", "branch_secretary", tree.branch1)
    grant("reviewer", "unit_org_reviewer", tree.unit1)
    grant("root", "system_admin", tree.company)
    return users


def _actor(people, login: str) -> Actor:
    return Actor(user_id=people[login], login=login)


def _publish(people, login: str, document, reason: str = "按公司党委会议决定调整", **extra):
    return run(
        commands.publish_rubric,
        actor=_actor(people, login),
        document=document,
        reason=reason,
        **extra,
    )


def _stored() -> list[RubricVersion]:
    return list(db.session.scalars(select(RubricVersion).order_by(RubricVersion.version)))


def test_current_rubric_falls_back_to_the_shipped_default(app):
    record = queries.current_rubric(db.session)
    assert record.is_shipped_default
    assert record.version == 0
    assert record.rubric.to_document() == default_document()
    assert _stored() == []


def test_publishing_stores_a_new_version_and_keeps_the_old_one(people):
    first = default_document()
    first["levels"][0]["min_score"] = 96
    assert _publish(people, "orgdept", first) == 1
    second = json.loads(json.dumps(first))
    second["bonus"]["cap"] = 3
    assert _publish(people, "orgdept", second, reason="加分上限调整为3分") == 2

    rows = _stored()
    assert [r.version for r in rows] == [1, 2]
    assert json.loads(rows[0].content_json) == first
    assert json.loads(rows[1].content_json) == second
    assert rows[1].created_by_user_id == people["orgdept"]
    assert rows[1].reason == "加分上限调整为3分"
    current = queries.current_rubric(db.session)
    assert (current.version, current.rubric.bonus_cap) == (2, 3)
    pinned = queries.rubric_version(db.session, rows[0].id)
    assert (pinned.version, pinned.rubric.levels[0].min_score, pinned.rubric.bonus_cap) == (
        1,
        96,
        5,
    )


def test_the_audit_trail_says_who_changed_what_and_why(people):
    document = default_document()
    document["levels"][0]["min_score"] = 96
    document["vetoes"][4]["zh"] = "弄虚作假"
    _publish(people, "orgdept", document, reason="  示范线提高到96分  ")
    event = last_audit_event()
    assert event.event_type == "rubric_published"
    assert event.actor_login == "orgdept"
    data = json.loads(event.payload)
    assert data["version"] == 1
    assert data["reason"] == "示范线提高到96分"
    assert data["changes"] == {
        "vetoes[4].zh": [default_document()["vetoes"][4]["zh"], "弄虚作假"],
        "levels[0].min_score": [95, 96],
    }


def test_an_invalid_document_stores_nothing_and_names_each_problem(people):
    document = default_document()
    document["aspects"][0]["criteria"][0]["points"] = 5
    document["levels"][1]["min_score"] = 99
    with pytest.raises(ValidationFailed) as refused:
        _publish(people, "orgdept", document, reason="")
    assert refused.value.field_errors == {
        "aspects[0].points": "本方面各项指标分值合计15分，与方面分值14分不符。",
        "levels[1].min_score": "须低于上一等级（示范）的分数线95分。",
        "reason": refused.value.field_errors["reason"],
    }
    assert _stored() == []


def test_publishing_the_same_rubric_again_is_refused(people):
    with pytest.raises(ValidationFailed):
        _publish(people, "orgdept", default_document())
    assert _stored() == []


@pytest.mark.parametrize("login", ["secretary", "reviewer"])
def test_branch_and_unit_people_may_not_publish(people, login):
    document = default_document()
    document["bonus"]["cap"] = 4
    with pytest.raises(Forbidden):
        _publish(people, login, document)
    assert _stored() == []


def test_someone_without_any_role_is_told_not_found(people):
    document = default_document()
    document["bonus"]["cap"] = 4
    with pytest.raises(NotFound):
        _publish(people, "nobody", document)


def test_a_system_administrator_may_publish(people):
    document = default_document()
    document["bonus"]["cap"] = 4
    assert _publish(people, "root", document) == 1


def test_a_stale_edit_is_a_conflict(people):
    document = default_document()
    document["bonus"]["cap"] = 4
    _publish(people, "orgdept", document, base_version=0)
    document["bonus"]["cap"] = 3
    with pytest.raises(Conflict):
        _publish(people, "orgdept", document, base_version=0)
    assert [r.version for r in _stored()] == [1]


def test_ensure_default_rubric_pins_the_shipped_default_once(people):
    version_id = run(commands.ensure_default_rubric, actor=SYSTEM)
    assert run(commands.ensure_default_rubric, actor=SYSTEM) == version_id
    rows = _stored()
    assert [(r.id, r.version) for r in rows] == [(version_id, 1)]
    assert json.loads(rows[0].content_json) == default_document()
    assert queries.rubric_version(db.session, version_id).rubric.is_proposal("levels")
    document = default_document()
    document["bonus"]["cap"] = 4
    assert _publish(people, "orgdept", document) == 2


def test_the_database_refuses_to_change_a_published_version(app, people):
    document = default_document()
    document["bonus"]["cap"] = 4
    _publish(people, "orgdept", document)
    engine = app.extensions["branchflow.db"].write
    for statement in ("UPDATE rubric_versions SET reason = 'x'", "DELETE FROM rubric_versions"):
        with pytest.raises(DatabaseError), engine.begin() as connection:
            connection.execute(text(statement))
    assert [r.reason for r in _stored()] == ["按公司党委会议决定调整"]


def test_the_command_line_stores_the_default_and_checks_files(app, tmp_path):
    cli = app.test_cli_runner()
    result = cli.invoke(args=["grading", "init"])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    assert [r.version for r in _stored()] == [1]
    assert cli.invoke(args=["grading", "init"]).exit_code == 0
    assert [r.version for r in _stored()] == [1]

    broken = default_document()
    broken["levels"][3]["min_score"] = 85
    path = tmp_path / "rubric.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = cli.invoke(args=["grading", "check", str(path)])
    assert result.exit_code == 1
    assert "levels[3].min_score" in result.output
    result = cli.invoke(args=["grading", "publish", str(path), "--reason", "试行"])
    assert result.exit_code == 1
    broken["levels"][3]["min_score"] = 75
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = cli.invoke(args=["grading", "publish", str(path), "--reason", "试行"])
    assert result.exit_code == 0, result.output
    assert [(r.version, r.created_by_login.startswith("cli:")) for r in _stored()] == [
        (1, True),
        (2, True),
    ]

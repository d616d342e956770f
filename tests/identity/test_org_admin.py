"""Building the tree and managing accounts: from the admin pages and from the command line."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries import get_org_by_code
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.conftest import log_in
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def tree(app):
    tree = make_tree()
    make_user("reviewer1")
    grant("reviewer1", "unit_org_reviewer", tree.unit1)
    return tree


def _post(client, path: str, form_page: str, **data: str):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **data})


def _add_under(client, parent: str, **fields: str):
    return _post(client, f"/admin/orgs/{parent}/children", f"/orgs/{parent}", **fields)


def _edit(client, code: str, **fields: str):
    return _post(client, f"/admin/orgs/{code}/edit", f"/admin/orgs/{code}/edit", **fields)


def _node(code: str) -> OrgUnit | None:
    db.session.rollback()
    return get_org_by_code(db.session, code)


def test_unit_reviewer_adds_a_branch_with_its_type_and_term(client, login, tree):
    login("reviewer1")
    response = _add_under(
        client,
        tree.unit1,
        kind="branch",
        code="U1-B9",
        name="新建项目部党支部",
        branch_type="project_construction",
        term_start="2026-01-01",
        term_end="2029-01-01",
    )
    assert response.status_code == 302
    node = _node("U1-B9")
    assert node.kind is OrgKind.BRANCH
    assert node.branch_type is BranchType.PROJECT_CONSTRUCTION
    assert node.path.startswith(_node(tree.unit1).path)
    assert "新建项目部党支部" in client.get("/orgs/U1-B9").get_data(as_text=True)
    event = last_audit_event()
    assert event.event_type == "org_unit_created"
    assert json.loads(event.payload)["parent_code"] == tree.unit1


def test_a_branch_without_a_type_is_refused_keeping_the_input(client, login, tree):
    login("reviewer1")
    response = _add_under(
        client,
        tree.unit1,
        kind="branch",
        code="U1-B9",
        name="缺类型党支部",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "党支部需要选择类型" in page
    assert 'value="缺类型党支部"' in page
    assert _node("U1-B9") is None


def test_duplicate_codes_and_wrong_places_are_refused(client, login, tree):
    login("reviewer1")
    duplicate = _add_under(
        client,
        tree.unit1,
        kind="branch",
        code=tree.branch1,
        name="重复",
        branch_type="territorial",
    )
    assert duplicate.status_code == 422
    assert "编码已被使用" in duplicate.get_data(as_text=True)
    # a party group cannot sit directly under a unit: the form does not even offer it
    group = _add_under(
        client,
        tree.unit1,
        kind="party_group",
        code="U1-X",
        name="小组",
    )
    assert group.status_code == 422
    assert _node("U1-X") is None


def test_unit_reviewer_cannot_add_to_another_unit(client, login, tree):
    login("reviewer1")
    response = _add_under(
        client,
        tree.unit2,
        kind="branch",
        code="U2-B9",
        name="越权",
        branch_type="territorial",
    )
    assert response.status_code == 404
    assert _node("U2-B9") is None


def test_editing_a_branch_records_old_and_new_values(client, login, tree):
    login("reviewer1")
    response = _edit(
        client,
        tree.branch1,
        name="东一采油站党支部（更名）",
        branch_type="production_flow",
        term_start="2026-01-01",
        term_end="2029-01-01",
    )
    assert response.status_code == 302
    assert _node(tree.branch1).name == "东一采油站党支部（更名）"
    event = last_audit_event()
    changes = json.loads(event.payload)["changes"]
    assert changes["name"] == ["东一采油站党支部", "东一采油站党支部（更名）"]
    assert changes["term_start"] == ["2025-01-01", "2026-01-01"]


def test_term_ending_before_it_starts_is_refused(client, login, tree):
    login("reviewer1")
    response = _edit(
        client,
        tree.branch1,
        name="东一采油站党支部",
        branch_type="production_flow",
        term_start="2026-01-01",
        term_end="2025-01-01",
    )
    assert response.status_code == 422
    assert "任期结束日期必须晚于开始日期" in response.get_data(as_text=True)
    assert _node(tree.branch1).term_start.isoformat() == "2025-01-01"


def test_deactivated_account_cannot_log_in_and_loses_its_session(client, app, tree):
    person = make_person("孙立", tree.branch1)
    make_user("sunli", person_id=person)
    grant("sunli", "member", tree.branch1)
    member = app.test_client()
    assert log_in(member, "sunli").status_code == 302

    log_in(client, "reviewer1")
    user_id = db.session.scalar(select(User.id).where(User.login == "sunli"))
    response = _post(
        client, f"/admin/users/{user_id}/active", f"/people/{person}", active="0", reason="调离油田"
    )
    assert response.status_code == 302
    assert member.get("/").status_code == 302  # the open session ended
    assert log_in(member, "sunli").status_code == 401
    event = last_audit_event()
    assert event.event_type == "login_failed"


def test_cli_builds_a_tree_from_nothing(app):
    cli = app.test_cli_runner()
    branch = "HQ01-01 一站党支部 --kind branch --parent HQ01 --branch-type production_flow"
    steps = [
        ["HQ", "示例公司党委", "--kind", "company"],
        ["HQ01", "一厂党委", "--kind", "unit", "--parent", "HQ"],
        [*branch.split(), "--term-start", "2025-03-01", "--term-end", "2028-03-01"],
    ]
    for args in steps:
        result = cli.invoke(args=["orgs", "add", *args])
        assert result.exit_code == 0, result.output
    refused = cli.invoke(
        args=["orgs", "add", "HQ01-02", "无类型", "--kind", "branch", "--parent", "HQ01"]
    )
    assert refused.exit_code == 1
    assert "branch_type" in refused.output
    admin = cli.invoke(args=["users", "create", "chief", "--admin"], input="a-long-password\n" * 2)
    assert admin.exit_code == 0, admin.output
    assert [n.code for n in db.session.scalars(select(OrgUnit).order_by(OrgUnit.depth))] == [
        "HQ",
        "HQ01",
        "HQ01-01",
    ]

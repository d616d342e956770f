"""The administration pages: browsing the tree and people, granting and revoking roles, scope."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from app.core.audit import verify_chain
from app.extensions import db
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.queries import get_org_by_code
from app.identity.queries import list_role_holders
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user

TODAY = date(2026, 11, 23)


@pytest.fixture
def tree(app):
    tree = make_tree()
    make_user("root")
    grant("root", "system_admin", tree.company)
    make_user("reviewer1")
    grant("reviewer1", "unit_org_reviewer", tree.unit1)
    make_user("newcomer")
    person = make_person("李红梅", tree.branch1)
    make_user("lihongmei", person_id=person, name="李红梅")
    grant("lihongmei", "member", tree.branch1)
    return tree


def _grant_via_page(client, org_code: str, **form: str):
    token = csrf_token(client, f"/orgs/{org_code}")
    return client.post(f"/admin/orgs/{org_code}/roles", data={"csrf_token": token, **form})


def _holds(login: str, role: str, org_code: str) -> bool:
    db.session.rollback()
    node = get_org_by_code(db.session, org_code)
    return login in [u.login for u in list_role_holders(db.session, role, node, TODAY)]


def test_admin_sees_the_whole_tree(client, login, tree):
    login("root")
    page = client.get("/admin/").get_data(as_text=True)
    for name in (
        "测试公司党委",
        "第一厂党委",
        "第二厂党委",
        "东区作业区党总支",
        "东一采油站党支部",
        "基地社区党支部",
    ):
        assert name in page


def test_people_search_finds_by_name_within_scope(client, login, tree):
    login("reviewer1")
    page = client.get("/admin/people", query_string={"q": "李红"}).get_data(as_text=True)
    assert "李红梅" in page
    assert "lihongmei" in page


def test_grant_through_the_page_is_applied_and_audited(client, login, tree):
    login("root")
    response = _grant_via_page(client, tree.branch1, login="newcomer", role_code="org_member")
    assert response.status_code == 302
    page = client.get(f"/orgs/{tree.branch1}").get_data(as_text=True)
    assert "newcomer" in page
    assert "组织委员" in page

    event = last_audit_event()
    assert event.event_type == "role_granted"
    assert event.actor_login == "root"
    assert json.loads(event.payload)["role_code"] == "org_member"
    assert verify_chain(db.session).ok


def test_role_that_does_not_apply_to_the_node_kind_is_refused_keeping_the_input(
    client, login, tree
):
    login("root")
    response = _grant_via_page(client, tree.unit1, login="newcomer", role_code="branch_secretary")
    # branch_secretary is not even offered at a unit: the form refuses the choice itself
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="newcomer"' in page
    assert (
        db.session.scalar(select(RoleAssignment).where(RoleAssignment.user.has(login="newcomer")))
        is None
    )


def test_unknown_login_is_refused_with_a_field_message(client, login, tree):
    login("root")
    response = _grant_via_page(client, tree.branch1, login="ghost", role_code="member")
    assert response.status_code == 422
    assert "不存在使用该用户名的有效用户" in response.get_data(as_text=True)


def test_granting_the_same_role_twice_is_refused(client, login, tree):
    login("root")
    response = _grant_via_page(client, tree.branch1, login="lihongmei", role_code="member")
    assert response.status_code == 422
    assert "已在本组织担任此角色" in response.get_data(as_text=True)


def test_unit_reviewer_administers_below_the_unit_only(client, login, tree):
    login("reviewer1")
    assert (
        _grant_via_page(client, tree.branch1, login="newcomer", role_code="member").status_code
        == 302
    )
    # not at the unit node itself: that is the company's business
    token = csrf_token(client, f"/orgs/{tree.unit1}")
    at_unit = client.post(
        f"/admin/orgs/{tree.unit1}/roles",
        data={"csrf_token": token, "login": "newcomer", "role_code": "auditor"},
    )
    assert at_unit.status_code == 403
    # nor anywhere in the other unit, which it cannot even see
    assert client.get(f"/orgs/{tree.branch3}").status_code == 404
    other = client.post(
        f"/admin/orgs/{tree.branch3}/roles",
        data={"csrf_token": token, "login": "newcomer", "role_code": "member"},
    )
    assert other.status_code == 404
    assert not _holds("newcomer", "member", tree.branch3)


def test_member_cannot_administer_or_see_other_branches(client, login, tree):
    login("lihongmei")
    assert client.get("/admin/").status_code == 403
    assert client.get(f"/orgs/{tree.branch1}").status_code == 200
    assert client.get(f"/orgs/{tree.branch2}").status_code == 404
    token = csrf_token(client, f"/orgs/{tree.branch1}")
    refused = client.post(
        f"/admin/orgs/{tree.branch1}/roles",
        data={"csrf_token": token, "login": "newcomer", "role_code": "member"},
    )
    assert refused.status_code == 403


def test_revoke_needs_a_reason_and_is_audited(client, login, tree):
    assignment = grant("newcomer", "org_member", tree.branch1)
    login("root")
    token = csrf_token(client, f"/admin/role-assignments/{assignment}/revoke")
    empty = client.post(
        f"/admin/role-assignments/{assignment}/revoke", data={"csrf_token": token, "reason": "  "}
    )
    assert empty.status_code == 422
    assert _holds("newcomer", "org_member", tree.branch1)

    done = client.post(
        f"/admin/role-assignments/{assignment}/revoke",
        data={"csrf_token": token, "reason": "调离本支部"},
    )
    assert done.status_code == 302
    assert not _holds("newcomer", "org_member", tree.branch1)
    event = last_audit_event()
    assert event.event_type == "role_revoked"
    assert json.loads(event.payload)["reason"] == "调离本支部"
    history = client.get(f"/orgs/{tree.branch1}", query_string={"history": "1"}).get_data(
        as_text=True
    )
    assert "已撤销" in history


def test_the_last_system_administrator_cannot_be_revoked(client, login, tree):
    login("root")
    root_assignment = db.session.scalar(
        select(RoleAssignment.id).where(RoleAssignment.role_code == "system_admin")
    )
    token = csrf_token(client, f"/admin/role-assignments/{root_assignment}/revoke")
    response = client.post(
        f"/admin/role-assignments/{root_assignment}/revoke",
        data={"csrf_token": token, "reason": "test"},
    )
    assert response.status_code == 422
    assert "最后一名系统管理员" in response.get_data(as_text=True)


def test_personal_records_are_shown_to_record_keepers_only(client, login, tree):
    person = db.session.scalar(select(Person).where(Person.name == "李红梅"))
    make_user("member2", person_id=make_person("赵强", tree.branch1))
    grant("member2", "member", tree.branch1)
    make_user("sec")
    grant("sec", "branch_secretary", tree.branch1)

    login("member2")
    assert "1985-05-01" not in client.get(f"/people/{person.id}").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("sec")
    assert "1985-05-01" in client.get(f"/people/{person.id}").get_data(as_text=True)

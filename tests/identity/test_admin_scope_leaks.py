"""An administrator's refused POST on a person of another unit tells nothing about that person
(issue 10, item 9): the same answer as for a person who does not exist, with no id or name in the
status, the Location header, the page or the flashed messages, and nothing changed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from app.identity.models import RoleAssignment
from app.identity.models import User
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user

GIVE_A_REASON_ZH = "请填写理由。"
NO_SUCH_LOGIN_ZH = "不存在使用该用户名的有效用户"
NAME = "欧阳远山"  # the person of the other unit: a name found nowhere else on any page
MISSING_USER_ID = 999_999
CSRF_VALUE = re.compile(r'(name="csrf_token" type="hidden" value=|name="csrf_token" value=)"[^"]*"')


@pytest.fixture
def tree(app):
    """reviewer1 administers unit 1 only; ouyang is a person of a branch of unit 2."""
    tree = make_tree()
    make_user("reviewer1")
    grant("reviewer1", "unit_org_reviewer", tree.unit1)
    make_user("ouyang", person_id=make_person(NAME, tree.branch3), name=NAME)
    grant("ouyang", "member", tree.branch3)
    make_user("nobody_holds")  # an account tied to no organisation yet
    return tree


def _ids(login: str) -> tuple[int, int | None]:
    db.session.rollback()
    user = db.session.scalars(select(User).where(User.login == login)).one()
    return user.id, user.person_id


def _state() -> tuple[int, int, list[bool]]:
    """What a refused request must leave as it was: assignments, audit events, accounts."""
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(RoleAssignment)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        list(db.session.scalars(select(User.active).order_by(User.id))),
    )


def _without_tokens(page: str) -> str:
    """A page with its CSRF tokens blanked: each is signed with the second it was made, so two
    answers a second apart differ there and nowhere that tells anything."""
    return CSRF_VALUE.sub(r'\1"TOKEN"', page)


def _flashes(client) -> list:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


def _tells_nothing(client, response, *secrets: object) -> None:
    assert "Location" not in response.headers
    text = response.get_data(as_text=True) + repr(_flashes(client))
    for secret in secrets:
        assert str(secret) not in text, secret


@pytest.mark.parametrize("reason", ["", "调离"], ids=["without a reason", "with a reason"])
@pytest.mark.parametrize("active", ["0", "1"])
def test_account_of_another_unit_is_answered_as_if_it_did_not_exist(
    client, login, tree, reason, active
):
    user_id, person_id = _ids("ouyang")
    login("reviewer1")
    token = csrf_token(client, "/admin/people")
    before = _state()
    answers = {}
    for target in (user_id, MISSING_USER_ID):
        path = f"/admin/users/{target}/active"
        response = client.post(path, data={"csrf_token": token, "active": active, "reason": reason})
        _tells_nothing(client, response, f"/people/{person_id}", NAME, "ouyang")
        # The page names the address asked for (the language switch returns there), nothing more.
        page = _without_tokens(response.get_data(as_text=True)).replace(path, "")
        answers[target] = (response.status_code, page)
    assert answers[user_id] == answers[MISSING_USER_ID]
    assert answers[user_id][0] == 404
    assert _state() == before


def test_account_tied_to_no_organisation_is_answered_as_if_it_did_not_exist(client, login, tree):
    user_id, _person = _ids("nobody_holds")
    login("reviewer1")
    token = csrf_token(client, "/admin/people")
    before = _state()
    for reason in ("", "调离"):
        response = client.post(
            f"/admin/users/{user_id}/active",
            data={"csrf_token": token, "active": "0", "reason": reason},
        )
        assert response.status_code == 404
        _tells_nothing(client, response, "nobody_holds")
    assert _state() == before


def test_own_unit_account_still_gets_its_page_and_message(client, login, tree):
    make_user("sunli", person_id=make_person("孙立", tree.branch1))
    grant("sunli", "member", tree.branch1)
    user_id, person_id = _ids("sunli")
    login("reviewer1")
    token = csrf_token(client, f"/people/{person_id}")
    response = client.post(
        f"/admin/users/{user_id}/active", data={"csrf_token": token, "active": "0", "reason": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/people/{person_id}")
    assert [message for _category, message in _flashes(client)] == [GIVE_A_REASON_ZH]
    assert False not in _state()[2]  # nothing deactivated without a reason


def test_granting_a_role_to_a_person_of_another_unit_is_like_an_unknown_login(client, login, tree):
    login("reviewer1")
    token = csrf_token(client, f"/orgs/{tree.branch1}")
    before = _state()
    answers = {}
    for grantee in ("ouyang", "ghost"):
        response = client.post(
            f"/admin/orgs/{tree.branch1}/roles",
            data={"csrf_token": token, "login": grantee, "role_code": "member"},
        )
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert NO_SUCH_LOGIN_ZH in page
        _tells_nothing(client, response, NAME, f"/people/{_ids('ouyang')[1]}")
        answers[grantee] = _without_tokens(page).replace(grantee, "LOGIN")
    assert answers["ouyang"] == answers["ghost"]
    assert _state() == before


def test_a_system_administrator_still_grants_to_anyone(client, login, tree):
    make_user("root")
    grant("root", "system_admin", tree.company)
    login("root")
    token = csrf_token(client, f"/orgs/{tree.branch1}")
    response = client.post(
        f"/admin/orgs/{tree.branch1}/roles",
        data={"csrf_token": token, "login": "ouyang", "role_code": "org_member"},
    )
    assert response.status_code == 302

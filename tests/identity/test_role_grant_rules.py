"""Role grants follow the regulations (issue 17): a probationary member cannot hold a branch
committee post, and a post someone else already holds is granted only once the administrator
confirms it (the page warns with the holder's name); each refusal changes nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.commands import grant_role
from app.identity.commands.members import change_party_status
from app.identity.kinds import PartyStatus
from app.identity.models import RoleAssignment
from app.identity.models import User
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def tree(app):
    tree = make_tree()
    make_user("root")
    grant("root", "system_admin", tree.company)
    make_user("zhao", person_id=make_person("赵预备", tree.branch1, PartyStatus.PROBATIONARY))
    make_user("wang", person_id=make_person("王建国", tree.branch1), name="王建国")
    make_user("liu", person_id=make_person("刘卫东", tree.branch1), name="刘卫东")
    grant("wang", "org_member", tree.branch1, valid_from=date(2024, 1, 1))
    return tree


def _grant_via_page(client, org_code: str, **form: str):
    token = csrf_token(client, f"/orgs/{org_code}")
    return client.post(f"/admin/orgs/{org_code}/roles", data={"csrf_token": token, **form})


def _assignments() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(RoleAssignment))


@pytest.mark.parametrize(
    "role",
    [
        "branch_secretary",
        "deputy_secretary",
        "propaganda_member",
        "discipline_member",
        "branch_committee",
    ],
)
def test_a_probationary_member_is_not_granted_a_committee_post(client, login, tree, role):
    login("root")
    before = _assignments()
    response = _grant_via_page(client, tree.branch1, login="zhao", role_code=role)
    assert response.status_code == 422
    assert "赵预备 在 2026-11-23 为预备党员，预备党员不能担任支部委员会职务" in response.get_data(
        as_text=True
    )
    assert _assignments() == before


def test_a_probationary_member_may_hold_other_roles(client, login, tree):
    login("root")
    response = _grant_via_page(client, tree.branch1, login="zhao", role_code="member")
    assert response.status_code == 302


def test_a_second_holder_is_granted_only_once_confirmed(client, login, tree):
    login("root")
    before = _assignments()
    warned = _grant_via_page(client, tree.branch1, login="liu", role_code="org_member")
    assert warned.status_code == 422
    page = warned.get_data(as_text=True)
    assert "王建国 在 2026-11-23 已在本组织担任此职务" in page
    assert 'name="confirm_other_holder"' in page  # the page asks to confirm
    assert 'value="liu"' in page  # and keeps what was typed
    assert _assignments() == before

    confirmed = _grant_via_page(
        client, tree.branch1, login="liu", role_code="org_member", confirm_other_holder="y"
    )
    assert confirmed.status_code == 302
    assert _assignments() == before + 1
    event = last_audit_event()
    assert event.event_type == "role_granted"
    assert json.loads(event.payload)["other_holders"] == ["wang"]


def test_no_warning_once_the_other_holder_has_left_the_post(tree):
    run(grant_role, actor=SYSTEM, org_code=tree.branch1, login="liu", role_code="dues_clerk")
    with pytest.raises(ValidationFailed) as refused:  # someone holds it from today on
        run(grant_role, actor=SYSTEM, org_code=tree.branch1, login="wang", role_code="dues_clerk")
    assert "confirm_other_holder" in refused.value.field_errors
    # from a day before the holder's post began there is no one to warn about
    run(
        grant_role,
        actor=SYSTEM,
        org_code=tree.branch1,
        login="wang",
        role_code="dues_clerk",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 6, 30),
    )


def test_roles_many_people_hold_are_granted_without_a_warning(tree):
    grant("wang", "branch_committee", tree.branch1)
    run(grant_role, actor=SYSTEM, org_code=tree.branch1, login="liu", role_code="branch_committee")


def test_the_status_on_the_first_day_of_the_post_decides(tree):
    """赵预备 became a full member on 1 October: a post from September is refused, from October
    granted."""
    run(
        change_party_status,
        actor=SYSTEM,
        person_id=db.session.scalars(select(User.person_id).where(User.login == "zhao")).one(),
        to_status="full",
        effective_on=date(2026, 10, 1),
        reason="支部大会决议按期转正",
        instance_id=1,
    )
    before = _assignments()
    with pytest.raises(ValidationFailed) as refused:
        run(
            grant_role,
            actor=SYSTEM,
            org_code=tree.branch1,
            login="zhao",
            role_code="propaganda_member",
            valid_from=date(2026, 9, 1),
        )
    assert "预备党员" in refused.value.field_errors["login"]
    assert _assignments() == before
    run(
        grant_role,
        actor=SYSTEM,
        org_code=tree.branch1,
        login="zhao",
        role_code="propaganda_member",
        valid_from=date(2026, 10, 1),
    )
    assert _assignments() == before + 1

"""Organisation queries: a unit's branches, a branch's ancestors, the holder of a role nearby."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity import queries
from app.identity.commands import revoke_role
from app.identity.models import User
from app.identity.policy import load_scope
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user

TODAY = date(2026, 11, 23)


@pytest.fixture
def tree(app):
    return make_tree()


def org(code: str):
    return queries.get_org_by_code(db.session, code)


def test_a_units_branches_include_those_under_general_branches(tree):
    codes = [b.code for b in queries.list_branches_under(db.session, org(tree.unit1))]
    assert sorted(codes) == [tree.branch1, tree.branch2]
    assert [b.code for b in queries.list_branches_under(db.session, org(tree.unit2))] == [
        tree.branch3
    ]


def test_a_branchs_ancestors_run_from_the_company_down(tree):
    chain = [n.code for n in queries.list_ancestors(db.session, org(tree.branch1_group1))]
    assert chain == [tree.company, tree.unit1, tree.general, tree.branch1]


def test_children_and_subtree(tree):
    assert [n.code for n in queries.list_children(db.session, org(tree.company).id)] == [
        tree.unit1,
        tree.unit2,
    ]
    subtree = {n.code for n in queries.list_subtree(db.session, org(tree.unit2))}
    assert subtree == {tree.unit2, tree.branch3, tree.branch3_group}


def test_role_holder_at_the_node_itself(tree):
    make_user("sec")
    grant("sec", "branch_secretary", tree.branch1)
    holders = queries.list_role_holders(db.session, "branch_secretary", org(tree.branch1), TODAY)
    assert [u.login for u in holders] == ["sec"]


def test_role_holder_found_at_the_nearest_ancestor(tree):
    for login, node in (("company_rev", tree.company), ("unit_rev", tree.unit1)):
        make_user(login)
        grant(login, "auditor", node)
    nearest = queries.list_role_holders(db.session, "auditor", org(tree.branch1_group1), TODAY)
    assert [u.login for u in nearest] == ["unit_rev"]
    # Unit 2 has no auditor of its own: the company's answers.
    fallback = queries.list_role_holders(db.session, "auditor", org(tree.branch3), TODAY)
    assert [u.login for u in fallback] == ["company_rev"]


def test_nobody_holds_a_role_that_was_never_granted(tree):
    assert queries.list_role_holders(db.session, "unit_organizer", org(tree.branch1), TODAY) == []


def test_holders_of_another_subtree_are_not_found(tree):
    make_user("u2_reviewer")
    grant("u2_reviewer", "unit_org_reviewer", tree.unit2)
    assert (
        queries.list_role_holders(db.session, "unit_org_reviewer", org(tree.branch1), TODAY) == []
    )


class TestValidityWindow:
    """Assignments outside their validity window grant nothing."""

    @pytest.fixture
    def user(self, tree):
        make_user("zhang")
        return "zhang"

    def _holdings(self, user_login: str, day: date = TODAY):
        user = queries.get_user_by_login(db.session, user_login)
        return load_scope(db.session, user.id, day).holdings

    def test_assignment_starting_tomorrow_grants_nothing_today(self, tree, user):
        grant(user, "branch_secretary", tree.branch1, valid_from=date(2026, 11, 24))
        assert self._holdings(user) == ()
        assert (
            queries.list_role_holders(db.session, "branch_secretary", org(tree.branch1), TODAY)
            == []
        )
        assert len(self._holdings(user, date(2026, 11, 24))) == 1

    def test_assignment_that_ended_yesterday_grants_nothing_today(self, tree, user):
        grant(
            user,
            "branch_secretary",
            tree.branch1,
            valid_from=date(2023, 1, 1),
            valid_to=date(2026, 11, 22),
        )
        assert self._holdings(user) == ()
        assert len(self._holdings(user, date(2026, 11, 22))) == 1  # the last day still counts

    def test_revoked_assignment_grants_nothing(self, tree, user):
        assignment = grant(user, "branch_secretary", tree.branch1)
        run(revoke_role, actor=SYSTEM, assignment_id=assignment, reason="换届")
        assert self._holdings(user) == ()

    def test_inactive_user_holds_no_role_for_tasks(self, tree, user):
        grant(user, "branch_secretary", tree.branch1)
        with db.engines.write.begin() as connection:
            connection.execute(update(User).where(User.login == user).values(active=False))
        assert (
            queries.list_role_holders(db.session, "branch_secretary", org(tree.branch1), TODAY)
            == []
        )

    def test_expired_assignment_gives_no_access_to_the_branch_page(
        self, tree, user, client, login, clock
    ):
        grant(
            user,
            "branch_secretary",
            tree.branch1,
            valid_from=date(2023, 1, 1),
            valid_to=date(2026, 11, 30),
        )
        login(user)
        assert client.get(f"/orgs/{tree.branch1}").status_code == 200
        clock.advance(days=8)
        assert client.get(f"/orgs/{tree.branch1}").status_code == 404

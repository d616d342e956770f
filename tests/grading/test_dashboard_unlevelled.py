"""The levels dashboard counts the branches holding no level in their own column, so that its
numbers add up to every branch (issue 17: 83 of 85 shown, the 2 without a level left out)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.identity.kinds import Level
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.levels.helpers import rec


@pytest.fixture
def tree(app):
    tree = make_tree()
    make_user("orgdept")
    grant("orgdept", "company_org_dept", tree.company)
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10))
    rec(tree.branch2, Level.BASIC, date(2024, 3, 10))
    return tree  # branch3 (unit U2) has never been graded


def test_branches_without_a_level_have_their_own_column(client, login, tree):
    login("orgdept")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "未定级" in page
    assert re.search(r'data-unlevelled="U1">0<', page)
    u2 = re.search(r'data-unlevelled="U2"><a href="([^"]+)">1</a>', page)
    assert u2 is not None
    assert re.search(r'id="unlevelled-total"><a [^>]+>1</a>', page)
    assert 'id="all-branches-total">3<' in page
    assert "有 1 个党支部没有等级" in page

    listed = client.get(u2.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'<small class="code">(U\d-B\d)</small>', listed) == [tree.branch3]
    assert "未定级" in listed


def test_before_any_grading_every_branch_is_unlevelled(client, login, tree):
    login("orgdept")
    page = client.get("/dashboard?on=2024-01-01").get_data(as_text=True)
    assert 'id="all-branches-total">3<' in page
    assert re.search(r'id="unlevelled-total"><a [^>]+>3</a>', page)

"""The reviewer's "coming up" list: grading cycles of the branches of their unit still at the
branches' stages; refused to a branch's people."""

from __future__ import annotations

import re

import pytest

from app.core.commands import SYSTEM
from app.core.commands import run
from app.grading.cycle.start import start_cycle
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from tests.conftest import ROOT
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.plugins.people import actor

PROCESSES = ROOT / "processes"


@pytest.fixture
def cycle(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(deploy_definitions, actor=SYSTEM, sources=read_model_files([PROCESSES], root=PROCESSES))
    for login, role, org in (
        ("orgdept", "company_org_dept", tree.company),
        ("rev1", "unit_org_reviewer", tree.unit1),
        ("secretary", "branch_secretary", tree.branch1),
    ):
        make_user(login)
        grant(login, role, org)
    run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.company)
    return tree


def test_the_unit_reviewer_sees_the_cycles_of_the_units_branches_coming(client, login, cycle):
    login("rev1")
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert 'href="/inbox/upcoming"' in inbox
    page = client.get("/inbox/upcoming").get_data(as_text=True)
    assert page.count('href="/instances/') == 2  # U1-B1 and U1-B2, not U2-B1 of the other unit
    assert "东一采油站党支部" in page
    assert "达标晋级" in page  # the procedure
    assert "2026-11-23" in page  # started today (Beijing)
    assert page.count('data-label="当前环节期限">2026-12-23</td>') == 2  # the step's 30 days
    assert page.count('<td data-label="当前环节">支部自评</td>') == 2  # the branch's own stage
    assert "二级单位党委组织（党群）部审核人" in page  # the role it will reach, by name
    assert "unit_org_reviewer" not in page
    first = re.search(r'href="(/instances/\d+)"', page).group(1)
    assert client.get(first).status_code == 200  # the link opens the procedure


def test_a_branch_secretary_is_refused_and_sees_no_tab(client, login, cycle):
    login("secretary")
    assert 'href="/inbox/upcoming"' not in client.get("/inbox/").get_data(as_text=True)
    assert client.get("/inbox/upcoming").status_code == 403

"""The pages of the annual dynamic analysis: the screening grouped by class (every count equals the
rows behind it), seen by the company whole and by a unit for its own branches only; the start and
designation forms of the company organisation department (CSRF, Chinese messages, refusals that
change nothing); the plans of the class-C branches once the committee approves."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.grading.analysis.models import DynamicAnalysis
from app.grading.analysis.models import ImprovementPlan
from app.grading.analysis.models import WeakDesignation
from app.grading.ratings.commands import rate_branch
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user

PROCESSES = ROOT / "processes"
PAGE = "/grading/analysis/2026"
#: The tree's branches rated so that each class has one: A, C (2★), B.
SCORES = {"U1-B1": 95, "U1-B2": 72, "U2-B1": 85}
UNIT_OF = {"U1-B1": "U1", "U1-B2": "U1", "U2-B1": "U2"}


@pytest.fixture
def tree(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(deploy_definitions, actor=SYSTEM, sources=read_model_files([PROCESSES], root=PROCESSES))
    for login, role, org in [
        ("orgdept", "company_org_dept", tree.company),
        ("committee", "company_party_committee", tree.company),
        ("reviewer", "unit_org_reviewer", tree.unit1),
        ("reviewer2", "unit_org_reviewer", tree.unit2),
        ("secretary", "branch_secretary", tree.branch1),
    ]:
        make_user(login)
        grant(login, role, org)
    make_user("nobody")
    for code, score in SCORES.items():
        run(
            rate_branch,
            actor=SYSTEM,
            branch_id=_org(code).id,
            score=score,
            has_veto=False,
            source="manual",
            rated_on=date(2026, 6, 30),
        )
    return tree


def _org(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def actor(login: str) -> Actor:
    user = db.session.scalars(select(User).where(User.login == login)).one()
    return Actor(user_id=user.id, login=login, source="test")


def _counts(page: str) -> dict[str, int]:
    section = page.split('id="class-counts"')[1].split("</table>")[0]
    return {k: int(n) for k, n in re.findall(r'data-class="(\w+)">(\d+)<', section)}


def _section(page: str, key: str) -> list[str]:
    """Branch codes listed in the screening group of class ``key``."""
    part = page.split(f'id="class-{key}"')[1].split("</section>")[0]
    return re.findall(r'<tr data-branch="([^"]+)"', part)


def _post(client, path: str, **data: str):
    return client.post(path, data={"csrf_token": csrf_token(client, PAGE), **data})


def test_the_company_sees_every_branch_and_each_count_equals_its_rows(client, login, tree):
    login("orgdept")
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    counts = _counts(page)
    assert counts == {"A": 1, "B": 1, "C": 1, "unrated": 0}
    for key, number in counts.items():
        assert len(_section(page, key)) == number
        if number:
            link = f'href="/grading/analysis/2026?class={key}#class-{key}"'
            assert link in page
            shown = client.get(f"{PAGE}?class={key}").get_data(as_text=True)
            assert len(_section(shown, key)) == number
            assert all(f'id="class-{other}"' not in shown for other in counts if other != key)
    assert _section(page, "A") == ["U1-B1"]
    assert _section(page, "C") == ["U1-B2"]
    assert _section(page, "B") == ["U2-B1"]
    assert f'action="{PAGE}/start"' in page  # the department may start it
    assert 'name="csrf_token"' in page


def test_a_unit_sees_only_its_own_branches(client, login, tree):
    login("reviewer")
    page = client.get(PAGE).get_data(as_text=True)
    counts = _counts(page)
    assert sum(counts.values()) == 2
    listed = [code for key in counts for code in _section(page, key)]
    assert sorted(listed) == ["U1-B1", "U1-B2"]
    assert "U2-B1" not in page
    assert f"{PAGE}/start" not in page  # no start form for a unit
    assert client.get("/grading/analysis").status_code == 200


@pytest.mark.parametrize("user", ["secretary", "nobody"])
def test_branch_users_and_outsiders_are_told_not_found(client, login, tree, user):
    login(user)
    assert client.get(PAGE).status_code == 404
    assert client.get("/grading/analysis").status_code == 404


def test_unknown_classes_and_years_are_not_found(client, login, tree):
    login("orgdept")
    assert client.get(f"{PAGE}?class=D").status_code == 404
    assert client.get("/grading/analysis/2027").status_code == 404  # not begun
    assert client.get("/grading/analysis/1999").status_code == 404


def test_starting_needs_the_token_and_happens_once_a_year(client, login, tree):
    login("orgdept")
    assert client.post(f"{PAGE}/start").status_code == 400
    assert db.session.query(DynamicAnalysis).count() == 0
    response = _post(client, f"{PAGE}/start")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(PAGE)
    event = last_audit_event()
    assert event.event_type == "dynamic_analysis_started"
    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-status="running"' in page
    assert f"{PAGE}/start" not in page  # no second start offered
    again = _post(client, "/grading/analysis", year="2026")
    assert again.status_code == 409
    assert 'id="analysis-year-error"' in again.get_data(as_text=True)
    db.session.rollback()
    assert db.session.query(DynamicAnalysis).count() == 1
    listing = client.get("/grading/analysis").get_data(as_text=True)
    row = listing.split('data-year="2026"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1", "1", "0", "0"]


def test_a_unit_may_not_start_or_designate(client, login, tree):
    login("reviewer")
    assert _post(client, f"{PAGE}/start").status_code == 403
    assert _post(client, "/grading/analysis", year="2026").status_code == 403
    response = _post(
        client, f"{PAGE}/weak", branch_code="U1-B1", reason="班子涣散", valid_until="2027-12-31"
    )
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.query(DynamicAnalysis).count() == 0
    assert db.session.query(WeakDesignation).count() == 0


def test_a_bad_year_is_answered_422_and_starts_nothing(client, login, tree):
    login("orgdept")
    for year in ("abc", "2027", "1999"):
        response = _post(client, "/grading/analysis", year=year)
        assert response.status_code == 422, year
        assert 'id="analysis-year-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.query(DynamicAnalysis).count() == 0


def test_a_proposed_weak_branch_moves_to_class_c(client, login, tree):
    login("orgdept")
    response = _post(
        client,
        f"{PAGE}/weak",
        branch_code="U2-B1",
        reason="组织生活长期不正常",
        valid_until="2027-12-31",
    )
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert _counts(page) == {"A": 1, "B": 0, "C": 2, "unrated": 0}
    assert _section(page, "C") == ["U1-B2", "U2-B1"]
    designations = page.split('id="designations"')[1]
    assert "组织生活长期不正常" in designations
    (designation_id,) = re.findall(r'data-designation="(\d+)"', designations)
    withdrawn = _post(client, f"{PAGE}/weak/{designation_id}/withdraw")
    assert withdrawn.status_code == 302
    assert _counts(client.get(PAGE).get_data(as_text=True))["C"] == 1


def test_an_invalid_proposal_is_answered_next_to_its_fields(client, login, tree):
    login("orgdept")
    response = _post(client, f"{PAGE}/weak", branch_code="", reason="x", valid_until="2020-01-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("weak-branch-error", "weak-reason-error", "weak-until-error"):
        assert f'id="{name}"' in page
    assert 'aria-invalid="true"' in page
    db.session.rollback()
    assert db.session.query(WeakDesignation).count() == 0


def _approve(tree) -> None:
    analysis = db.session.scalars(select(DynamicAnalysis)).one()
    for login, element, data in [
        (
            "orgdept",
            "confirm",
            {
                "screening_summary": "过筛体检结果",
                "classification_confirmed": True,
                "differentiated_measures": "抓两头带中间",
            },
        ),
        (
            "committee",
            "approve",
            {
                "analysis_decision": "approved",
                "decision_no": "C党发〔2026〕1号",
                "approve_opinion": "同意",
            },
        ),
    ]:
        db.session.rollback()
        task = db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == analysis.instance_id,
                HumanTask.state == HumanTaskState.READY,
            )
        ).one()
        assert task.element_id == element
        run(commands.complete_task, actor=actor(login), task_id=task.id, data=data)


def test_after_approval_each_c_branch_shows_its_plan(client, login, tree):
    login("orgdept")
    _post(
        client, f"{PAGE}/weak", branch_code="U2-B1", reason="班子不团结", valid_until="2027-12-31"
    )
    assert _post(client, f"{PAGE}/start").status_code == 302
    _approve(tree)
    db.session.rollback()
    plans = {p.branch_id: p.instance_id for p in db.session.scalars(select(ImprovementPlan)).all()}
    assert set(plans) == {_org("U1-B2").id, _org("U2-B1").id}

    page = client.get(PAGE).get_data(as_text=True)
    assert 'data-status="approved"' in page
    section = page.split('id="plans"')[1].split("</section>")[0]
    rows = dict(re.findall(r'<tr data-branch="([^"]+)" data-stage="(\w+)"', section))
    assert rows == {"U1-B2": "draft", "U2-B1": "draft"}
    for instance_id in plans.values():
        assert f'href="/instances/{instance_id}"' in section

    # the unit sees its own branch's plan only
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, PAGE)})
    login("reviewer")
    section = client.get(PAGE).get_data(as_text=True).split('id="plans"')[1]
    assert re.findall(r'<tr data-branch="([^"]+)"', section.split("</section>")[0]) == ["U1-B2"]

    # the dashboard's C-class list now names the weak and lax branch
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    login("orgdept")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    c_list = dashboard.split('id="c-class"')[1].split('id="cycle-progress"')[0]
    assert re.findall(r'data-branch="([^"]+)"', c_list) == ["U1-B2", "U2-B1"]
    assert "班子不团结" in c_list  # the reason, on the weak-and-lax tag

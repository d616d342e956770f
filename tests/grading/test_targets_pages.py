"""The annual targets' pages (/grading/targets): the company organisation department starts the
year's target setting (CSRF-protected, once per year) and reads the comparison of every unit; a
unit user reads their own unit only; a branch user is told "not found"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.grading.targets.models import GradingTarget
from app.grading.targets.models import TargetSetting
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user

PROCESSES = ROOT / "processes"
YEAR = 2027


@pytest.fixture
def tree(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(deploy_definitions, actor=SYSTEM, sources=read_model_files([PROCESSES], root=PROCESSES))
    for login, role, org in (
        ("orgdept", "company_org_dept", tree.company),
        ("committee", "company_party_committee", tree.company),
        ("reviewer", "unit_org_reviewer", tree.unit1),
        ("unitcommittee", "unit_party_committee", tree.unit1),
        ("secretary", "branch_secretary", tree.branch1),
    ):
        make_user(login)
        grant(login, role, org)
    return tree


def _actor(login: str) -> Actor:
    user = db.session.scalars(select(User).where(User.login == login)).one()
    return Actor(user_id=user.id, login=login, source="test")


def _complete(login: str, step: str, data: dict, org: str | None = None) -> None:
    """Complete the open ``step`` (of the instance at ``org``, when several are open)."""
    db.session.rollback()
    query = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(HumanTask.element_id == step, HumanTask.state == HumanTaskState.READY)
    )
    if org is not None:
        query = query.where(OrgUnit.code == org)
    task = db.session.scalars(query).one()
    run(commands.complete_task, actor=_actor(login), task_id=task.id, data=data)


def _start_from_the_page(client) -> None:
    token = csrf_token(client, "/grading/targets")
    started = client.post("/grading/targets", data={"csrf_token": token, "year": str(YEAR)})
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/grading/targets/{YEAR}")


def _publish() -> None:
    counts = {"model": 0, "red_flag": 1, "standardised": 2, "basic_max": 1}
    data = {f"target_{k}": n for k, n in counts.items()} | {
        "target_not_up_to_standard_max": 0,
        "key_tasks": [{"task": "规范“三会一课”"}],
        "schedule": "一季度分解申报",
        "measures": "结对指导",
    }
    _complete("orgdept", "draft", data)
    _complete(
        "committee",
        "approve",
        {"decision": "approve", "decision_no": "党发〔2027〕1号", "decision_date": "2027-01-10"},
    )
    _complete("orgdept", "publish", {"published_on": "2027-01-12"})


def _cell(page: str, attribute: str) -> str:
    match = re.search(rf'{attribute}">(\d+)<', page)
    assert match, attribute
    return match.group(1)


def test_the_company_starts_the_year_and_reads_every_unit(tree, client, login):
    login("orgdept")
    listing = client.get("/grading/targets")
    assert listing.status_code == 200
    assert 'name="year"' in listing.get_data(as_text=True)
    token = csrf_token(client, "/grading/targets")
    assert client.post("/grading/targets", data={"year": str(YEAR)}).status_code == 400  # no CSRF
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TargetSetting)) == 0
    assert (
        client.post("/grading/targets", data={"csrf_token": token, "year": "20x7"}).status_code
        == 422
    )
    _start_from_the_page(client)
    again = client.post("/grading/targets", data={"csrf_token": token, "year": str(YEAR)})
    assert again.status_code == 409
    assert 'id="target-year-error"' in again.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TargetSetting)) == 1

    _publish()
    page = client.get(f"/grading/targets/{YEAR}").get_data(as_text=True)
    assert _cell(page, 'data-company="standardised') == "2"
    assert _cell(page, 'data-company="red_flag') == "1"
    assert 'data-unit="U1"' in page
    assert 'data-unit="U2"' in page
    assert _cell(page, 'data-progress="declared') == "0"
    pending = client.get(f"/grading/targets/{YEAR}/branches?show=pending").get_data(as_text=True)
    for code in ("U1-B1", "U1-B2", "U2-B1"):
        assert f'data-branch="{code}"' in pending
    assert str(YEAR) in client.get("/grading/targets").get_data(as_text=True)
    assert client.get(f"/grading/targets/{YEAR + 1}").status_code == 404
    assert client.get(f"/grading/targets/{YEAR}/branches?show=nonsense").status_code == 404
    assert client.get(f"/grading/targets/{YEAR}/branches?level=gold").status_code == 404


def test_a_unit_user_sees_only_their_unit(tree, client, login):
    login("orgdept")
    _start_from_the_page(client)
    _publish()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/grading/targets")})
    login("reviewer")
    listing = client.get("/grading/targets")
    assert listing.status_code == 200
    assert 'name="year"' not in listing.get_data(as_text=True)
    page = client.get(f"/grading/targets/{YEAR}").get_data(as_text=True)
    assert 'data-unit="U1"' in page
    assert 'data-unit="U2"' not in page
    held = client.get(f"/grading/targets/{YEAR}/branches?show=pending").get_data(as_text=True)
    assert 'data-branch="U1-B1"' in held
    assert 'data-branch="U2-B1"' not in held
    assert client.get(f"/grading/targets/{YEAR}/branches?unit=U2").status_code == 404
    token = csrf_token(client, "/grading/targets")
    refused = client.post("/grading/targets", data={"csrf_token": token, "year": "2028"})
    assert refused.status_code == 403


def test_a_branch_user_is_told_not_found(tree, client, login):
    login("secretary")
    assert client.get("/grading/targets").status_code == 404
    assert client.get(f"/grading/targets/{YEAR}").status_code == 404
    token = csrf_token(client, "/grading/cycles")
    refused = client.post("/grading/targets", data={"csrf_token": token, "year": str(YEAR)})
    assert refused.status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TargetSetting)) == 0
    assert db.session.scalar(select(func.count()).select_from(GradingTarget)) == 0


def _break_down_u1() -> None:
    counts = {"model": 0, "red_flag": 1, "standardised": 1, "basic_max": 0}
    _complete(
        "reviewer",
        "propose",
        {f"unit_{k}": n for k, n in counts.items()}
        | {
            "unit_not_up_to_standard_max": 0,
            "unit_key_points": "争创红旗",
            "unit_measures": "结对",
        },
        org="U1",
    )
    _complete(
        "unitcommittee",
        "approve",
        {f"approved_{k}": n for k, n in counts.items()}
        | {
            "approved_not_up_to_standard_max": 0,
            "decision": "approve",
            "decision_no": "一厂党委〔2027〕2号",
            "decision_date": "2027-01-20",
        },
        org="U1",
    )


def test_the_declaration_offers_the_allowed_levels_and_refuses_a_higher_one(tree, client, login):
    owner = make_person("张三", tree.branch1)
    login("orgdept")
    _start_from_the_page(client)
    _publish()
    _break_down_u1()
    db.session.rollback()
    task = db.session.scalars(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(HumanTask.element_id == "declare_red_flag", OrgUnit.code == tree.branch1)
    ).one()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/grading/targets")})
    login("secretary")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    select_html = re.search(r'<select id="f-target_level".*?</select>', page, re.S).group(0)
    assert 'value="red_flag"' in select_html  # one level above 标准化, held
    assert 'value="model"' not in select_html
    assert "最多可申报红旗党支部" in page  # the branch's state, prefilled for reference

    token = csrf_token(client, f"/inbox/tasks/{task.id}")
    forged = client.post(
        f"/inbox/tasks/{task.id}/complete",
        data={
            "csrf_token": token,
            "target_level": "model",
            "plan_summary": "争创示范党支部的年度计划",
            "plan_measures.0.measure": "每月召开支委会",
            "plan_measures.0.owner": str(owner),
            "plan_measures.0.due": "2027-12-31",
        },
    )
    assert forged.status_code == 422
    shown = forged.get_data(as_text=True)
    assert 'id="f-target_level-error"' in shown
    assert "争创示范党支部的年度计划" in shown  # the input is kept
    db.session.rollback()
    assert db.session.get(HumanTask, task.id).state is HumanTaskState.READY
    assert db.session.scalar(select(func.count()).select_from(GradingTarget)) == 2  # company, U1


def test_the_tab_bar_offers_targets_and_analysis_to_company_and_unit_users_only(
    tree, client, login
):
    login("orgdept")
    page = client.get("/grading/targets").get_data(as_text=True)
    tabs = page[page.index('class="tabs"') : page.index("</nav>", page.index('class="tabs"'))]
    for href in ("/grading/cycles", "/grading/targets", "/grading/analysis", "/grading/brands"):
        assert f'href="{href}"' in tabs
    assert 'href="/grading/targets" class="active" aria-current="page"' in tabs
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login("secretary")
    page = client.get("/grading/cycles").get_data(as_text=True)
    tabs = page[page.index('class="tabs"') : page.index("</nav>", page.index('class="tabs"'))]
    assert 'href="/grading/rubric"' in tabs
    assert 'href="/grading/targets"' not in tabs
    assert 'href="/grading/analysis"' not in tabs

"""Confirmation before irreversible and bulk actions, and actions offered only when possible
(issue 17 item 6): the cycle start says how many branches it will start and a GET starts
nothing; publishing the results is offered once every branch has its level, after a page with
the count. The cycle's results print on A4."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.results.result import PROCESS_KEY as RESULTS_PROCESS
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.instances import cancel_instance
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.plugins.demo import holder_at
from tests.processes.test_model_sites import decided_cycle
from tests.processes.test_veto_check_batch import _three_waiting

PROCESSES = ROOT / "processes"


@pytest.fixture
def tree(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(deploy_definitions, actor=SYSTEM, sources=read_model_files([PROCESSES], root=PROCESSES))
    make_user("orgdept", name="组织部王芳")
    grant("orgdept", "company_org_dept", tree.company)
    make_user("secretary")
    grant("secretary", "branch_secretary", tree.branch1)
    return tree


def _count(model) -> int:
    db.session.rollback()  # read what the requests committed
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_cycle_start_is_confirmed_with_the_number_of_branches(client, login, tree):
    login("orgdept")
    cycles = client.get("/grading/cycles").get_data(as_text=True)
    assert '<form method="get" action="/grading/cycles/confirm">' in cycles

    confirm = client.get("/grading/cycles/confirm?year=2026")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "的 3 个党支部各发起 2026 年度达标晋级" in page
    assert "确认为 3 个党支部发起" in page
    assert '<form method="post" action="/grading/cycles"' in page
    assert '<input type="hidden" name="year" value="2026">' in page
    assert _count(GradingCycle) == 0  # opening the confirmation started nothing
    assert _count(ProcessInstance) == 0

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    started = client.post("/grading/cycles", data={"csrf_token": token, "year": "2026"})
    assert started.status_code == 302
    assert _count(CycleBranch) == 3

    again = client.get("/grading/cycles/confirm?year=2026").get_data(as_text=True)
    assert "已经" in again  # already started: said, and no button
    assert 'action="/grading/cycles"' not in again


def test_only_the_organisation_department_gets_the_confirmation(client, login, tree):
    login("secretary")
    assert client.get("/grading/cycles/confirm?year=2026").status_code == 403
    assert _count(GradingCycle) == 0


def test_a_bad_year_is_refused_on_the_confirmation_page(client, login, tree):
    login("orgdept")
    page = client.get("/grading/cycles/confirm?year=20x6").get_data(as_text=True)
    assert "2000" in page
    assert 'action="/grading/cycles"' not in page


def _results_applications() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(ProcessInstance)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessDefinition.process_key == RESULTS_PROCESS)
    )


def test_publishing_is_offered_only_once_every_branch_has_its_level(
    demo, clock, app, client, login
):
    cycle_id, _other = decided_cycle(demo, clock)
    progress = cycle_progress(db.session, cycle_id)
    waiting = [b for b in progress.branches if b.stage != "completed"]
    assert waiting
    login(holder_at("HH", "company_org_dept").login, app.config["DEMO_PASSWORD"])

    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert 'id="publish-results"' not in page
    assert f"还有 {len(waiting)} 个党支部尚未定级" in page
    confirm = client.get(f"/grading/cycles/{cycle_id}/results/confirm").get_data(as_text=True)
    assert f"还有 {len(waiting)} 个党支部尚未定级" in confirm
    assert f'action="/grading/cycles/{cycle_id}/results"' not in confirm

    for branch in waiting:
        run(cancel_instance, actor=SYSTEM, instance_id=branch.instance_id, reason="测试：撤销")
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/grading/cycles/{cycle_id}/results/confirm"' in page
    confirm = client.get(f"/grading/cycles/{cycle_id}/results/confirm").get_data(as_text=True)
    assert f"将发布 {progress.total} 个党支部的评定结果" in confirm
    assert "红旗：1 个" in confirm
    assert _results_applications() == 0  # the confirmation page started nothing

    token = csrf_token(client, f"/grading/cycles/{cycle_id}/results/confirm")
    started = client.post(f"/grading/cycles/{cycle_id}/results", data={"csrf_token": token})
    assert started.status_code == 303
    assert _results_applications() == 1


def test_the_cycle_results_and_a_self_assessment_print(demo, clock, app, client, login):
    cycle_id, other = decided_cycle(demo, clock)
    login(holder_at("HH", "company_org_dept").login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/grading/cycles/{cycle_id}/results/print"' in page
    printed = client.get(f"/grading/cycles/{cycle_id}/results/print").get_data(as_text=True)
    assert "css/print.css" in printed
    assert "尚未发布" in printed
    assert demo.branch.name in printed
    assert other.name in printed
    assert "93.5" in printed

    outsider = holder_at("HH02", "unit_org_reviewer")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(outsider.login, app.config["DEMO_PASSWORD"])
    assert client.get(f"/grading/cycles/{cycle_id}/results/print").status_code == 404

    instance_id = db.session.scalar(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    )
    assert client.get(f"/instances/{instance_id}/print").status_code == 404
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    sheet = client.get(f"/instances/{instance_id}/print").get_data(as_text=True)
    assert "逐项得分" in sheet
    assert "C01" in sheet
    assert 'id="total"' in sheet


def test_the_bulk_veto_check_asks_first_with_the_number_of_branches(demo, app, client, login):
    cycle_id, _instances = _three_waiting(demo)
    login(holder_at("HH", "related_dept").login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/grading/cycles/{cycle_id}/veto-checks").get_data(as_text=True)
    form = re.search(r'<form method="post" id="veto-check-form"[^>]*>', page).group(0)
    assert 'data-confirm="将为全部 3 个党支部记录否决项核查结果' in form
    assert "js/confirm.js" in page

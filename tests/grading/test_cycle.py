"""Starting the grading cycle: one ``grading_cycle`` instance per branch in one command, for the
company organisation department only, once per year; the progress page counts the instances."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.cycle.start import start_cycle
from app.grading.rubric.models import RubricVersion
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.conftest import csrf_token
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user

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


def actor(login: str) -> Actor:
    user = db.session.scalars(select(User).where(User.login == login)).one()
    return Actor(user_id=user.id, login=login, source="test")


def _branch_codes() -> set[str]:
    return set(db.session.scalars(select(OrgUnit.code).where(OrgUnit.kind == "branch")))


def test_one_instance_per_branch_with_the_pinned_rubric(tree):
    cycle_id = run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.company)
    cycle = db.session.get(GradingCycle, cycle_id)
    pinned = db.session.scalars(select(RubricVersion)).one()  # the default, stored as version 1
    assert (cycle.year, cycle.rubric_version_id) == (2026, pinned.id)
    rows = db.session.execute(
        select(OrgUnit.code, ProcessInstance)
        .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
        .join(ProcessInstance, ProcessInstance.id == CycleBranch.instance_id)
        .where(CycleBranch.cycle_id == cycle_id)
    ).all()
    assert {code for code, _ in rows} == _branch_codes() == {"U1-B1", "U1-B2", "U2-B1"}
    for code, instance in rows:
        assert instance.process_key == "grading_cycle"
        assert instance.business_key == "2026年度达标晋级"
        data = json.loads(instance.state_json)
        start = next(
            t["data"] for t in data["tasks"].values() if t["data"].get("cycle_year") == 2026
        )
        assert start["rubric_version_id"] == pinned.id
        assert (start["threshold_standard"], start["threshold_model"], start["bonus_cap"]) == (
            80,
            95,
            5,
        )
        assert start["held_red_flag_cycles"] == 0
        assert start["brand_named"] is False
        org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
        assert start["current_level"] == (org.level.value if org.level else "not_up_to_standard")
    tasks = db.session.scalars(
        select(HumanTask).where(HumanTask.state == HumanTaskState.READY)
    ).all()
    assert sorted(t.element_id for t in tasks) == ["self_assessment"] * 3
    assert {t.candidate_role for t in tasks} == {"branch_secretary"}
    started = last_audit_event()  # the chunk of branches, after the cycle's own record
    assert started.event_type == "grading_cycle_branches_started"
    payload = json.loads(started.payload)
    assert (payload["started"], payload["remaining"]) == (3, 0)
    opened = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "grading_cycle_started")
    ).one()
    assert json.loads(opened.payload)["branches"] == 3


def test_a_second_start_for_the_same_year_is_refused(tree):
    run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.company)
    with pytest.raises(Conflict):
        run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.company)
    with pytest.raises(Conflict):  # a unit's branches are already in the company's cycle
        run(start_cycle, actor=actor("orgdept"), year=2026, scope_code=tree.unit1)
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 3
    run(start_cycle, actor=actor("orgdept"), year=2027, scope_code=tree.unit2)
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 4


def test_a_branch_secretary_may_not_start_a_cycle(tree):
    with pytest.raises(Forbidden):
        run(start_cycle, actor=actor("secretary"), year=2026, scope_code=tree.company)
    assert db.session.scalar(select(func.count()).select_from(GradingCycle)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def _counts(page: str) -> dict[str, int]:
    return {stage: int(n) for stage, n in re.findall(r'data-stage="([a-z_]+)">(\d+)</a>', page)}


def test_the_pages_start_a_cycle_and_count_the_instances(tree, client, login):
    login("orgdept")
    listing = client.get("/grading/cycles")
    assert listing.status_code == 200
    assert 'name="year"' in listing.get_data(as_text=True)
    token = csrf_token(client, "/grading/cycles")
    assert client.post("/grading/cycles", data={"year": "2026"}).status_code == 400  # no CSRF
    started = client.post("/grading/cycles", data={"csrf_token": token, "year": "2026"})
    assert started.status_code == 302
    cycle_id = db.session.scalars(select(GradingCycle.id)).one()
    assert started.headers["Location"].endswith(f"/grading/cycles/{cycle_id}")
    again = client.post("/grading/cycles", data={"csrf_token": token, "year": "2026"})
    assert again.status_code == 409
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    progress = cycle_progress(db.session, cycle_id)
    assert (
        _counts(page) == {"self_assessment": 3} == {s: n for s, n in progress.counts.items() if n}
    )
    listed = client.get(f"/grading/cycles/{cycle_id}?stage=self_assessment")
    shown = listed.get_data(as_text=True)
    for code in ("U1-B1", "U1-B2", "U2-B1"):
        assert f"/orgs/{code}" in shown
    for branch in progress.branches:
        assert f"/instances/{branch.instance_id}" in shown
    assert client.get(f"/grading/cycles/{cycle_id}?stage=nonsense").status_code == 404
    assert "2026" in client.get("/grading/cycles").get_data(as_text=True)


def test_a_branch_secretary_may_not_start_a_cycle_from_the_page(tree, client, login):
    login("secretary")
    page = client.get("/grading/cycles")
    assert page.status_code == 200
    assert 'name="year"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/grading/cycles")
    assert (
        client.post("/grading/cycles", data={"csrf_token": token, "year": "2026"}).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(GradingCycle)) == 0

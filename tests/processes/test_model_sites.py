"""观摩点选树 (``model_site_selection`` and ``model_site_preparation``, processes/grading/): after a
grading cycle of the demo unit has decided levels, the company organisation department nominates
model sites from the branches at 标准化 or above, the company party committee confirms them, the
department arranges the visits; each site's secretary prepares the display and the department
records the visit. The sites are stored and shown on the cycle's page and the model-site list.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.sites import commands as sites
from app.grading.sites.models import ModelSite
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.worker import run_once
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import csrf_token
from tests.plugins.demo import Demo
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level
from tests.processes.test_grading_cycle import PDF
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _self_assess
from tests.processes.test_grading_cycle import _start
from tests.processes.test_grading_cycle import _unit_review


def other_branch(demo) -> OrgUnit:
    """Another branch of the demo branch's unit (HH01)."""
    return db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.code.startswith("HH01-"), OrgUnit.id != demo.branch.id)
        .where(OrgUnit.kind == demo.branch.kind)
        .order_by(OrgUnit.code)
    ).first()


def instance_of(cycle_id: int, branch_id: int) -> int:
    db.session.rollback()
    return db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == branch_id
        )
    ).one()


def decided_cycle(demo, clock) -> tuple[int, OrgUnit]:
    """The 2026 cycle of HH01 with two branches decided: the demo branch from 标准化 up to 红旗
    (93.5, accepted by the company) and another branch from 标准化 down to 基本达标 (75, decided by
    the unit). (cycle id, the other branch.)"""
    other = other_branch(demo)
    set_level(other.id, Level.STANDARDISED)
    cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id, lost=2, bonus=1)
    _unit_review(instance_id, minus={"A6": 3}, bonus=1)
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {
            "onsite_score": 91.5,
            "onsite_bonus": 2,
            "acceptance_note": "现场验收台账完整",
            **{f"company_{v}": "no" for v in VETOES},
        },
    )
    complete_step(
        holder_at("HH", "company_party_committee"),
        instance_id,
        "company_decision",
        {"company_approved": True, "company_decision_no": "公司党委〔2027〕3号"},
    )
    clock.advance(days=7, seconds=1)  # the public notice
    run_once()
    other_instance = instance_of(cycle_id, other.id)
    _self_assess(Demo(other, []), other_instance, lost=4)
    _unit_review(other_instance, minus={"A4": 15, "A6": 10})  # 75: the unit decides 基本达标
    db.session.rollback()
    for iid in (instance_id, other_instance):
        assert db.session.get(ProcessInstance, iid).status is InstanceStatus.COMPLETED
    return cycle_id, other


def _selection(cycle_id: int) -> int:
    return run(sites.start_selection, actor=holder_at("HH", "company_org_dept"), cycle_id=cycle_id)


def _choose(demo, selection_id: int) -> None:
    complete_step(
        holder_at("HH", "company_org_dept"),
        selection_id,
        "shortlist",
        {"shortlist": [demo.branch.id], "shortlist_reason": "红旗党支部，台账规范、特色鲜明"},
    )
    complete_step(
        holder_at("HH", "company_party_committee"),
        selection_id,
        "confirm",
        {"sites": [demo.branch.id], "decision_no": "公司党委〔2027〕8号"},
    )
    complete_step(
        holder_at("HH", "company_org_dept"),
        selection_id,
        "arrange",
        {"visit_plan": "2027年4月上旬，各二级单位党委组织部长参加", "materials_due": "2027-03-31"},
    )


def _site() -> ModelSite:
    db.session.rollback()
    return db.session.scalars(select(ModelSite)).one()


def test_sites_are_chosen_among_the_candidates_prepared_and_visited(demo, clock, client, login):
    cycle_id, other = decided_cycle(demo, clock)
    selection_id = _selection(cycle_id)
    task = open_task(selection_id)
    assert (task.element_id, task.candidate_role) == ("shortlist", "company_org_dept")
    # 基本达标 is no candidate: choosing it is refused and changes nothing
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            holder_at("HH", "company_org_dept"),
            selection_id,
            "shortlist",
            {"shortlist": [other.id], "shortlist_reason": "试图提名基本达标支部"},
        )
    assert refused.value.field_errors["shortlist"] == "请从选项中选择。"
    assert open_task(selection_id).state is HumanTaskState.READY
    assert db.session.scalars(select(ModelSite)).all() == []

    _choose(demo, selection_id)
    db.session.rollback()
    assert db.session.get(ProcessInstance, selection_id).status is InstanceStatus.COMPLETED
    site = _site()
    assert (site.year, site.cycle_id, site.branch_id, site.level) == (
        2026,
        cycle_id,
        demo.branch.id,
        "red_flag",
    )
    assert (site.decision_no, site.selection_instance_id) == ("公司党委〔2027〕8号", selection_id)
    assert site.visited_on is None
    login(holder_at("HH", "company_org_dept").login, "demo123456")
    records = client.get(f"/instances/{selection_id}").get_data(as_text=True)
    records = records[records.index('id="records"') :]
    assert demo.branch.name in records  # the chosen site by name, not by its id

    # the site's own instance: the branch secretary prepares, the department records the visit
    prepare = open_task(site.preparation_instance_id)
    assert (prepare.element_id, prepare.org_unit_id) == ("prepare", demo.branch.id)
    secretary = demo.holder("branch_secretary")
    materials = run(
        store_uploads,
        actor=secretary,
        task_id=prepare.id,
        uploads=[Upload("materials", "展示材料.pdf", PDF)],
    )["materials"]
    complete_step(
        secretary,
        site.preparation_instance_id,
        "prepare",
        {"materials": materials, "highlights": "“党建+安全生产”特色做法"},
    )
    complete_step(
        holder_at("HH", "company_org_dept"),
        site.preparation_instance_id,
        "visit",
        {
            "visited_on": "2027-04-08",
            "visiting_units": "各二级单位党委组织部",
            "visitor_count": 36,
            "feedback": "展示内容扎实，可复制推广",
        },
    )
    site = _site()
    assert (str(site.visited_on), site.visitor_count) == ("2027-04-08", 36)
    assert site.feedback == "展示内容扎实，可复制推广"
    # a second selection of the same cycle finds no candidate left
    with pytest.raises(ValidationFailed):
        _selection(cycle_id)


def test_a_second_selection_while_one_runs_is_refused(demo, clock):
    cycle_id, _other = decided_cycle(demo, clock)
    selection_id = _selection(cycle_id)
    with pytest.raises(Conflict):
        _selection(cycle_id)
    with pytest.raises(Forbidden):  # only the company organisation department selects
        run(sites.start_selection, actor=holder_at("HH01", "unit_org_reviewer"), cycle_id=cycle_id)
    db.session.rollback()
    running = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.process_key == "model_site_selection")
    ).all()
    assert [r.id for r in running] == [selection_id]


def test_no_selection_before_any_branch_qualifies(demo):
    cycle_id, _instance_id = _start(demo, Level.STANDARDISED)
    with pytest.raises(ValidationFailed):
        _selection(cycle_id)


def test_the_pages_start_the_selection_and_show_the_sites(demo, clock, app, client, login):
    cycle_id, _other = decided_cycle(demo, clock)
    dept = holder_at("HH", "company_org_dept")
    login(dept.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert 'id="model-sites"' in page
    assert f'action="/grading/cycles/{cycle_id}/model-sites"' in page
    assert f'href="/grading/cycles/{cycle_id}/results.xlsx"' in page
    token = csrf_token(client, "/grading/cycles")
    assert client.post(f"/grading/cycles/{cycle_id}/model-sites").status_code == 400  # no CSRF
    started = client.post(f"/grading/cycles/{cycle_id}/model-sites", data={"csrf_token": token})
    assert started.status_code == 302
    selection_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    again = client.post(f"/grading/cycles/{cycle_id}/model-sites", data={"csrf_token": token})
    assert again.status_code == 303  # refused: back to the cycle, nothing started
    db.session.rollback()
    assert (
        len(
            db.session.scalars(
                select(ProcessInstance.id).where(
                    ProcessInstance.process_key == "model_site_selection"
                )
            ).all()
        )
        == 1
    )
    _choose(demo, selection_id)
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert f'data-site="{demo.branch.code}"' in page
    listing = client.get("/grading/model-sites").get_data(as_text=True)
    assert f'data-site="{demo.branch.code}"' in listing
    assert "公司党委〔2027〕8号" in listing

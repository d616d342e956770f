"""党建品牌创建 (``party_building_brand_creation``, processes/grading/): the demo branch proposes a
brand, its unit registers it, the branch records the results after the cultivation period (the clock
moved, the worker run), and the company organisation department names it with the "五有" test.

* the registry and C19's stage (``brand_stage``) follow each step: 0 proposed, 1 registered from the
  day the unit approved, 2 cultivated from the day the results were recorded, 3 named;
* a rejected proposal ends without registering anything;
* a 区域联合党建 brand records its joint-building agreement; the period still runs from approval;
* a naming needs all five "有": otherwise the form refuses it, and "未命名" keeps C19 at 2; a new
  proposal of the same name continues the same brand;
* through the grading cycle, a 红旗 branch with a named brand and a score above 95 becomes 示范;
  without a named brand it stays 红旗 ("needs_brand").
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.core.audit import AuditEvent
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.brands.models import BrandStage
from app.grading.brands.models import PartyBrand
from app.grading.brands.queries import brand_stage
from app.grading.brands.queries import brand_stages
from app.grading.brands.queries import has_named_brand
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under
from app.levels.commands import write_level
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import TEST_NOW
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_grading_cycle import PDF
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _final
from tests.processes.test_grading_cycle import _self_assess
from tests.processes.test_grading_cycle import _start
from tests.processes.test_grading_cycle import _unit_review

PROCESS = "party_building_brand_creation"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TODAY = TEST_NOW.date()  # 2026-11-23
CULTIVATED = date(2027, 2, 23)  # three months after the approval
SUMMER = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # a brand cultivated before the cycle starts
ALL_FIVE = dict.fromkeys(
    ("has_name", "has_logo", "has_connotation", "has_carrier", "has_influence"), True
)


def _org(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def start(branch_code: str) -> int:
    """The branch committee starts a proposal; the instance id."""
    return run(
        commands.start_instance,
        actor=holder_at(branch_code, "branch_committee"),
        process_key=PROCESS,
        org_code=branch_code,
    )


def submit_proposal(branch_code: str, instance_id: int, name: str, brand_type: str) -> None:
    complete_step(
        holder_at(branch_code, "branch_committee"),
        instance_id,
        "propose",
        {
            "brand_type": brand_type,
            "brand_name": name,
            "connotation": "把支部建在井站上，把红旗插在生产一线",
            "carriers": [
                {"carrier": "党员示范岗", "measure": "每个井站设一个党员示范岗"},
                {"carrier": "主题党日", "measure": "每月结合安全生产开展一次"},
            ],
        },
    )


def propose(branch_code: str, name: str = "井站红旗", brand_type: str = "own") -> int:
    """A proposal started and submitted by the branch committee; the instance id."""
    instance_id = start(branch_code)
    submit_proposal(branch_code, instance_id, name, brand_type)
    return instance_id


def review(unit_code: str, instance_id: int, decision: str = "approve") -> None:
    opinion = "同意立项培育，突出井站特色" if decision == "approve" else "品牌定位不清，载体空泛"
    complete_step(
        holder_at(unit_code, "unit_org_reviewer"),
        instance_id,
        "unit_review",
        {"review_decision": decision, "incubation": opinion},
    )


def cultivate(branch_code: str, instance_id: int, clock) -> None:
    """Let the three months pass (the worker fires the timer), then record the results."""
    due = db.session.get(ProcessInstance, instance_id).next_timer_at
    clock.set(due)
    clock.advance(seconds=1)
    assert run_once().timers_fired >= 1
    secretary = holder_at(branch_code, "branch_secretary")
    photos = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("result_photos", "示范岗.png", PNG)],
    )["result_photos"]
    complete_step(
        secretary,
        instance_id,
        "record_results",
        {
            "results": [
                {"result": "示范岗带动", "detail": "带出青年骨干6名", "achieved_on": "2027-01-20"}
            ],
            "result_photos": photos,
            "results_summary": "品牌在作业区推广，职工认可度高",
        },
    )


def accept(instance_id: int, level: str = "company", **five: bool) -> None:
    data = {**ALL_FIVE, **five, "named_level": level, "acceptance_note": "对照五有逐项验收"}
    if level != "none":
        data["naming_doc"] = "HH党建〔2027〕5号"
    complete_step(holder_at("HH", "company_org_dept"), instance_id, "acceptance", data)


def named_brand(branch_code: str, clock, name: str = "井站红旗") -> int:
    """A brand of the branch through every step to 公司级; the instance id."""
    instance_id = propose(branch_code, name)
    review(branch_code.split("-")[0], instance_id)
    cultivate(branch_code, instance_id, clock)
    accept(instance_id, "company")
    return instance_id


def _stages(branch_id: int) -> list[tuple]:
    rows = db.session.scalars(
        select(BrandStage)
        .join(PartyBrand, PartyBrand.id == BrandStage.brand_id)
        .where(PartyBrand.branch_id == branch_id)
        .order_by(BrandStage.id)
    )
    return [(r.stage, r.reached_on, r.named_level, r.five_you_score) for r in rows]


def _open_steps(instance_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(HumanTask.element_id).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    )


def _status(instance_id: int) -> InstanceStatus:
    return db.session.get(ProcessInstance, instance_id).status


def _events(kind: str) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind))
    return [json.loads(r.payload) for r in rows]


def test_a_brand_is_registered_cultivated_and_named_by_the_company(demo, clock):
    branch = demo.branch
    instance_id = start(branch.code)
    first = open_task(instance_id)
    assert (first.element_id, first.candidate_role, first.org_unit_id) == (
        "propose",
        "branch_committee",
        branch.id,
    )
    with pytest.raises(ValidationFailed) as refused:  # no carriers: refused, nothing changes
        complete_step(
            demo.holder("branch_committee"),
            instance_id,
            "propose",
            {"brand_type": "own", "brand_name": "井站红旗", "connotation": "红旗插在生产一线上"},
        )
    assert "carriers" in refused.value.field_errors
    assert open_task(instance_id).element_id == "propose"
    submit_proposal(branch.code, instance_id, "井站红旗", "own")
    assert brand_stage(db.session, branch.id, TODAY) == 0  # proposed: nothing registered yet
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role, task.org_unit_id) == (
        "unit_review",
        "unit_org_reviewer",
        _org("HH01").id,
    )
    review("HH01", instance_id)
    assert brand_stage(db.session, branch.id, TODAY) == 1  # registered from the approval
    assert brand_stage(db.session, branch.id, date(2026, 11, 22)) == 0
    assert _stages(branch.id) == []  # the registry is written when the instance ends
    row = db.session.get(ProcessInstance, instance_id)
    assert row.next_timer_at == datetime(2027, 2, 23, 2, 0, tzinfo=UTC)  # approval + 3 months
    assert _open_steps(instance_id) == []  # an own brand has no agreement: it cultivates

    clock.advance(days=91)  # 2027-02-22: still cultivating
    assert run_once().timers_fired == 0
    assert _open_steps(instance_id) == []
    cultivate(branch.code, instance_id, clock)
    assert brand_stage(db.session, branch.id, CULTIVATED) == 2
    assert brand_stage(db.session, branch.id, date(2027, 2, 22)) == 1
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role, task.org_unit_id) == (
        "acceptance",
        "company_org_dept",
        _org("HH").id,
    )
    accept(instance_id, "company")

    assert _status(instance_id) is InstanceStatus.COMPLETED
    brand = db.session.scalars(select(PartyBrand).where(PartyBrand.branch_id == branch.id)).one()
    assert (brand.name, brand.brand_type, brand.named_level, brand.named_on) == (
        "井站红旗",
        "own",
        "company",
        CULTIVATED,
    )
    assert (brand.five_you_score, brand.instance_id) == (5, instance_id)
    assert _stages(branch.id) == [
        ("registered", TODAY, None, None),
        ("cultivated", CULTIVATED, None, None),
        ("named", CULTIVATED, "company", 5),
    ]
    assert brand_stage(db.session, branch.id, CULTIVATED) == 3
    assert brand_stage(db.session, branch.id, date(2027, 1, 1)) == 1  # the history, as of a day
    assert has_named_brand(db.session, branch.id, CULTIVATED)
    assert not has_named_brand(db.session, branch.id, date(2027, 2, 22))
    (event,) = _events("brand_accepted")
    assert (event["outcome"], event["named_level"], event["registered_on"]) == (
        "named",
        "company",
        "2026-11-23",
    )


def test_a_rejected_proposal_registers_nothing(demo):
    instance_id = propose(demo.branch.code)
    review("HH01", instance_id, "reject")
    assert _status(instance_id) is InstanceStatus.COMPLETED
    final = json.loads(db.session.get(ProcessInstance, instance_id).state_json)["data"]
    assert final["outcome"] == "not_registered"
    assert db.session.scalars(select(PartyBrand)).all() == []
    assert brand_stage(db.session, demo.branch.id, TODAY) == 0
    (event,) = _events("brand_rejected")
    assert (event["brand_name"], event["reason"]) == (
        "井站红旗",
        "二级单位党委组织（党群）部未予立项：品牌定位不清，载体空泛",
    )


def test_a_joint_brand_signs_its_agreement_and_cultivates_from_the_approval(demo, clock):
    instance_id = propose(demo.branch.code, "油地共建", "regional_joint")
    review("HH01", instance_id)
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role, task.org_unit_id) == (
        "joint_agreement",
        "branch_secretary",
        demo.branch.id,
    )
    secretary = demo.holder("branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # no partner, no agreement: refused
        complete_step(
            secretary,
            instance_id,
            "joint_agreement",
            {"partners": [], "agreement_signed_on": "2026-12-20", "agreement_content": "共建"},
        )
    assert {"partners", "agreement_file"} <= set(refused.value.field_errors)
    clock.advance(days=30)  # the agreement takes a month: the period does not move
    agreement = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("agreement_file", "联建协议.pdf", PDF)],
    )["agreement_file"]
    complete_step(
        secretary,
        instance_id,
        "joint_agreement",
        {
            "partners": [{"partner": "长流水村党支部", "partner_kind": "local"}],
            "agreement_signed_on": "2026-12-20",
            "agreement_content": "共同开展护线护井和助学活动",
            "agreement_file": agreement[0],
        },
    )
    row = db.session.get(ProcessInstance, instance_id)
    assert row.next_timer_at == datetime(2027, 2, 23, 2, 0, tzinfo=UTC)
    cultivate(demo.branch.code, instance_id, clock)
    accept(instance_id, "unit")
    brand = db.session.scalars(select(PartyBrand)).one()
    assert (brand.brand_type, brand.named_level) == ("regional_joint", "unit")
    final = json.loads(db.session.get(ProcessInstance, instance_id).state_json)["data"]
    assert final["partners"] == [{"partner": "长流水村党支部", "partner_kind": "local"}]
    # a stage reached is never rewritten, whoever asks the database
    with pytest.raises(DBAPIError, match="only ever inserted"), db.engines.write.begin() as sql:
        sql.execute(delete(BrandStage))
    assert len(_stages(demo.branch.id)) == 3


def test_naming_needs_all_five_and_a_new_proposal_continues_the_brand(demo, clock):
    branch = demo.branch
    instance_id = propose(branch.code)
    review("HH01", instance_id)
    cultivate(branch.code, instance_id, clock)
    with pytest.raises(ValidationFailed) as refused:  # 有影响 not met: no naming
        accept(instance_id, "unit", has_influence=False)
    assert list(refused.value.field_errors) == ["has_influence"]
    assert open_task(instance_id).element_id == "acceptance"
    accept(instance_id, "none", has_influence=False)
    final = _final(instance_id)
    assert (final["outcome"], final["five_you_score"]) == ("not_named", 4)
    assert final["outcome_reason"] == "验收未予命名，五有达到4项（未达到：有影响）"
    assert _stages(branch.id) == [
        ("registered", TODAY, None, None),
        ("cultivated", CULTIVATED, None, None),
        ("not_named", CULTIVATED, None, 4),
    ]
    assert brand_stage(db.session, branch.id, CULTIVATED) == 2  # cultivated, not named
    assert not has_named_brand(db.session, branch.id, CULTIVATED)

    again = named_brand(branch.code, clock)  # proposed again next quarter, named this time
    brand = db.session.scalars(select(PartyBrand)).one()  # the same brand, continued
    assert (brand.named_level, brand.instance_id) == ("company", again)
    assert [s[0] for s in _stages(branch.id)] == [
        "registered",
        "cultivated",
        "not_named",
        "registered",
        "cultivated",
        "named",
    ]
    assert brand_stage(db.session, branch.id, clock.now().date()) == 3


# -- through the grading cycle ---------------------------------------------------------------------


def _company_accepts(instance_id: int, score: float) -> None:
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {
            "onsite_score": score,
            "onsite_bonus": 0,
            "acceptance_note": "现场验收台账完整",
            **{f"company_{v}": "no" for v in VETOES},
        },
    )
    complete_step(
        holder_at("HH", "company_party_committee"),
        instance_id,
        "company_decision",
        {"company_approved": True, "company_decision_no": "公司党委〔2027〕8号"}
        | {"model_quota_choice": "override", "model_quota_reason": "品牌已命名，党委研究批准"},
    )


def _graded_at_97(demo, clock, c19: float) -> dict:
    """The 2026 cycle of the demo branch, held at 红旗: full marks (C19 as the registry measured
    it), 97 at company acceptance; the final data. 红旗 was awarded at cycle 2025's acceptance in
    March, so it has been held for a cycle (the demo history has 标准化 since 8 March)."""
    run(
        write_level,
        actor=SYSTEM,
        branch_code=demo.branch.code,
        level=Level.RED_FLAG,
        decided_on=date(2026, 3, 20),
        decided_by="2025年度集中验收 公司党委决定",
    )
    _cycle_id, instance_id = _start(demo, Level.RED_FLAG)
    _self_assess(demo, instance_id, c19=c19)
    _unit_review(instance_id)
    _company_accepts(instance_id, 97)
    clock.advance(days=7, seconds=1)  # the public notice
    run_once()
    return _final(instance_id)


def test_a_red_flag_branch_with_a_named_brand_becomes_model(demo, clock):
    clock.set(SUMMER)
    named_brand(demo.branch.code, clock)  # named on 2026-10-01
    clock.set(TEST_NOW)  # the cycle starts on 2026-11-23
    assert has_named_brand(db.session, demo.branch.id, TODAY)
    final = _graded_at_97(demo, clock, c19=3)
    assert final["held_red_flag_cycles"] >= 1  # 红旗 since cycle 2025's acceptance
    assert final["brand_named"] is True
    assert (final["level"], final["level_reason"]) == (Level.MODEL, "score")
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.MODEL


def test_without_a_named_brand_a_red_flag_branch_stays_red_flag(demo, clock):
    clock.set(SUMMER)
    instance_id = propose(demo.branch.code)  # registered and cultivated: not enough for 示范
    review("HH01", instance_id)
    cultivate(demo.branch.code, instance_id, clock)
    clock.set(TEST_NOW)
    assert brand_stage(db.session, demo.branch.id, TODAY) == 2
    unit = list_branches_under(db.session, db.session.get(OrgUnit, demo.branch.parent_id))
    stages = brand_stages(db.session, [b.id for b in unit], TODAY)  # as the cycle reads them
    assert stages == {b.id: 2 if b.id == demo.branch.id else 0 for b in unit}
    final = _graded_at_97(demo, clock, c19=2)
    assert final["held_red_flag_cycles"] >= 1
    assert final["brand_named"] is False
    assert (final["level"], final["level_reason"]) == (Level.RED_FLAG, "needs_brand")
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.RED_FLAG

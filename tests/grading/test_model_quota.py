"""The 示范 quota (5% of the cycle's branches) is enforced at the company party committee's
decision (issue 17): beyond it the committee decides 红旗 within the quota, or approves 示范 over
it with a reason that is kept in the decision's data and listed on the cycle page. A decision
without either is refused with the message and changes nothing. The unit HH01's cycle has 15
branches: 5% of them leaves no place at all."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.quota import places_taken
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.commands import write_level
from app.worker import run_once
from app.workflow.queries import earlier_answers
from tests.conftest import TEST_NOW
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_brand_creation import SUMMER
from tests.processes.test_brand_creation import named_brand
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _final
from tests.processes.test_grading_cycle import _self_assess
from tests.processes.test_grading_cycle import _start
from tests.processes.test_grading_cycle import _unit_review

DECISION = {"company_approved": True, "company_decision_no": "公司党委〔2027〕8号"}
REASON = "品牌经公司命名，连续两年红旗，党委会研究同意超额"


def _model_at_decision(demo, clock) -> tuple[int, int]:
    """The demo branch, 红旗 since cycle 2025's acceptance and with a named brand, scores 97 on
    site: judged 示范, waiting for the company party committee; (cycle id, instance id)."""
    clock.set(SUMMER)
    named_brand(demo.branch.code, clock)
    clock.set(TEST_NOW)
    run(
        write_level,
        actor=SYSTEM,
        branch_code=demo.branch.code,
        level=Level.RED_FLAG,
        decided_on=date(2026, 3, 20),
        decided_by="2025年度集中验收 公司党委决定",
    )
    cycle_id, instance_id = _start(demo, Level.RED_FLAG)
    _self_assess(demo, instance_id, c19=3)
    _unit_review(instance_id)
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {"onsite_score": 97, "onsite_bonus": 0, "acceptance_note": "现场验收台账完整"}
        | {f"company_{v}": "no" for v in VETOES},
    )
    return cycle_id, instance_id


def _decide(instance_id: int, data: dict) -> None:
    complete_step(holder_at("HH", "company_party_committee"), instance_id, "company_decision", data)


def test_beyond_the_quota_a_decision_without_a_choice_or_reason_is_refused(demo, clock):
    cycle_id, instance_id = _model_at_decision(demo, clock)
    with pytest.raises(ValidationFailed) as refused:
        _decide(instance_id, DECISION)
    message = refused.value.field_errors["model_quota_choice"]
    assert "示范党支部名额（0 个）已满" in message
    with pytest.raises(ValidationFailed) as refused:
        _decide(instance_id, DECISION | {"model_quota_choice": "override"})
    assert "model_quota_reason" in refused.value.field_errors
    assert open_task(instance_id).element_id == "company_decision"  # nothing changed
    assert places_taken(db.session, cycle_id) == []


def test_approved_over_the_quota_with_its_reason(demo, clock, client, login):
    cycle_id, instance_id = _model_at_decision(demo, clock)
    _decide(
        instance_id, DECISION | {"model_quota_choice": "override", "model_quota_reason": REASON}
    )
    assert earlier_answers(db.session, instance_id)["model_quota_reason"] == REASON
    clock.advance(days=7, seconds=1)  # the public notice
    run_once()
    assert _final(instance_id)["level"] == Level.MODEL
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.MODEL
    [place] = places_taken(db.session, cycle_id)
    assert (place.instance_id, place.over_quota, place.reason) == (instance_id, True, REASON)
    login(holder_at("HH", "company_org_dept").login, "demo123456")
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    assert "超出名额批准的示范党支部" in page
    assert f"{demo.branch.name}: {REASON}" in page


def test_the_committee_may_decide_red_flag_within_the_quota(demo, clock):
    cycle_id, instance_id = _model_at_decision(demo, clock)
    _decide(instance_id, DECISION | {"model_quota_choice": "cap"})
    clock.advance(days=7, seconds=1)
    run_once()
    final = _final(instance_id)
    assert (final["level"], final["level_reason"]) == (Level.RED_FLAG, "model_quota")
    assert places_taken(db.session, cycle_id) == []
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.RED_FLAG


def test_the_decision_comes_after_the_level_so_others_need_no_choice(demo):
    """A branch judged 标准化 is decided as before, without a word about the quota."""
    cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id, lost=2)
    _unit_review(instance_id, minus={"A6": 3})
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {"onsite_score": 86, "onsite_bonus": 0, "acceptance_note": "现场验收"}
        | {f"company_{v}": "no" for v in VETOES},
    )
    _decide(instance_id, DECISION)
    assert cycle_progress(db.session, cycle_id).counts["public_notice"] == 1
    assert places_taken(db.session, cycle_id) == []

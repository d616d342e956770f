"""红旗 and 示范 require the company's on-site acceptance (domain.md §9, issue 17): a 标准化
candidate not drawn for the on-site sample whose desk review reaches the 红旗 threshold becomes a
红旗 candidate and is accepted on site before any level is decided."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.worker import run_once
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level
from tests.processes.test_acceptance_sample import NO_VETO
from tests.processes.test_acceptance_sample import _cycle
from tests.processes.test_acceptance_sample import _decide
from tests.processes.test_acceptance_sample import _final
from tests.processes.test_acceptance_sample import _to_company

DESK_93 = {
    "desk_agrees": "no",
    "desk_base": 93,
    "desk_bonus": 0,
    "desk_reason": "台账材料优于审核评分",
    "acceptance_note": "材料齐全",
    **NO_VETO,
}


def _desk_reviewed_at_93(demo) -> int:
    """A 标准化 branch recommended at 85, decided by hand for desk review, given 93 there."""
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == demo.branch.code)).one()
    set_level(branch.id, Level.STANDARDISED)
    _cycle_id, instances = _cycle(demo)
    instance_id = instances[demo.branch.code]
    _to_company(demo.branch.code, instance_id, "standardised", review_minus=15)
    complete_step(
        holder_at("HH", "company_org_dept"),
        instance_id,
        "acceptance_sample",
        {"onsite": "no", "sample_note": "未抽中"},
    )
    complete_step(holder_at("HH", "acceptance_panel"), instance_id, "company_desk_review", DESK_93)
    return instance_id


def test_a_desk_review_at_the_red_flag_line_goes_on_site_first(demo, clock):
    instance_id = _desk_reviewed_at_93(demo)
    assert open_task(instance_id).element_id == "company_acceptance"  # not the decision yet
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {"onsite_score": 88, "onsite_bonus": 0, "acceptance_note": "现场台账有缺项", **NO_VETO},
    )
    _decide(instance_id)
    clock.advance(days=7, seconds=1)
    run_once()
    final = _final(instance_id)
    assert (final["final_score"], final["onsite_accepted"]) == (88, True)  # the on-site score
    assert final["level"] == Level.STANDARDISED
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.STANDARDISED


def test_red_flag_is_given_only_with_the_on_site_score(demo, clock):
    instance_id = _desk_reviewed_at_93(demo)
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {"onsite_score": 92, "onsite_bonus": 0, "acceptance_note": "现场验收台账完整", **NO_VETO},
    )
    _decide(instance_id)
    clock.advance(days=7, seconds=1)
    run_once()
    final = _final(instance_id)
    assert (final["final_score"], final["level"]) == (92, Level.RED_FLAG)
    assert final["onsite_accepted"] is True

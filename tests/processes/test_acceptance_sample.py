"""Company acceptance of a unit's batch (``grading_cycle``, app/grading/cycle/acceptance.py): every 红旗
candidate on site; the 标准化 candidates wait for the organisation department's random sample, at
least 30% of them on site over all draws, the others accepted by their files; a veto found by a
related department, checked in parallel with the unit's review, gives 未达标."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.acceptance import draw_acceptance_sample
from app.grading.cycle.acceptance import sample_state
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.measured import MEASURED
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import TEST_NOW
from tests.plugins.demo import committee_size
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_grading_cycle import ASPECTS
from tests.processes.test_grading_cycle import CRITERIA
from tests.processes.test_grading_cycle import PDF
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _veto_check

TODAY = TEST_NOW.date()  # the committee that votes: today's

NO_VETO = {f"company_{v}": "no" for v in VETOES}


def _cycle(demo) -> tuple[int, dict[str, int]]:
    """The 2026 cycle of unit HH01: (cycle id, branch code → instance id)."""
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    rows = db.session.execute(
        select(OrgUnit.code, CycleBranch.instance_id)
        .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
        .where(CycleBranch.cycle_id == cycle_id)
        .order_by(OrgUnit.path)
    ).all()
    return cycle_id, dict(rows)


def _self_assess(code: str, instance_id: int, target: str, vetoes=()) -> None:
    """Full marks, the given vetoes declared, applying for ``target``, with the evidence."""
    secretary = holder_at(code, "branch_secretary")
    evidence = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("evidence", "自评材料.pdf", PDF)],
    )["evidence"]
    data: dict = dict(CRITERIA)
    data.update({f"{cid}_note": "台账齐全" for cid in CRITERIA})
    data.update({v: "yes" if v in vetoes else "no" for v in VETOES})
    data.update({"self_bonus": 0, "target_level": target, "evidence": evidence})
    # full marks where the records measured less: each measured criterion says why
    data.update({f"{cid}_change_reason": "补录线下记录" for cid in MEASURED})
    data["C19"] = 0  # no brand registered: as the registry measured it
    complete_step(secretary, instance_id, "self_assessment", data)


def _committee_agrees(code: str, instance_id: int) -> None:
    """The branch committee resolves, unanimously, to apply."""
    size = committee_size(code, TODAY)  # all its members present, all for
    complete_step(
        holder_at(code, "branch_committee"),
        instance_id,
        "committee_resolution",
        {
            "vote_tally": {"present": size, "for": size, "against": 0, "abstain": 0},
            "agree_to_apply": True,
        },
    )


def _to_company(code: str, instance_id: int, target: str, review_minus: float) -> None:
    """The branch self-assesses for ``target``; the unit reviews it at 100 - ``review_minus``
    (no veto) and recommends it."""
    _self_assess(code, instance_id, target)
    _committee_agrees(code, instance_id)
    review: dict = {f"review_{a}": p for a, p in ASPECTS.items()}
    review["review_A6"] = ASPECTS["A6"] - review_minus
    review.update({f"unit_{v}": "no" for v in VETOES})
    review.update({"review_bonus": 0, "review_changes": "A6 按指标扣分"})
    review.update({"veto_departments": "纪委、安全环保科", "onsite_checked": True})
    review["review_outcome"] = "forward"
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "unit_review", review)
    _veto_check(instance_id)
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_decision",
        {
            "unit_vote": {"eligible": 7, "present": 7, "for": 7, "against": 0, "abstain": 0},
            "unit_opinion": "同意推荐",
        },
    )


def _department_members() -> list[Actor]:
    """The demo company's two organisation department members."""
    users = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == "company_org_dept", OrgUnit.code == "HH")
        .order_by(User.id)
    ).all()
    assert len(users) >= 2
    return [Actor(user_id=u.id, login=u.login, source="test") for u in users[:2]]


def _final(instance_id: int) -> dict:
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    return json.loads(row.state_json)["data"]


def _decide(instance_id: int) -> None:
    complete_step(
        holder_at("HH", "company_party_committee"),
        instance_id,
        "company_decision",
        {"company_approved": True, "company_decision_no": "公司党委〔2027〕5号"},
    )


def test_the_sample_takes_at_least_the_share_over_all_draws(demo, clock):
    cycle_id, instances = _cycle(demo)
    codes = list(instances)
    assert len(codes) >= 8
    red_flag, *standard = codes[:8]
    _to_company(red_flag, instances[red_flag], "red_flag", review_minus=1)  # 99: 红旗 candidate
    assert open_task(instances[red_flag]).element_id == "company_acceptance"  # never sampled
    for code in standard[:4]:
        _to_company(code, instances[code], "standardised", review_minus=15)  # 85
        assert open_task(instances[code]).element_id == "acceptance_sample"
    state = sample_state(db.session, cycle_id)
    assert (len(state.waiting), state.decided, state.to_draw) == (4, 0, 2)  # ⌈30% × 4⌉

    department = holder_at("HH", "company_org_dept")
    first = run(draw_acceptance_sample, actor=department, cycle_id=cycle_id, seed=7)
    assert (len(first["on_site"]), len(first["by_files"])) == (2, 2)
    for code in first["on_site"]:
        assert open_task(instances[code]).element_id == "company_acceptance"
    for code in first["by_files"]:
        assert open_task(instances[code]).element_id == "company_desk_review"

    for code in standard[4:]:  # the next batch: 3 more, 7 in all, ⌈2.1⌉ = 3 on site: 1 more
        _to_company(code, instances[code], "standardised", review_minus=15)
    second = run(draw_acceptance_sample, actor=department, cycle_id=cycle_id, seed=7)
    assert (len(second["on_site"]), len(second["by_files"])) == (1, 2)
    state = sample_state(db.session, cycle_id)
    assert (state.on_site, state.by_files, state.waiting) == (3, 4, [])
    assert cycle_progress(db.session, cycle_id).counts["company_desk_review"] == 4

    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == "acceptance_sample_drawn")
        .order_by(AuditEvent.seq)
    ).all()
    assert [json.loads(e.payload)["batch"] for e in events] == [1, 2]
    assert json.loads(events[0].payload)["seed"] == 7  # the draw can be replayed

    with pytest.raises(ValidationFailed):  # nobody waiting: nothing to draw
        run(draw_acceptance_sample, actor=department, cycle_id=cycle_id)

    # By their files: the panel confirms the unit's score, or replaces it with a reason.
    agreed, replaced = first["by_files"]
    panel = holder_at("HH", "acceptance_panel")
    complete_step(
        panel,
        instances[agreed],
        "company_desk_review",
        {"desk_agrees": "yes", "acceptance_note": "材料齐全", **NO_VETO},
    )
    with pytest.raises(ValidationFailed) as refused:  # a different score needs its reason
        complete_step(
            panel,
            instances[replaced],
            "company_desk_review",
            {"desk_agrees": "no", "desk_base": 82, "desk_bonus": 0, "acceptance_note": "有缺项"},
        )
    assert "desk_reason" in refused.value.field_errors
    complete_step(
        panel,
        instances[replaced],
        "company_desk_review",
        {
            "desk_agrees": "no",
            "desk_base": 79,
            "desk_bonus": 0,
            "desk_reason": "组织生活会记录缺失",
            "acceptance_note": "有缺项",
            **NO_VETO,
        },
    )
    for code in (agreed, replaced):
        _decide(instances[code])
    clock.advance(days=7, seconds=1)
    run_once()
    agreed_final, replaced_final = _final(instances[agreed]), _final(instances[replaced])
    assert (agreed_final["final_score"], agreed_final["decided_by"]) == (85, "company")
    assert replaced_final["final_score"] == 79  # the panel's score, below 80
    assert replaced_final["level"] == "basic"  # 79 is in the 基本达标 band, up or down


def test_only_the_organisation_department_draws_and_not_over_someone_elses_claim(demo):
    cycle_id, instances = _cycle(demo)
    first, second = list(instances)[:2]
    for code in (first, second):
        _to_company(code, instances[code], "standardised", review_minus=15)
    with pytest.raises(Forbidden):
        run(draw_acceptance_sample, actor=holder_at("HH01", "unit_org_reviewer"), cycle_id=cycle_id)
    first_member, second_member = _department_members()
    run(commands.claim_task, actor=second_member, task_id=open_task(instances[first]).id)
    with pytest.raises(ValidationFailed):
        run(draw_acceptance_sample, actor=first_member, cycle_id=cycle_id)
    assert len(sample_state(db.session, cycle_id).waiting) == 2  # nothing changed


def test_a_veto_found_by_a_related_department_gives_not_up_to_standard(demo):
    _cycle_id, instances = _cycle(demo)
    code = demo.branch.code
    instance_id = instances[code]
    _self_assess(code, instance_id, "standardised")
    size = committee_size(code, TODAY)
    complete_step(
        holder_at(code, "branch_committee"),
        instance_id,
        "committee_resolution",
        {
            "vote_tally": {"present": size, "for": size, "against": 0, "abstain": 0},
            "agree_to_apply": True,
        },
    )
    with pytest.raises(ValidationFailed) as refused:  # a veto found needs its source
        complete_step(
            holder_at("HH", "related_dept"),
            instance_id,
            "veto_check",
            {"checked_by": ["safety"], **{f"dept_{v}": "no" for v in VETOES}, "dept_V2": "yes"},
        )
    assert "dept_V2_source" in refused.value.field_errors
    _veto_check(instance_id, vetoes=("V2",))
    assert open_task(instance_id).element_id == "unit_review"  # the review is still to come
    review: dict = {f"review_{a}": p for a, p in ASPECTS.items()}
    review.update({f"unit_{v}": "no" for v in VETOES})
    review.update({"review_bonus": 0, "review_changes": "无", "onsite_checked": True})
    review["review_outcome"] = "forward"
    review["veto_departments"] = "公司安全环保处"
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "unit_review", review)
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_decision",
        {
            "unit_vote": {"eligible": 7, "present": 7, "for": 7, "against": 0, "abstain": 0},
            "unit_opinion": "同意",
        },
    )
    final = _final(instance_id)  # 100 points, but the department's veto stands
    assert (final["dept_vetoes"], final["unit_vetoes"], final["has_veto"]) == (["V2"], [], True)
    assert (final["level"], final["level_reason"]) == ("not_up_to_standard", "veto")

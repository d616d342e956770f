"""年度达标晋级 (``grading_cycle``, processes/grading/): one branch of the demo organisation from its
self-assessment to its level, each step done by its role at the branch, the unit or the company.

* a branch recommended by its unit goes through company acceptance, the committee's decision and a
  public notice of 5 working days (holidays not counted), then ``level_decision`` gives the level;
* a branch the unit grades below 标准化 skips the company and gets its level at once;
* a declared veto gives 未达标 whatever the score;
* the rubric pinned when the cycle started stays, even when a new one is published mid-cycle.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.rubric.commands import publish_rubric
from app.grading.rubric.document import default_document
from app.grading.rubric.queries import current_rubric
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.worker import run_once
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level
from tests.plugins.demo import told_of_return

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RUBRIC = default_document()
CRITERIA = {c["id"]: c["points"] for a in RUBRIC["aspects"] for c in a["criteria"]}
ASPECTS = {a["id"]: a["points"] for a in RUBRIC["aspects"]}
VETOES = [v["id"] for v in RUBRIC["vetoes"]]


def _history(branch_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = db.session.scalars(
        select(BranchLevel).where(BranchLevel.branch_id == branch_id).order_by(BranchLevel.id)
    )
    return [(r.level.value, r.decided_by, r.plaque_no) for r in rows]


def _start(demo, level: Level = Level.STANDARDISED) -> tuple[int, int]:
    """Start the 2026 cycle for the demo branch's unit; (cycle id, the demo branch's instance)."""
    set_level(demo.branch.id, level)
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    instance_id = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    return cycle_id, instance_id


def _self_assess(
    demo, instance_id: int, lost: float = 0, vetoes=(), bonus: float = 0, c19: float = 0
) -> None:
    """Full marks but ``lost`` points (taken from C07), the given vetoes declared; C19 as the brand
    registry measured it (0: no brand); the committee agrees 5 to 0."""
    data = _assessment(demo, instance_id, lost, vetoes, bonus, c19)
    complete_step(demo.holder("branch_secretary"), instance_id, "self_assessment", data)
    _committee_votes(demo, instance_id, votes_for=5)


def _assessment(
    demo, instance_id: int, lost: float = 0, vetoes=(), bonus: float = 0, c19: float = 0
) -> dict:
    evidence = run(
        store_uploads,
        actor=demo.holder("branch_secretary"),
        task_id=open_task(instance_id).id,
        uploads=[Upload("evidence", "自评材料.pdf", PDF)],
    )["evidence"]
    data: dict = {}
    for cid, points in CRITERIA.items():
        data[cid] = points - lost if cid == "C07" else points
        data[cid + "_note"] = f"{cid} 台账齐全"
    data.update({v: "yes" if v in vetoes else "no" for v in VETOES})
    data.update({"self_bonus": bonus, "target_level": "red_flag", "evidence": evidence})
    data["C19"] = c19
    return data


def _committee_votes(demo, instance_id: int, votes_for: int, agree: bool = True) -> None:
    against = 5 - votes_for
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "committee_resolution",
        {
            "vote_tally": {  # the five of the committee that day: counted, not typed
                "present": 5,
                "for": votes_for,
                "against": against,
                "abstain": 0,
            },
            "agree_to_apply": agree,
        },
    )


def _veto_check(instance_id: int, vetoes=()) -> None:
    """The related departments' check at the company, in parallel with the unit's review."""
    data: dict = {"checked_by": ["discipline", "safety", "stability"]}
    for v in VETOES:
        data[f"dept_{v}"] = "yes" if v in vetoes else "no"
        if v in vetoes:
            data[f"dept_{v}_source"] = "公司纪委 2026-31 号通报"
    complete_step(holder_at("HH", "related_dept"), instance_id, "veto_check", data)


def _review(minus: dict | None = None, vetoes=(), bonus: float = 0) -> dict:
    """The unit reviewer's answers: each aspect's full points less ``minus[aspect]``, forwarded."""
    minus = minus or {}
    data: dict = {f"review_{a}": p - minus.get(a, 0) for a, p in ASPECTS.items()}
    data.update({"review_bonus": bonus, "review_changes": "A6 按生产经营指标扣分"})
    for v in VETOES:
        data[f"unit_{v}"] = "yes" if v in vetoes else "no"
        if v in vetoes:
            data[f"unit_{v}_source"] = "厂纪委 2026-17 号函"
    data.update({"veto_departments": "纪委、安全环保科、信访办", "onsite_checked": True})
    return data | {"review_outcome": "forward"}


def _unit_review(
    instance_id: int, minus: dict | None = None, vetoes=(), bonus: float = 0, dept_vetoes=()
) -> None:
    """The reviewed scores (``_review``) and the unit's recommendation; the related departments
    find ``dept_vetoes``."""
    data = _review(minus, vetoes, bonus)
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "unit_review", data)
    _veto_check(instance_id, dept_vetoes)
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_decision",
        {
            "unit_vote": {"eligible": 7, "present": 7, "for": 7, "against": 0, "abstain": 0},
            "unit_opinion": "同意审核意见",
        },
    )


def _open_steps(instance_id: int) -> list[str]:
    return sorted(
        db.session.scalars(
            select(HumanTask.element_id).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    )


def _final(instance_id: int) -> dict:
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    return json.loads(row.state_json)["data"]


def test_the_public_notice_lasts_five_working_days_over_new_year(demo, clock):
    _, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id, lost=2, bonus=1)
    _unit_review(instance_id, minus={"A6": 3}, bonus=1)
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {"onsite_score": 91.5, "onsite_bonus": 2, "acceptance_note": "现场验收台账完整"}
        | {f"company_{v}": "no" for v in VETOES},
    )
    clock.set(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))  # Wednesday 30 December, 10:00 Beijing
    complete_step(
        holder_at("HH", "company_party_committee"),
        instance_id,
        "company_decision",
        {"company_approved": True, "company_decision_no": "公司党委〔2026〕9号"},
    )
    # 31 December, then New Year's Day and the weekend are not counted: 4, 5, 6 and 7 January.
    clock.set(datetime(2027, 1, 7, 1, 59, tzinfo=UTC))
    run_once()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    clock.advance(minutes=1, seconds=1)
    assert run_once().timers_fired >= 1
    assert _final(instance_id)["level"] == Level.RED_FLAG


def test_a_recommended_branch_goes_through_company_acceptance_to_red_flag(demo, clock):
    cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    first = open_task(instance_id)
    assert (first.element_id, first.candidate_role, first.org_unit_id) == (
        "self_assessment",
        "branch_secretary",
        demo.branch.id,
    )
    _self_assess(demo, instance_id, lost=2, bonus=1)
    review = open_task(instance_id, "unit_review")
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    company = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH")).one()
    assert (review.candidate_role, review.org_unit_id) == ("unit_org_reviewer", unit.id)
    veto_check = open_task(instance_id, "veto_check")  # at the same time, at the company
    assert (veto_check.candidate_role, veto_check.org_unit_id) == ("related_dept", company.id)
    _unit_review(instance_id, minus={"A6": 3}, bonus=1)  # 97 + 1 ≥ 80: recommended
    acceptance = open_task(instance_id)
    assert acceptance.element_id == "company_acceptance"  # a 红旗 candidate: always on site
    assert (acceptance.candidate_role, acceptance.org_unit_id) == ("acceptance_panel", company.id)
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
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    progress = cycle_progress(db.session, cycle_id)
    assert progress.counts["public_notice"] == 1
    clock.advance(days=6)
    run_once()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.RUNNING
    clock.advance(days=1, seconds=1)
    assert run_once().timers_fired >= 1
    final = _final(instance_id)
    assert final["final_score"] == 93.5  # 91.5 on site + 2 bonus
    assert (final["level"], final["level_reason"]) == (Level.RED_FLAG, "score")
    assert final["decided_by"] == "company"
    progress = cycle_progress(db.session, cycle_id)
    assert progress.counts["completed"] == 1
    assert progress.levels == {"red_flag": 1}
    level, decided_by, plaque = _history(demo.branch.id)[-1]  # the decision is in the history
    assert (level, decided_by) == ("red_flag", "2026年度达标晋级 公司党委决定 公司党委〔2027〕3号")
    assert plaque is not None  # an upgrade to 红旗 earns a plaque
    assert db.session.get(OrgUnit, demo.branch.id).level is Level.RED_FLAG


def test_a_branch_below_standard_gets_its_level_from_the_unit(demo):
    cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id, lost=4)  # the branch says 96
    _unit_review(instance_id, minus={"A4": 15, "A6": 10})  # the unit finds 75: below 80
    final = _final(instance_id)  # no company step: the unit decided, the level is set at once
    assert (final["reviewed_score"], final["final_score"]) == (75, 75)
    assert final["decided_by"] == "unit"
    assert "onsite_score" not in final
    assert (final["level"], final["level_reason"]) == (Level.BASIC, "score")  # down from 标准化
    assert _history(demo.branch.id)[-1][:2] == ("basic", "2026年度达标晋级 厂处党委定级")
    progress = cycle_progress(db.session, cycle_id)
    assert progress.levels == {"basic": 1}
    assert progress.counts["self_assessment"] == progress.total - 1  # the unit's other branches


def test_a_failed_committee_vote_sends_the_self_assessment_back_until_it_passes(demo):
    _, instance_id = _start(demo)
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, instance_id, "self_assessment", _assessment(demo, instance_id))
    _committee_votes(demo, instance_id, votes_for=1)  # 1 of 5: not more than half
    back = open_task(instance_id)
    assert (back.element_id, back.candidate_role) == ("self_assessment", "branch_secretary")
    assert told_of_return(instance_id) == [
        secretary.user_id
    ]  # the secretary who submitted it is told
    complete_step(secretary, instance_id, "self_assessment", _assessment(demo, instance_id))
    _committee_votes(demo, instance_id, votes_for=5, agree=False)  # passed, but not agreed
    assert open_task(instance_id).element_id == "self_assessment"
    complete_step(secretary, instance_id, "self_assessment", _assessment(demo, instance_id))
    _committee_votes(demo, instance_id, votes_for=3)  # 3 of 5: more than half
    assert open_task(instance_id, "unit_review") is not None


def test_the_unit_returns_the_self_assessment_after_both_checks_and_the_round_starts_again(demo):
    _, instance_id = _start(demo)
    secretary = demo.holder("branch_secretary")
    reviewer = holder_at("HH01", "unit_org_reviewer")
    _self_assess(demo, instance_id)
    returned = _review() | {"review_outcome": "return", "return_reason": "C07 台账缺少签到表"}
    complete_step(reviewer, instance_id, "unit_review", returned)
    # the return waits for the related departments' check running alongside
    assert _open_steps(instance_id) == ["veto_check"]
    _veto_check(instance_id)
    back = open_task(instance_id)
    assert (back.element_id, back.candidate_role) == ("self_assessment", "branch_secretary")
    assert told_of_return(instance_id) == [secretary.user_id]
    # the second round: the committee again, then both checks again; the choice is asked anew
    _self_assess(demo, instance_id)
    assert _open_steps(instance_id) == ["unit_review", "veto_check"]
    without_choice = {k: v for k, v in _review().items() if k != "review_outcome"}
    with pytest.raises(ValidationFailed):
        complete_step(reviewer, instance_id, "unit_review", without_choice)
    assert open_task(instance_id, "unit_review") is not None  # the refusal changed nothing
    # the reviewer answers first, the related departments last: their branch still carries last
    # round's "return", and must not overwrite this round's choice at the join
    _unit_review(instance_id)
    assert _open_steps(instance_id) == ["company_acceptance"]


def test_a_failed_unit_committee_vote_is_deliberated_again_before_anything_goes_on(demo):
    _, instance_id = _start(demo)
    _self_assess(demo, instance_id)
    review = _review()
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "unit_review", review)
    _veto_check(instance_id)
    unit_committee = holder_at("HH01", "unit_party_committee")
    failed = {"eligible": 7, "present": 7, "for": 1, "against": 6, "abstain": 0}
    opinion = {"unit_opinion": "对审核得分有分歧"}
    complete_step(unit_committee, instance_id, "unit_decision", {"unit_vote": failed} | opinion)
    assert _open_steps(instance_id) == ["unit_decision"]  # not recommended, not filed
    again = open_task(instance_id, "unit_decision")
    assert again.candidate_role == "unit_party_committee"  # for the committee's next meeting
    passed = {"eligible": 7, "present": 7, "for": 5, "against": 2, "abstain": 0}
    complete_step(unit_committee, instance_id, "unit_decision", {"unit_vote": passed} | opinion)
    assert _open_steps(instance_id) == ["company_acceptance"]


def test_a_declared_veto_gives_not_up_to_standard(demo):
    _cycle_id, instance_id = _start(demo, Level.RED_FLAG)
    _self_assess(demo, instance_id, vetoes=("V4",))
    _unit_review(instance_id)  # 100 points, but the declared veto stands: the unit decides
    final = _final(instance_id)
    assert final["self_vetoes"] == ["V4"]
    assert final["has_veto"] is True
    assert (final["level"], final["level_reason"]) == (Level.NOT_UP_TO_STANDARD, "veto")


def test_a_veto_found_by_the_unit_gives_not_up_to_standard(demo):
    _cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id)
    _unit_review(instance_id, vetoes=("V2",))
    final = _final(instance_id)
    assert (final["self_vetoes"], final["unit_vetoes"]) == ([], ["V2"])
    assert (final["level"], final["level_reason"]) == (Level.NOT_UP_TO_STANDARD, "veto")


def test_the_pinned_rubric_stays_when_a_new_one_is_published_mid_cycle(demo, clock):
    cycle_id, instance_id = _start(demo, Level.BASIC)
    pinned = current_rubric(db.session)
    assert pinned.version == 1  # the cycle stored the default as version 1 and pinned it
    document = pinned.rubric.to_document()
    for level in document["levels"]:
        level["min_score"] = {"model": 99.8, "red_flag": 99.5, "standardised": 99}.get(
            level["id"], level["min_score"]
        )
    run(
        publish_rubric,
        actor=holder_at("HH", "company_org_dept"),
        document=document,
        reason="提高分数线",
    )
    assert current_rubric(db.session).version == 2
    _self_assess(demo, instance_id, lost=3)
    _unit_review(instance_id, minus={"A6": 5})  # 95: recommended by the pinned 80, not the new 99
    assert open_task(instance_id).element_id == "company_acceptance"
    complete_step(
        holder_at("HH", "acceptance_panel"),
        instance_id,
        "company_acceptance",
        {
            "onsite_score": 85,
            "onsite_bonus": 0,
            "acceptance_note": "验收通过",
            **{f"company_{v}": "no" for v in VETOES},
        },
    )
    complete_step(
        holder_at("HH", "company_party_committee"),
        instance_id,
        "company_decision",
        {"company_approved": True, "company_decision_no": "公司党委〔2027〕3号"},
    )
    clock.advance(days=7, seconds=1)
    run_once()
    final = _final(instance_id)
    assert final["rubric_version_id"] == pinned.id
    assert final["threshold_standard"] == 80
    assert (final["level"], final["level_reason"]) == (Level.STANDARDISED, "score")  # 85 ≥ 80
    progress = cycle_progress(db.session, cycle_id)
    assert progress.rubric_version == 1


def _hold_committee_meeting(demo) -> None:
    """A committee meeting at the demo branch, its attendance and minutes recorded."""
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    agenda = {
        "month": "2026-11",
        "topics": "研究年度自评",
        "meeting_at": "2026-11-20T09:00:00+08:00",
        "place": "活动室",
    }
    complete_step(secretary, instance_id, "set_agenda", agenda)
    meeting = {"attendance": {"present": demo.people("committee")[:3]}, "minutes": "要点" * 6}
    complete_step(secretary, instance_id, "hold_meeting", meeting)


def test_c12_starts_from_the_meeting_records_and_changes_only_with_a_reason(demo, client, login):
    _hold_committee_meeting(demo)
    _, instance_id = _start(demo)
    secretary = demo.holder("branch_secretary")
    login(secretary.login, "demo123456")
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert 'id="f-C12" name="C12" value="7.0"' in page  # the committee meeting held: 7 of 7
    evidence = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("evidence", "自评材料.pdf", PDF)],
    )["evidence"]
    data: dict = dict(CRITERIA) | {c + "_note": "台账" for c in CRITERIA}
    data |= dict.fromkeys(VETOES, "no") | {"self_bonus": 0, "target_level": "standardised"}
    data |= {"evidence": evidence, "C12": 5, "C19": 0}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "self_assessment", data)
    assert refused.value.field_errors["C12_change_reason"].startswith("办理记录为 7.0")
    complete_step(
        secretary, instance_id, "self_assessment", data | {"C12_change_reason": "党课记录补录"}
    )
    assert open_task(instance_id).element_id == "committee_resolution"


def test_the_committee_vote_counts_the_committee_of_the_day_not_a_typed_number(demo):
    """A typed "9 entitled" for a five-member committee is not taken: 3 for of 5 passes, and 6
    present of 5 is refused with nothing changed."""
    _, instance_id = _start(demo)
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, instance_id, "self_assessment", _assessment(demo, instance_id))
    typed = {"eligible": 9, "present": 6, "for": 6, "against": 0, "abstain": 0}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            demo.holder("branch_committee"),
            instance_id,
            "committee_resolution",
            {"vote_tally": typed, "agree_to_apply": True},
        )
    assert "vote_tally" in refused.value.field_errors
    assert open_task(instance_id).element_id == "committee_resolution"  # nothing changed
    _committee_votes(demo, instance_id, votes_for=3)
    assert open_task(instance_id, "unit_review") is not None

"""年度动态分析与一支部一策 (``annual_dynamic_analysis`` and ``branch_improvement_plan``,
processes/grading/): the demo enterprise screened by the company organisation department, the
analysis confirmed and approved, and each class-C branch's plan run by its unit and branch.

* the screening classes every branch: 1–2★ and any veto are class C, and so is a branch proposed
  as 软弱涣散 (weak and lax) whatever its stars;
* the committee's approval makes the designations count (the dashboard's C-class list) and starts
  one improvement plan per class-C branch of the summary it approved;
* a plan runs draft → unit committee approval → branch implementation → unit verification; an
  improved branch's designation is lifted;
* one analysis per year: a second start is refused, a returned one may be started again, and the
  proposals are frozen while it runs;
* a unit's reviewer cannot act on another unit's plan; invalid input changes nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.formdefs.fields import prefilled
from app.grading.analysis.commands import propose_weak
from app.grading.analysis.commands import start_analysis
from app.grading.analysis.commands import withdraw_weak
from app.grading.analysis.models import DynamicAnalysis
from app.grading.analysis.models import ImprovementPlan
from app.grading.analysis.models import WeakDesignation
from app.grading.analysis.screening import screen
from app.grading.ratings.commands import rate_branch
from app.grading.ratings.queries import rated_branches
from app.identity.models import OrgUnit
from app.levels.queries import units_under
from app.workflow import commands
from app.workflow.models import HumanTask
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import TEST_NOW
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task

TEST_TODAY = TEST_NOW.date()
YEAR = TEST_TODAY.year
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def org_dept() -> Actor:
    return holder_at("HH", "company_org_dept")


def _org(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _rate(code: str, score: float | None, veto: bool = False) -> None:
    run(
        rate_branch,
        actor=org_dept(),
        branch_id=_org(code).id,
        score=score,
        has_veto=veto,
        source="manual",
        rated_on=TEST_TODAY,
    )


def _propose(code: str, reason: str = "班子不团结，组织生活长期不正常", **extra) -> int:
    values = {"valid_until": f"{YEAR + 1}-12-31", **extra}
    return run(propose_weak, actor=org_dept(), year=YEAR, branch_code=code, reason=reason, **values)


def _classes() -> dict[str, str]:
    """Branch code → class in the company's screening of this year."""
    root = _org("HH")
    found = screen(db.session, units_under(db.session, [root.path]), YEAR, TEST_TODAY, TEST_NOW)
    return {r.branch.code: r.rating_class for r in found.rows}


def _dashboard_class(code: str) -> tuple[str, str]:
    """The branch's class and reason on the dashboard's C-class list (``rated_branches``)."""
    root = _org("HH")
    rows = rated_branches(db.session, units_under(db.session, [root.path]), TEST_TODAY)
    row = next(r for r in rows if r.branch.code == code)
    return row.rating_class, row.why


def _analysis(analysis_id: int) -> DynamicAnalysis:
    return db.session.get(DynamicAnalysis, analysis_id)


def _start_data(instance_id: int) -> dict:
    return earlier_answers(db.session, instance_id)


def _confirm(instance_id: int) -> None:
    complete_step(
        org_dept(),
        instance_id,
        "confirm",
        {
            "screening_summary": _start_data(instance_id)["screening_summary"],
            "classification_confirmed": True,
            "differentiated_measures": "A类选树观摩点；B类列出提升清单；C类一支部一策",
        },
    )


def _decide(instance_id: int, decision: str = "approved") -> None:
    data = {"analysis_decision": decision, "approve_opinion": "同意组织部意见"}
    if decision == "approved":
        data["decision_no"] = "HH党发〔2026〕12号"
    complete_step(holder_at("HH", "company_party_committee"), instance_id, "approve", data)


def _setup_classes(demo) -> None:
    """HH01-01 (the demo branch) stays B; HH01-02 drops to 2★ and HH01-05 has a veto (both C)."""
    _rate("HH01-02", 72)
    _rate("HH01-05", 91, veto=True)
    _propose(demo.branch.code)


def _approved(demo) -> int:
    _setup_classes(demo)
    analysis_id = run(start_analysis, actor=org_dept(), year=YEAR)
    instance_id = _analysis(analysis_id).instance_id
    _confirm(instance_id)
    _decide(instance_id)
    return analysis_id


def _plans(analysis_id: int) -> dict[str, ImprovementPlan]:
    rows = db.session.execute(
        select(OrgUnit.code, ImprovementPlan)
        .join(OrgUnit, OrgUnit.id == ImprovementPlan.branch_id)
        .where(ImprovementPlan.analysis_id == analysis_id)
    ).all()
    return dict(rows)


def _events(event_type: str) -> list[dict]:
    return [
        json.loads(e.payload)
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == event_type).order_by(AuditEvent.seq)
        )
    ]


def test_the_screening_classes_weak_branches_as_c(demo):
    before = _classes()
    assert before[demo.branch.code] == "B"
    _setup_classes(demo)
    after = _classes()
    assert (after["HH01-02"], after["HH01-05"], after[demo.branch.code]) == ("C", "C", "C")
    # only the screening counts a proposal: the dashboard waits for the committee's approval
    assert _dashboard_class(demo.branch.code) == ("B", "")
    assert _dashboard_class("HH01-05") == ("C", "veto")


def test_approval_confirms_the_designation_and_starts_one_plan_per_c_branch(demo):
    _setup_classes(demo)
    expected_c = {code for code, klass in _classes().items() if klass == "C"}
    analysis_id = run(start_analysis, actor=org_dept(), year=YEAR)
    analysis = _analysis(analysis_id)
    company = _org("HH")
    confirm = open_task(analysis.instance_id)
    assert (confirm.element_id, confirm.candidate_role, confirm.org_unit_id) == (
        "confirm",
        "company_org_dept",
        company.id,
    )
    assert confirm.due_at is not None
    start = _start_data(analysis.instance_id)
    assert start["class_counts"]["C"] == len(expected_c)
    assert sum(start["class_counts"].values()) == start["branch_count"]
    listed = {entry["value"]: entry for entry in start["c_branches"]}
    assert {_org_code(i) for i in listed} == expected_c
    weak = listed[demo.branch.id]
    assert (weak["label"], weak["why"]) == (f"{demo.branch.name}（{demo.branch.code}）", "weak")
    assert demo.branch.name in start["screening_summary"]

    _confirm(analysis.instance_id)
    approve = open_task(analysis.instance_id)
    assert (approve.element_id, approve.candidate_role) == ("approve", "company_party_committee")
    assert _plans(analysis_id) == {}  # nothing starts before the committee decides
    _decide(analysis.instance_id)

    analysis = _analysis(analysis_id)
    assert (analysis.status, analysis.decision_no) == ("approved", "HH党发〔2026〕12号")
    assert db.session.get(ProcessInstance, analysis.instance_id).status is InstanceStatus.COMPLETED
    (designation,) = db.session.scalars(select(WeakDesignation)).all()
    assert (designation.status, designation.confirmed_on, designation.analysis_id) == (
        "confirmed",
        TEST_TODAY,
        analysis_id,
    )
    assert _dashboard_class(demo.branch.code) == ("C", "weak")  # class C from today

    plans = _plans(analysis_id)
    assert set(plans) == expected_c
    assert plans[demo.branch.code].reason == "weak"
    assert plans["HH01-05"].reason == "veto"
    unit = _org("HH01")
    draft = open_task(plans[demo.branch.code].instance_id)
    assert (draft.element_id, draft.candidate_role, draft.org_unit_id) == (
        "draft",
        "unit_org_reviewer",
        unit.id,
    )
    plan_instance = db.session.get(ProcessInstance, plans[demo.branch.code].instance_id)
    assert (plan_instance.org_unit_id, plan_instance.business_key) == (
        demo.branch.id,
        f"{YEAR}年度一支部一策",
    )
    (event,) = _events("dynamic_analysis_approved")
    assert (event["plans_started"], event["weak_designation_ids"]) == (
        len(expected_c),
        [designation.id],
    )


def _org_code(org_id: int) -> str:
    return db.session.get(OrgUnit, org_id).code


def _draft_data(demo) -> dict:
    return {
        "c_reason_text": "软弱涣散",
        "cause_analysis": "书记履职不到位，班子成员分工不明确",
        "problems": "三会一课不规范，党员作用发挥不明显",
        "measures": [
            {"measure": "调整充实支部班子", "owner": demo.members[0], "due": f"{YEAR + 1}-03-31"},
            {"measure": "规范三会一课台账", "owner": demo.members[1], "due": f"{YEAR + 1}-04-30"},
        ],
        "leader_contact": "王建国（第一采油厂党委副书记）",
        "target_class": "B",
        "target_level": "standardised",
        "plan_deadline": f"{YEAR + 1}-06-30",
    }


def _run_plan(demo, instance_id: int, outcome: str) -> None:
    reviewer = holder_at("HH01", "unit_org_reviewer")
    complete_step(reviewer, instance_id, "draft", _draft_data(demo))
    approve = open_task(instance_id)
    assert (approve.element_id, approve.candidate_role) == ("approve", "unit_party_committee")
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "approve",
        {"plan_approved": True, "approval_opinion": "同意方案"},
    )
    implement = open_task(instance_id)
    assert (implement.element_id, implement.org_unit_id) == ("implement", demo.branch.id)
    assert implement.due_at.date() > (TEST_NOW + timedelta(days=150)).date()  # P6M
    secretary = demo.holder("branch_secretary")
    evidence = run(
        store_uploads,
        actor=secretary,
        task_id=implement.id,
        uploads=[Upload("progress_evidence", "整改台账.pdf", PDF)],
    )["progress_evidence"]
    complete_step(
        secretary,
        instance_id,
        "implement",
        {
            "progress_reports": [
                {
                    "measure": "调整充实支部班子",
                    "progress": "已补选组织委员",
                    "done_on": "2026-12-10",
                },
                {"measure": "规范三会一课台账", "progress": "台账已建立"},
            ],
            "progress_evidence": evidence,
            "progress_summary": "按方案逐条落实",
        },
    )
    complete_step(
        reviewer,
        instance_id,
        "verify",
        {"verify_outcome": outcome, "verify_comment": "对照方案逐项验收"},
    )


def test_the_plan_runs_to_verification_and_lifts_the_designation(demo):
    analysis_id = _approved(demo)
    plan = _plans(analysis_id)[demo.branch.code]
    # the drafter starts from why the screening put the branch in class C
    form = current_app.extensions["forms"]["bip_draft"]
    start = prefilled(form, _start_data(plan.instance_id))
    assert "软弱涣散" in start.one("c_reason_text")
    assert "班子不团结" in start.one("c_reason_text")

    _run_plan(demo, plan.instance_id, "improved")

    plan = db.session.get(ImprovementPlan, plan.id)
    assert (plan.outcome, plan.target_class, plan.target_level) == (
        "improved",
        "B",
        "standardised",
    )
    assert (plan.verified_on, plan.verify_comment) == (TEST_TODAY, "对照方案逐项验收")
    assert str(plan.deadline) == f"{YEAR + 1}-06-30"
    designation = db.session.scalars(select(WeakDesignation)).one()
    assert (designation.status, designation.ended_on, designation.ended_by_instance_id) == (
        "lifted",
        TEST_TODAY,
        plan.instance_id,
    )
    assert _dashboard_class(demo.branch.code) == ("B", "")  # back to the class of its stars
    (event,) = _events("improvement_plan_verified")
    assert (event["outcome"], event["weak_designation_lifted"]) == ("improved", designation.id)


def test_a_plan_not_improved_keeps_the_designation(demo):
    analysis_id = _approved(demo)
    plan = _plans(analysis_id)[demo.branch.code]
    _run_plan(demo, plan.instance_id, "not_improved")
    assert db.session.get(ImprovementPlan, plan.id).outcome == "not_improved"
    assert db.session.scalars(select(WeakDesignation)).one().status == "confirmed"
    assert _dashboard_class(demo.branch.code) == ("C", "weak")


def test_one_analysis_per_year(demo):
    analysis_id = run(start_analysis, actor=org_dept(), year=YEAR)
    with pytest.raises(Conflict):
        run(start_analysis, actor=org_dept(), year=YEAR)
    with pytest.raises(Conflict):  # the proposals are frozen while it runs
        _propose(demo.branch.code)
    instance_id = _analysis(analysis_id).instance_id
    _confirm(instance_id)
    _decide(instance_id, "returned")
    returned = _analysis(analysis_id)
    assert (returned.status, returned.decided_on) == ("returned", TEST_TODAY)
    assert _plans(analysis_id) == {}
    assert _events("dynamic_analysis_returned")[0]["year"] == YEAR

    # returned: the department adjusts the proposals and starts the year again
    _propose(demo.branch.code)
    again = run(start_analysis, actor=org_dept(), year=YEAR)
    assert again != analysis_id
    _confirm(_analysis(again).instance_id)
    _decide(_analysis(again).instance_id)
    assert demo.branch.code in _plans(again)
    with pytest.raises(Conflict):  # approved: the year is taken
        run(start_analysis, actor=org_dept(), year=YEAR)
    assert db.session.query(DynamicAnalysis).count() == 2


def test_a_cancelled_analysis_leaves_room_for_a_new_start(demo):
    analysis_id = run(start_analysis, actor=org_dept(), year=YEAR)
    run(
        commands.cancel_instance,
        actor=holder_at("HH", "system_admin"),
        instance_id=_analysis(analysis_id).instance_id,
        reason="发起有误",
    )
    again = run(start_analysis, actor=org_dept(), year=YEAR)
    assert _analysis(analysis_id).status == "cancelled"
    assert _analysis(again).status == "running"


def test_a_unit_reviewer_cannot_act_on_another_units_plan(demo):
    analysis_id = _approved(demo)
    plan = _plans(analysis_id)[demo.branch.code]
    task = open_task(plan.instance_id)
    other = holder_at("HH02", "unit_org_reviewer")
    with pytest.raises((Forbidden, NotFound)):
        run(commands.complete_task, actor=other, task_id=task.id, data=_draft_data(demo))
    with pytest.raises((Forbidden, NotFound)):
        run(commands.claim_task, actor=other, task_id=task.id)
    assert db.session.get(HumanTask, task.id).state.value == "ready"
    assert open_task(plan.instance_id).assignee_user_id is None


def test_only_the_company_organisation_department_runs_the_analysis(demo):
    for actor in (holder_at("HH01", "unit_org_reviewer"), demo.holder("branch_secretary")):
        with pytest.raises(Forbidden):
            run(start_analysis, actor=actor, year=YEAR)
        with pytest.raises(Forbidden):
            run(
                propose_weak,
                actor=actor,
                year=YEAR,
                branch_code=demo.branch.code,
                reason="班子不团结",
                valid_until=f"{YEAR + 1}-12-31",
            )
    assert db.session.query(DynamicAnalysis).count() == 0
    assert db.session.query(WeakDesignation).count() == 0


def test_invalid_proposals_are_refused_and_change_nothing(demo):
    for wrong, field in [
        ({"code": "HH01"}, "branch_code"),  # a unit, not a branch
        ({"code": "NOPE"}, "branch_code"),
        ({"reason": "差"}, "reason"),
        ({"valid_until": "2026-02-30"}, "valid_until"),
        ({"valid_until": f"{YEAR - 1}-12-31"}, "valid_until"),  # in the past
        ({"valid_until": f"{YEAR + 5}-12-31"}, "valid_until"),  # beyond three years
    ]:
        args = {
            "code": demo.branch.code,
            "reason": "班子不团结",
            "valid_until": f"{YEAR + 1}-12-31",
        }
        args.update(wrong)
        with pytest.raises(ValidationFailed) as refused:
            _propose(args.pop("code"), **args)
        assert field in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        run(start_analysis, actor=org_dept(), year=YEAR + 1)  # a year not begun
    assert "year" in refused.value.field_errors
    assert db.session.query(WeakDesignation).count() == 0
    assert db.session.query(DynamicAnalysis).count() == 0

    first = _propose(demo.branch.code)
    with pytest.raises(ValidationFailed) as refused:  # proposed once per year
        _propose(demo.branch.code)
    assert "branch_code" in refused.value.field_errors
    run(withdraw_weak, actor=org_dept(), designation_id=first)
    with pytest.raises(Conflict):
        run(withdraw_weak, actor=org_dept(), designation_id=first)
    assert _classes()[demo.branch.code] == "B"  # withdrawn: the stars decide again

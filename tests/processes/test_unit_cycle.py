"""A whole grading cycle for the unit HH01 and its 15 branches, every step by its role: each
branch ends at the level the rules give it (up one, kept, down skipping levels, vetoed by the
branch or by a related department; 红旗 candidates accepted on site, 标准化 ones by the sample or
by their files). Then a branch that rose to 红旗 fails its re-inspection, misses the rectification
deadline (the clock moved, not slept) and is delisted; the dashboard's counts equal the level
history throughout. Between the two, the results are published with the honours priority list."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.acceptance import draw_acceptance_sample
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.results.commands import start_results_application
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.levels.models import BranchLevel
from app.notify.models import Notification
from app.worker import run_once
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import set_level
from tests.processes.test_acceptance_sample import _committee_agrees
from tests.processes.test_acceptance_sample import _self_assess
from tests.processes.test_grading_cycle import ASPECTS
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _veto_check
from tests.processes.test_reinspection import _findings
from tests.processes.test_reinspection import _notice
from tests.processes.test_reinspection import _reinspect
from tests.processes.test_reinspection import _start as _start_reinspection

NO_VETO = {f"company_{v}": "no" for v in VETOES}
OVER_QUOTA = {"model_quota_choice": "override", "model_quota_reason": "连续三年示范，党委研究保留"}


@dataclass(frozen=True)
class Plan:
    """One branch's year: the level it holds, what it applies for, the unit's reviewed score, the
    panel's on-site score, the vetoes (declared by the branch, found by a related department),
    and the level it must end at."""

    held: Level
    target: str
    reviewed: float
    onsite: float | None
    expected: Level
    declared_veto: str | None = None
    dept_veto: str | None = None


PLANS = [
    Plan(Level.STANDARDISED, "red_flag", 95, 92, Level.RED_FLAG),  # up one, on site
    Plan(Level.STANDARDISED, "standardised", 85, 85, Level.STANDARDISED),
    Plan(Level.BASIC, "standardised", 84, 84, Level.STANDARDISED),  # up one
    Plan(Level.RED_FLAG, "red_flag", 93, 91, Level.RED_FLAG),  # kept, on site
    Plan(Level.STANDARDISED, "standardised", 88, None, Level.NOT_UP_TO_STANDARD, "V4"),
    Plan(Level.STANDARDISED, "standardised", 75, None, Level.BASIC),  # the unit decides
    Plan(Level.RED_FLAG, "red_flag", 60, None, Level.NOT_UP_TO_STANDARD),  # down two
    Plan(Level.STANDARDISED, "standardised", 88, None, Level.NOT_UP_TO_STANDARD, None, "V2"),
    Plan(Level.NOT_UP_TO_STANDARD, "basic", 78, None, Level.BASIC),  # up one, the unit decides
    Plan(Level.MODEL, "model", 97, 96, Level.MODEL),  # kept: the score still reaches it
    *[Plan(Level.STANDARDISED, "standardised", 85, 85, Level.STANDARDISED)] * 5,
]


def _review(code: str, instance_id: int, plan: Plan) -> None:
    review: dict = {f"review_{a}": p for a, p in ASPECTS.items()}
    lost = 100 - plan.reviewed  # taken from A6, then A4, …, each down to 0 at most
    for aspect in ("A6", "A4", "A3", "A2", "A1", "A5"):
        taken = min(lost, ASPECTS[aspect])
        review[f"review_{aspect}"] -= taken
        lost -= taken
    review.update({f"unit_{v}": "no" for v in VETOES})
    review.update({"review_bonus": 0, "review_changes": "A6 按指标扣分", "onsite_checked": True})
    review["review_outcome"] = "forward"
    review["veto_departments"] = "纪委、安全环保科"
    complete_step(holder_at("HH01", "unit_org_reviewer"), instance_id, "unit_review", review)
    _veto_check(instance_id, (plan.dept_veto,) if plan.dept_veto else ())
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_decision",
        {
            "unit_vote": {"eligible": 7, "present": 7, "for": 7, "against": 0, "abstain": 0},
            "unit_opinion": "同意审核意见",
        },
    )


def _through_the_unit(code: str, instance_id: int, plan: Plan) -> None:
    declared = (plan.declared_veto,) if plan.declared_veto else ()
    _self_assess(code, instance_id, plan.target, declared)
    _committee_agrees(code, instance_id)
    _review(code, instance_id, plan)


def _publish_results(cycle_id: int, plans: dict[str, Plan], client) -> None:
    """G9: the department lists the 示范 branch first for honours and publishes; the unit hears
    of it, the listed branch's secretary too, and the workbook marks the list."""
    department = holder_at("HH", "company_org_dept")
    instance_id = run(start_results_application, actor=department, cycle_id=cycle_id)
    with pytest.raises(Conflict):  # one publication per cycle
        run(start_results_application, actor=department, cycle_id=cycle_id)
    code_of = {
        c: db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == c)).one() for c in plans
    }
    model = next(c for c, p in plans.items() if p.expected is Level.MODEL)
    basic = next(c for c, p in plans.items() if p.expected is Level.BASIC)
    answers = {"application_note": "纳入二级单位党建工作责任制考核和支部书记考核评价"}
    with pytest.raises(ValidationFailed) as refused:  # only 示范 and 红旗 branches may be listed
        complete_step(
            department, instance_id, "honours_priority", answers | {"priority": [code_of[basic]]}
        )
    assert "priority" in refused.value.field_errors
    complete_step(
        department, instance_id, "honours_priority", answers | {"priority": [code_of[model]]}
    )
    complete_step(
        department,
        instance_id,
        "publish",
        {"notice_no": "HH党组发〔2027〕5号", "published_on": "2027-03-20"},
    )
    unit_reviewer = holder_at("HH01", "unit_org_reviewer")
    secretary = holder_at(model, "branch_secretary")
    for actor in (unit_reviewer, secretary):
        titles = db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == actor.user_id, Notification.kind == "published"
            )
        ).all()
        assert any("HH党组发〔2027〕5号" in t for t in titles), actor.login
    page = client.get(f"/grading/cycles/{cycle_id}").get_data(as_text=True)
    published = page[page.index('id="results-published"') :]
    assert "HH党组发〔2027〕5号" in published
    book = load_workbook(BytesIO(client.get(f"/grading/cycles/{cycle_id}/results.xlsx").data))
    honours = {row[2]: row[7] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert honours[model] == "是"  # on the published priority list
    assert {v for c, v in honours.items() if c != model} <= {"否"}


def _dashboard_counts(client) -> dict[str, int]:
    """Level → the number the dashboard shows for unit HH01 today."""
    page = client.get("/dashboard").get_data(as_text=True).split('id="charts"')[0]
    counts = {}
    for href, number in re.findall(r'<a href="(/dashboard/branches\?[^"]*)">(\d+)</a>', page):
        href = href.replace("&amp;", "&")
        unit, level = re.search(r"unit=([^&]+)", href), re.search(r"level=([^&]+)", href)
        if unit and unit.group(1) == "HH01" and level:
            counts[level.group(1)] = int(number)
    return counts


def _history_counts(branch_ids: list[int]) -> dict[str, int]:
    rows = db.session.scalars(
        select(BranchLevel).where(
            BranchLevel.branch_id.in_(branch_ids), BranchLevel.held_to.is_(None)
        )
    )
    return dict(Counter(r.level.value for r in rows))


def test_a_unit_cycle_ends_in_the_expected_levels_and_a_delisting(demo, clock, client, login):
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    branches = list(
        db.session.scalars(
            select(OrgUnit)
            .where(OrgUnit.path.startswith(unit.path), OrgUnit.kind == "branch")
            .order_by(OrgUnit.path)
        )
    )
    assert len(branches) == len(PLANS) == 15
    plans = dict(zip([b.code for b in branches], PLANS, strict=True))
    for branch in branches:  # the levels held before the cycle, as recorded decisions
        if plans[branch.code].held is Level.MODEL:
            set_level(branch.id, Level.RED_FLAG)
        set_level(branch.id, plans[branch.code].held)
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    instances = dict(
        db.session.execute(
            select(OrgUnit.code, CycleBranch.instance_id)
            .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
            .where(CycleBranch.cycle_id == cycle_id)
        ).all()
    )
    for code, plan in plans.items():
        _through_the_unit(code, instances[code], plan)

    progress = cycle_progress(db.session, cycle_id)
    unit_decided = [c for c, p in plans.items() if p.onsite is None]
    assert progress.counts["completed"] == len(unit_decided)  # below 标准化 or vetoed: at once
    candidates = [c for c, p in plans.items() if p.onsite is not None]
    on_site_always = [c for c in candidates if plans[c].target in ("red_flag", "model")]
    assert progress.counts["company_acceptance"] == len(on_site_always)
    assert progress.counts["acceptance_sample"] == len(candidates) - len(on_site_always)  # 8

    with pytest.raises(ValidationFailed):  # the results wait for every branch's level
        run(start_results_application, actor=holder_at("HH", "company_org_dept"), cycle_id=cycle_id)
    drawn = run(
        draw_acceptance_sample, actor=holder_at("HH", "company_org_dept"), cycle_id=cycle_id
    )
    assert len(drawn["on_site"]) == 3  # ⌈30% × 8⌉
    panel = holder_at("HH", "acceptance_panel")
    for code in candidates:
        plan = plans[code]
        if code in drawn["by_files"]:
            complete_step(
                panel,
                instances[code],
                "company_desk_review",
                {"desk_agrees": "yes", "acceptance_note": "材料齐全", **NO_VETO},
            )
        else:
            complete_step(
                panel,
                instances[code],
                "company_acceptance",
                {
                    "onsite_score": plan.onsite,
                    "onsite_bonus": 0,
                    "acceptance_note": "现场验收",
                    **NO_VETO,
                },
            )
        complete_step(
            holder_at("HH", "company_party_committee"),
            instances[code],
            "company_decision",
            {"company_approved": True, "company_decision_no": "公司党委〔2027〕6号"}
            | OVER_QUOTA,  # 15 branches: 5% leaves no 示范 place (app/grading/cycle/quota.py)
        )
    clock.advance(days=7, seconds=1)  # the public notice
    run_once()

    progress = cycle_progress(db.session, cycle_id)
    assert progress.counts["completed"] == 15
    got = {b.branch.code: b.level for b in progress.branches}
    assert got == {code: plan.expected.value for code, plan in plans.items()}
    for branch in branches:
        db.session.refresh(branch)
        assert branch.level is plans[branch.code].expected
    ids = [b.id for b in branches]
    login(holder_at("HH01", "unit_org_reviewer").login, "demo123456")
    assert _dashboard_counts(client) == _history_counts(ids)
    _publish_results(cycle_id, plans, client)

    # The branch that rose to 红旗 is re-inspected, fails and lets the deadline pass: delisted.
    risen = demo.branch
    assert plans[risen.code].expected is Level.RED_FLAG
    reinspection = _start_reinspection(demo, holder_at("HH", "company_org_dept"))
    findings = _findings(demo)
    _reinspect(demo, reinspection, 84, findings=findings, held_level="red_flag")
    _notice(reinspection, findings)
    clock.advance(days=93)  # past the 3-month deadline
    assert run_once().timers_fired >= 1
    assert db.session.get(OrgUnit, risen.id).level is Level.STANDARDISED
    latest = db.session.scalars(
        select(BranchLevel)
        .where(BranchLevel.branch_id == risen.id)
        .order_by(BranchLevel.id.desc())
        .limit(1)
    ).one()
    assert "摘牌" in latest.decided_by
    expected = Counter(p.expected.value for p in PLANS)
    expected["red_flag"] -= 1
    expected["standardised"] += 1
    assert _history_counts(ids) == {k: v for k, v in expected.items() if v}
    assert _dashboard_counts(client) == _history_counts(ids)

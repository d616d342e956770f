"""Veto V4 from the meeting records (issue 17): months of the assessed year without any 三会一课
are counted, three in a row make V4 "yes", and the related departments' veto check starts from
it, as do the branch's self-declaration and the unit's review — each may change it only with a
reason, on the page and in the batch alike."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.organisational_life import measured_v4
from app.grading.cycle.start import start_cycle
from app.grading.cycle.veto_checks import record_veto_checks
from app.workflow import commands
from app.workflow.queries import earlier_answers
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_grading_cycle import VETOES
from tests.processes.test_grading_cycle import _assessment
from tests.processes.test_grading_cycle import _committee_votes
from tests.processes.test_grading_cycle import _hold_committee_meeting
from tests.processes.test_heart_to_heart_talks import _data
from tests.processes.test_heart_to_heart_talks import _record
from tests.processes.test_heart_to_heart_talks import _talks

APRIL_2027 = datetime(2027, 4, 2, 2, 0, tzinfo=UTC)  # January to March 2027 are over
REASONS = {f"{c}_change_reason": "按台账核实" for c in ("C05", "C12", "C13", "C16", "C19")}


def _measured(demo) -> dict:
    return measured_v4(db.session, [demo.branch.id], 2027, APRIL_2027.date())[demo.branch.id]


def test_three_months_without_a_meeting_make_v4(demo, clock):
    clock.set(APRIL_2027)
    assert _measured(demo) == {"measured_V4": "yes", "measured_V4_months": 3}


def test_a_meeting_in_february_breaks_the_run(demo, clock):
    clock.set(datetime(2027, 2, 10, 2, 0, tzinfo=UTC))
    _hold_committee_meeting(demo)
    clock.set(APRIL_2027)
    assert _measured(demo) == {"measured_V4": "no", "measured_V4_months": 1}


def test_the_yearly_talks_done_in_february_are_not_organisational_life(demo, clock):
    """V4 is about 三会一课 and the themed party day: the year's talks reviewed in February keep
    no month from counting, whatever the compliance calendar owes them."""
    clock.set(datetime(2027, 2, 10, 2, 0, tzinfo=UTC))
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="heart_to_heart_talks",
        org_code=demo.branch.code,
    )
    complete_step(secretary, instance_id, "open_year", {"year": 2027})
    for task, pair in zip(_talks(instance_id), _data(instance_id)["pairs"], strict=True):
        _record(task, pair, held_on="2027-02-09")
    complete_step(secretary, instance_id, "coverage_review", {"route": "none"})
    clock.set(APRIL_2027)
    assert _measured(demo) == {"measured_V4": "yes", "measured_V4_months": 3}


def test_nothing_is_measured_before_a_month_is_over(demo, clock):
    """The procedures came in use this November, which is still running: no month judged."""
    found = measured_v4(db.session, [demo.branch.id], 2026, clock.now().date())
    assert found[demo.branch.id] == {"measured_V4": None, "measured_V4_months": None}


def _at_veto_check(demo, clock) -> int:
    """The 2027 cycle of unit HH01 started in April, the demo branch assessed and resolved."""
    clock.set(APRIL_2027)
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2027, scope_code="HH01"
    )
    instance_id = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    data = _assessment(demo, instance_id) | REASONS
    secretary = demo.holder("branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # the branch too starts from the records
        complete_step(secretary, instance_id, "self_assessment", data)
    assert "V4_change_reason" in refused.value.field_errors
    data["V4_change_reason"] = "一季度组织生活记录尚未录入系统"
    complete_step(secretary, instance_id, "self_assessment", data)
    _committee_votes(demo, instance_id, votes_for=5)
    return instance_id


def _check(vetoes=(), **extra) -> dict:
    data: dict = {"checked_by": ["organisation"]}
    for v in VETOES:
        data[f"dept_{v}"] = "yes" if v in vetoes else "no"
        if v in vetoes:
            data[f"dept_{v}_source"] = "组织部 2027-5 号"
    return data | extra


def test_the_veto_check_shows_v4_as_measured_and_changes_only_with_a_reason(
    demo, clock, client, login
):
    instance_id = _at_veto_check(demo, clock)
    checker = holder_at("HH", "related_dept")
    login(checker.login, "demo123456")
    page = client.get(f"/inbox/tasks/{open_task(instance_id, 'veto_check').id}")
    html = page.get_data(as_text=True)
    assert 'name="dept_V4_months" value="3"' in html
    assert "本年度连续未开展组织生活的最长月数" in html
    with pytest.raises(ValidationFailed) as refused:  # "no" against the records, no reason
        complete_step(checker, instance_id, "veto_check", _check())
    assert "dept_V4_change_reason" in refused.value.field_errors
    assert open_task(instance_id, "veto_check")  # still waiting: nothing recorded
    complete_step(
        checker,
        instance_id,
        "veto_check",
        _check(dept_V4_change_reason="一季度会议记录已补录，经核实召开"),
    )
    assert earlier_answers(db.session, instance_id)["dept_V4"] == "no"


def test_the_batch_shows_and_records_the_measured_v4(demo, clock, client, login):
    instance_id = _at_veto_check(demo, clock)
    cycle_id = db.session.scalars(
        select(CycleBranch.cycle_id).where(CycleBranch.instance_id == instance_id)
    ).one()
    login(holder_at("HH", "related_dept").login, "demo123456")
    page = client.get(f"/grading/cycles/{cycle_id}/veto-checks").get_data(as_text=True)
    assert "三会一课办理记录显示连续 3 个月未开展组织生活，将记为否决项 V4" in page
    counts = run(
        record_veto_checks,
        actor=holder_at("HH", "related_dept"),
        cycle_id=cycle_id,
        checked_by=["organisation"],
        findings={},
    )
    answers = earlier_answers(db.session, instance_id)
    assert answers["dept_V4"] == "yes"
    assert "连续3个月未开展组织生活" in answers["dept_V4_source"]
    assert counts["with_veto"] >= 1

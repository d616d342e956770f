"""Criteria C15 and C16 (the plan's part) measured for the self-assessment (app/grading/cycle/measured_plans.py): 3 × the
share of members talked with in the year, once the talks' coverage is reviewed, and 2 less 1 per
quarter without a disclosure; C16 loses a point per stage of the year's plan missed."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from app.extensions import db
from app.grading.cycle.measured_plans import measured_c15
from app.grading.cycle.measured_plans import measured_c16
from app.grading.cycle.measured_plans import plan_stages_missed
from app.meetings.compliance import Cell
from app.meetings.compliance import Row
from app.meetings.schedule import periods_of_year
from app.meetings.schedule import requirement_periods
from app.meetings.schedule import schedule
from app.worker import run_once
from tests.plugins.demo import complete_step
from tests.plugins.demo import instance_data
from tests.processes.test_heart_to_heart_talks import _opened
from tests.processes.test_heart_to_heart_talks import _record
from tests.processes.test_heart_to_heart_talks import _talks
from tests.processes.test_measured_criteria import _measure


def test_c15_is_measured_once_the_talks_coverage_is_reviewed(demo, clock):
    instance_id = _opened(demo)
    pairs = instance_data(instance_id)["pairs"]
    held = list(zip(_talks(instance_id), pairs, strict=True))[:4]
    for task, pair in held:
        _record(task, pair)
    assert _measure(2026)[demo.branch.code]["measured_C15"] is None  # the talks' year is open

    clock.set(datetime(2026, 11, 30, 16, 0, 1, tzinfo=UTC))  # 1 December, Beijing time
    run_once()
    members = instance_data(instance_id)["members"]
    complete_step(
        demo.holder("branch_secretary"), instance_id, "coverage_review", {"route": "none"}
    )
    talked = {p["talker"] for _t, p in held} | {p["talk_partner"] for _t, p in held}
    coverage = len([m for m in members if m in talked]) / len(members)
    # No quarter of disclosures judged yet (the procedure came into use this November): 2 of 2.
    assert _measure(2026)[demo.branch.code]["measured_C15"] == round(3 * coverage + 2, 2)


def _row(process_key: str, kind: str, states: list[str]) -> Row:
    requirement = next(r for r in schedule().meetings if r.process_key == process_key)
    periods = periods_of_year(2027, kind)
    return Row(requirement, [Cell(p, 0, 1, s) for p, s in zip(periods, states, strict=True)])


def test_each_quarter_without_a_disclosure_costs_a_point(demo):
    talks = _row("heart_to_heart_talks", "year", ["missed"])  # nobody talked with: 0 of 3

    def c15(quarters: list[str]) -> float | None:
        rows = {demo.branch.id: [talks, _row("party_affairs_disclosure", "quarter", quarters)]}
        return measured_c15(db.session, [demo.branch], 2027, date(2027, 12, 31), rows, 5.0)[
            demo.branch.id
        ]

    assert c15(["held", "held", "held", "open"]) == 2.0
    assert c15(["held", "missed", "held", "open"]) == 1.0
    assert c15(["missed", "missed", "missed", "missed"]) == 0.0  # never below nothing


def test_c16_loses_a_point_per_plan_stage_missed(app):
    plan = [r for r in schedule().meetings if r.process_key == "annual_work_plan_and_summary"]
    filed, midyear, summary = (
        Row(r, [Cell(r_period(r), 0, 1, s)])
        for r, s in zip(plan, ("held", "missed", "future"), strict=True)
    )
    rows = [filed, midyear, summary]
    assert plan_stages_missed(rows) == 1
    assert measured_c16(4.0, 0, 0.0, plan_stages_missed(rows)) == 3.0
    assert measured_c16(4.0, 2, 1.0, plan_stages_missed(rows)) == 2.0  # and a finding late
    # No finding and no plan stage judged yet: not measured.
    untracked = [Row(r, [Cell(r_period(r), 0, 1, "untracked")]) for r in plan]
    assert measured_c16(4.0, 0, 0.0, plan_stages_missed(untracked)) is None


def r_period(requirement):
    return requirement_periods(requirement, 2027)[0]

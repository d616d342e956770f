"""This year's grading cycle (达标晋级) at the showcase unit, as far as it has come by today:
started by the company's organisation department twenty days ago for every branch of HH01, each
branch at its own stage, so that every role of the cycle finds work or results waiting:

* HH01-01 self-assessed and resolved by its committee: the unit's review and the related
  departments' veto check wait (both in parallel);
* HH01-02 recommended as 标准化 by the unit: the company draws its acceptance sample;
* HH01-04 recommended as 红旗 by the unit: the acceptance panel's on-site acceptance waits;
* HH01-03 scored below 标准化 by the unit, which decided 基本达标 itself: completed, its level kept;
* HH01-05's committee vote did not pass: the self-assessment is back with the secretary;
* HH01-06 self-assessed: its committee's resolution waits;
* the other branches have not yet submitted their self-assessment (due in ten days).

Measured criteria (C05, C12, C16, C19) are taken as the records measured them, so no change needs
a reason; the rest is scored by the branch, less what each story says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.models import GradingCycle
from app.grading.cycle.start import start_cycle
from app.grading.rubric.queries import rubric_version
from app.identity.models import OrgUnit
from app.workflow.queries import earlier_answers

UNIT = "HH01"
#: Days before today the cycle was started: the self-assessments (P30D) are not yet late.
STARTED_DAYS_AGO = 20


@dataclass
class CycleStory:
    """What one branch has done so far: the day (after the start) of its self-assessment, points
    it gives up (from C20, the unit's production targets), the level it aims at, how far it got."""

    branch: str
    self_day: int
    target: str
    reached: str  # committee | failed_vote | unit_review | unit_decision | self_assessed
    lost: float = 0
    review_minus: dict[str, float] = field(default_factory=dict)


STORIES = (  # a branch without a named brand loses C19's points (A5) at the unit's review too
    CycleStory("HH01-01", 6, "red_flag", "committee", lost=1),
    CycleStory(
        "HH01-02", 3, "standardised", "unit_decision", 3, {"A2": 2, "A5": 3, "A6": 6}
    ),  # 89: a 标准化 candidate, accepted on site or by its files as the sample falls
    CycleStory(
        "HH01-03", 5, "standardised", "unit_decision", 6, {"A3": 4, "A4": 8, "A5": 3, "A6": 9}
    ),  # 76: below 标准化, the unit decides 基本达标
    CycleStory("HH01-04", 4, "red_flag", "unit_decision", 0.5, {"A5": 3, "A6": 1}),  # 96: on site
    CycleStory("HH01-05", 8, "standardised", "failed_vote", lost=2),
    CycleStory("HH01-06", 15, "standardised", "self_assessed", lost=4),
)


@dataclass
class CycleCounts:
    branches: int = 0
    advanced: int = 0


def load_grading_cycle(rng: random.Random, zone: Any, today: date) -> CycleCounts:
    """Start this year's cycle for HH01 and take each branch of ``STORIES`` to its stage."""
    began = today - timedelta(days=STARTED_DAYS_AGO)
    department = holder("company_org_dept", "HH", began)
    with at_time(moment(began, 9, zone)):
        cycle_id = run(start_cycle, actor=department, year=today.year, scope_code=UNIT)
    cycle = db.session.get(GradingCycle, cycle_id)
    rubric = rubric_version(db.session, cycle.rubric_version_id).rubric.to_document()
    instances = dict(
        db.session.execute(
            select(OrgUnit.code, CycleBranch.instance_id)
            .join(CycleBranch, CycleBranch.branch_id == OrgUnit.id)
            .where(CycleBranch.cycle_id == cycle_id)
        ).all()
    )
    for story in STORIES:
        _advance(story, instances[story.branch], began, rubric, rng, zone)
    return CycleCounts(branches=len(instances), advanced=len(STORIES))


def _advance(
    story: CycleStory, instance_id: int, began: date, rubric: dict, rng: random.Random, zone: Any
) -> None:
    code, day = story.branch, began + timedelta(days=story.self_day)
    secretary = holder("branch_secretary", code, day)
    (evidence,) = upload(secretary, instance_id, "evidence", "自评材料.pdf", moment(day, 9, zone))
    assessment = _self_assessment(story, earlier_answers(db.session, instance_id), rubric)
    step(secretary, instance_id, moment(day, 10, zone), assessment | {"evidence": [evidence]})
    if story.reached == "self_assessed":
        return
    day += timedelta(days=1)
    committee = people("committee", code, day)
    votes_for = 1 if story.reached == "failed_vote" else len(committee)
    resolution = {
        "vote_tally": {
            "present": len(committee),
            "for": votes_for,
            "against": len(committee) - votes_for,
            "abstain": 0,
        },
        "agree_to_apply": True,
        "resolution_note": "支委会逐项审议自评得分和佐证材料",
    }
    step(holder("branch_committee", code, day), instance_id, moment(day, 15, zone), resolution)
    if story.reached in ("committee", "failed_vote"):
        return
    day += timedelta(days=rng.randint(3, 4))
    review = _unit_review(story, rubric)
    reviewer = holder("unit_org_reviewer", UNIT, day)
    step(reviewer, instance_id, moment(day, 10, zone), review, "unit_review")
    checked = {"checked_by": ["discipline", "safety", "stability"]}
    checked |= {f"dept_{v['id']}": "no" for v in rubric["vetoes"]}
    checked |= {f"dept_{v['id']}_source": "" for v in rubric["vetoes"]}
    step(holder("related_dept", "HH", day), instance_id, moment(day, 16, zone), checked)
    day += timedelta(days=2)
    committee_size = 7  # the unit party committee of HH01 sits with seven members
    decision = {
        "unit_vote": {
            "eligible": committee_size,
            "present": committee_size,
            "for": committee_size,
            "against": 0,
            "abstain": 0,
        },
        "unit_opinion": "同意审核意见",
        "unit_decision_no": f"一厂党委〔{day.year}〕{rng.randint(20, 40)}号",
    }
    step(holder("unit_party_committee", UNIT, day), instance_id, moment(day, 11, zone), decision)


def _self_assessment(story: CycleStory, start: dict[str, Any], rubric: dict) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for aspect in rubric["aspects"]:
        for criterion in aspect["criteria"]:
            cid, points = criterion["id"], criterion["points"]
            measured = start.get(f"measured_{cid}")
            data[cid] = measured if measured is not None else points
            data[f"{cid}_note"] = "台账、记录齐全，佐证材料已上传"
    data["C20"] -= story.lost
    if story.lost:
        data["C20_note"] = "个别生产经营指标未完成，已制定整改措施"
    data |= {v["id"]: "no" for v in rubric["vetoes"]}
    return data | {"self_bonus": 0, "target_level": story.target}


def _unit_review(story: CycleStory, rubric: dict) -> dict[str, Any]:
    data: dict[str, Any] = {
        f"review_{a['id']}": a["points"] - story.review_minus.get(a["id"], 0)
        for a in rubric["aspects"]
    }
    data |= {f"unit_{v['id']}": "no" for v in rubric["vetoes"]}
    data |= {f"unit_{v['id']}_source": "" for v in rubric["vetoes"]}
    changes = "、".join(f"{a}扣{m:g}分" for a, m in story.review_minus.items()) or "无调整"
    return data | {
        "review_bonus": 0,
        "review_changes": f"现场核查台账：{changes}",
        "veto_departments": "纪委、安全环保科、信访办",
        "onsite_checked": True,
        "review_outcome": "forward",
    }

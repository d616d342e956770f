"""The showcase branch's annual work plan and its disclosures this year, through the same commands
as the rest of the demo history (``app.demo.timeline``), so that a newcomer finds the plan-do-
check-act loop under way:

* early January the branch declared its target level for the year (G1, the highest it may) and
  made its work plan around it: the committee discussed it, the general assembly adopted it and
  the unit filed it; the half-year review was done in July, and the year-end summary is due (its
  task arrives on 1 December);
* a disclosure each quarter that has passed (dues, member development, the plan's half-year
  review, the organisational-life meeting), posted, the views collected when its period was over;
  and one proposed three days ago, waiting for the discipline member's secrecy check.

Steps whose day has not come yet (a demo loaded early in the year) are left out.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.extensions import db
from app.grading.targets.commands import ZH_LEVEL
from app.grading.targets.commands import highest_declarable
from app.identity.models import OrgUnit
from app.workflow import commands

UNIT = "HH01"
#: Quarter → (kind of matter, what was disclosed).
DISCLOSURES = (
    ("dues", "上年度党费收缴、使用和上缴情况：全年应缴、实缴一致，已全额上缴上级党委。"),
    ("development", "本年度发展党员计划及入党积极分子、发展对象确定情况。"),
    ("work_plan", "年度工作计划半年小结：重点任务进度、存在问题和下半年措施。"),
    ("org_life", "组织生活会查摆问题整改清单及整改落实情况。"),
)


def load_plans_demo(code: str, zone: Any, today: date) -> int:
    """The plan and the disclosures above at branch ``code``; how many disclosures were started."""
    year = today.year
    if today > date(year, 1, 21):
        _plan(code, year, _declare_target(code, year, zone), zone, today)
    started = 0
    for quarter, (category, content) in enumerate(DISCLOSURES):
        proposed = date(year, quarter * 3 + 2, 10)
        if proposed + timedelta(days=14) < today:
            _disclosure(code, proposed, category, content, zone, today)
            started += 1
    _disclosure(code, today - timedelta(days=3), "commendation", _WAITING, zone, today)
    return started + 1


CALENDAR = (
    ("01", "branch_general_assembly", "通过年度计划"),
    ("07", "party_lecture", "七一专题党课"),
    ("11", "organisational_life_meeting", "年度组织生活会"),
)
_WAITING = "本年度优秀共产党员推荐人选及主要事迹。"


def _declare_target(code: str, year: int, zone: Any) -> str:
    """The branch declares the highest level it may for ``year``; its committee confirms. Returns
    the level declared (a ``Level`` code)."""
    branch = db.session.query(OrgUnit).filter(OrgUnit.code == code).one()
    allowed = highest_declarable(branch.level)
    day = date(year, 1, 4)
    data = {
        "target_year": year,
        "current_level": branch.level.value if branch.level else None,
        "max_level": allowed.value,
        "branch_status_text": f"本支部{year}年度最多可申报{ZH_LEVEL[allowed]}。",
        "unit_targets_text": f"{year}年度单位创建目标见厂处党委文件。",
    }
    with at_time(moment(day, 9, zone)):  # started by the system, as the unit's approval starts it
        instance_id = run(
            commands.start_instance,
            actor=SYSTEM,
            process_key="branch_target_declaration",
            org_code=code,
            data=data,
        )
    owner = people("full_members", code, day)[0]
    declaration = {
        "target_level": allowed.value,
        "plan_summary": f"对照{ZH_LEVEL[allowed]}标准，全年抓好“三会一课”和党建品牌培育",
        "plan_measures": [{"measure": "培育党建品牌", "owner": owner, "due": f"{year}-10-31"}],
    }
    step(holder("branch_secretary", code, day), instance_id, moment(day, 10, zone), declaration)
    confirmed = {"decision": "confirm", "confirm_method": "written", "agreed": True}
    step(
        holder("branch_committee", code, day),
        instance_id,
        moment(day, 15, zone),
        confirmed | {"signature": True},
    )
    return allowed.value


def _plan(code: str, year: int, declared: str, zone: Any, today: date) -> None:
    secretary = holder("branch_secretary", code, date(year, 1, 6))
    instance_id = start(
        secretary, "annual_work_plan_and_summary", code, moment(date(year, 1, 6), 9, zone)
    )
    members = people("full_members", code, date(year, 1, 6))
    tasks = [
        {"task": "培育“油井党旗红”党建品牌", "owner": members[0], "due": f"{year}-10-31"},
        {"task": "全员结对“一带二”", "owner": members[1], "due": f"{year}-06-30"},
        {"task": "每月主题党日与生产任务结合", "owner": members[2], "due": f"{year}-12-31"},
    ]
    draft = {
        "target_level": declared,
        "how_to_reach": "对照评分细则，补齐党建品牌和“一带二”短板，三会一课全勤。",
        "key_tasks": tasks,
        "calendar": [{"month": f"{year}-{m}", "activity": a, "topic": t} for m, a, t in CALENDAR],
        "lecture_plan": "每季度一次党课，书记讲第一课，委员轮流主讲。",
        "development_plan": "计划发展党员1名，培养入党积极分子2名。",
    }
    step(secretary, instance_id, moment(date(year, 1, 6), 10, zone), draft)
    review = {
        "committee_met_on": f"{year}-01-09",
        "committee_decision": "approve",
        "committee_opinion": "计划紧扣创建目标，同意提交党员大会。",
    }
    committee = holder("branch_committee", code, date(year, 1, 9))
    step(committee, instance_id, moment(date(year, 1, 9), 16, zone), review)
    voted_on = date(year, 1, 14)
    present = people("full_members", code, voted_on)
    vote = {
        "assembly_at": moment(voted_on, 15, zone).isoformat(),
        "tally": {"present": len(present), "for": len(present), "against": 0, "abstain": 0},
        "assembly_discussion": "党员一致同意年度工作计划。",
    }
    step(holder("branch_assembly", code, voted_on), instance_id, moment(voted_on, 17, zone), vote)
    filed = {"filing_decision": "filed", "filing_opinion": "计划围绕创建目标，同意备案。"}
    reviewer = holder("unit_org_reviewer", UNIT, date(year, 1, 20))
    step(reviewer, instance_id, moment(date(year, 1, 20), 10, zone), filed)
    if today > date(year, 7, 8):
        with at_time(moment(date(year, 7, 1), 10, zone)):
            run(commands.fire_due_timers, actor=SYSTEM, instance_id=instance_id)
        midyear = {
            "progress": [
                {"task": t["task"], "status": s}
                for t, s in zip(tasks, ("on_track", "done", "on_track"), strict=True)
            ],
            "midyear_summary": "上半年重点任务按计划推进，“一带二”结对全部完成。",
            "adjustments": "下半年加快党建品牌培育，十月前完成申报。",
        }
        step(secretary, instance_id, moment(date(year, 7, 6), 10, zone), midyear)
    if today > date(year, 12, 1):
        with at_time(moment(date(year, 12, 1), 10, zone)):
            run(commands.fire_due_timers, actor=SYSTEM, instance_id=instance_id)


def _disclosure(code: str, day: date, category: str, content: str, zone: Any, today: date) -> None:
    """Proposed on ``day``, then (when its days have passed) checked, approved, posted three days
    later for a week, and the views collected after it."""
    org_member = holder("org_member", code, day)
    instance_id = start(org_member, "party_affairs_disclosure", code, moment(day, 9, zone))
    proposal = {
        "category": category,
        "content": content,
        "scope": "branch",
        "channel": ["board", "online"],
        "period_days": 7,
    }
    step(org_member, instance_id, moment(day, 10, zone), proposal)
    if day + timedelta(days=12) >= today:
        return  # waiting for the discipline member's check
    checked = {"secrecy_ok": True, "accuracy_ok": True, "review_opinion": "不涉密，数据准确。"}
    reviewer = holder("discipline_member", code, day + timedelta(days=1))
    step(reviewer, instance_id, moment(day + timedelta(days=1), 10, zone), checked)
    approved = {"approval_decision": "approve", "needs_upper": False}
    committee = holder("branch_committee", code, day + timedelta(days=2))
    step(committee, instance_id, moment(day + timedelta(days=2), 16, zone), approved)
    posted_on = day + timedelta(days=3)
    posted = {"published_on": posted_on.isoformat(), "published_where": "站务公开栏、党建微信群"}
    secretary = holder("branch_secretary", code, posted_on)
    step(secretary, instance_id, moment(posted_on, 9, zone), posted)
    over = posted_on + timedelta(days=8)
    with at_time(moment(over, 9, zone)):
        run(commands.fire_due_timers, actor=SYSTEM, instance_id=instance_id)
    views = {"feedback_received": False, "feedback_note": "公开期间未收到意见。"}
    step(secretary, instance_id, moment(over, 10, zone), views)

"""The demo's branch-building duties of the venue and the secretary at the showcase branch,
through the same commands as the rest of the demo history (``app.demo.timeline``):

* the venue checked this month: the secretary's self-check with photos finds the pairing cards
  missing, the unit's reviewer confirms it (C17: 3.7) and the propaganda member's rectification
  waits in the inbox;
* last year's 述职评议, held early this year (from the first month all its people held their
  posts): report, session, poll and the unit committee's grade 较好 (C03: 4), with the
  rectification list;
* this year's: the unit's notice is out and the secretary's written report is due.
"""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.branches.venue import checklist
from app.demo.themed_days import tiny_png
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.queries.roles import active_on

UNIT_CODE = "HH01"
MISSING = "pairing_cards"  # the 十有 item the demo's venue lacks


def load_venue_and_report(code: str, zone: Any, today: date) -> None:
    """The venue check and both years' reports at ``code``, as of ``today``."""
    _venue_check(code, zone, today)
    opened = _first_month_staffed(code, today)
    if opened is not None:
        _last_years_report(code, zone, opened)
    _this_years_notice(code, zone, today)


def _first_month_staffed(code: str, today: date) -> date | None:
    """The first 5th of a month this year on which the unit's reviewer and committee and the
    branch's secretary all held their posts through the appraisal's 25 days (the demo's posts
    begin on scattered days); None when none before today."""
    for month in range(1, today.month):
        day = date(today.year, month, 5)
        if all(
            _held(role, org, d)
            for d in (day, day + timedelta(days=25))
            for role, org in (
                ("unit_org_reviewer", UNIT_CODE),
                ("unit_party_committee", UNIT_CODE),
                ("branch_secretary", code),
            )
        ):
            return day
    return None


def _held(role: str, org_code: str, day: date) -> bool:
    return (
        db.session.scalar(
            select(RoleAssignment.id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(RoleAssignment.role_code == role, OrgUnit.code == org_code, active_on(day))
            .limit(1)
        )
        is not None
    )


def _venue_check(code: str, zone: Any, today: date) -> None:
    checked_on, verified_on = today - timedelta(days=12), today - timedelta(days=5)
    secretary = holder("branch_secretary", code, checked_on)
    instance_id = start(secretary, "venue_standard_maintenance", code, moment(checked_on, 9, zone))
    items = checklist()
    answers: dict[str, Any] = {
        "checked_on": checked_on.isoformat(),
        "home_rooms": [r.key for r in items.rooms],
    }
    photographed = moment(checked_on, 10, zone)
    for item in items.items:
        answers[item.key] = item.key != MISSING
        if item.key == MISSING:
            answers[f"{item.key}_note"] = "一带二联系帮带卡尚未上墙，正在制作"
            continue
        answers[f"{item.key}_photos"] = upload(
            secretary,
            instance_id,
            f"{item.key}_photos",
            f"{item.zh}.png",
            photographed,
            tiny_png(),
        )
    answers["home_photos"] = upload(
        secretary, instance_id, "home_photos", "党员之家.png", photographed, tiny_png()
    )
    step(secretary, instance_id, moment(checked_on, 11, zone), answers)
    reviewer = holder("unit_org_reviewer", UNIT_CODE, verified_on)
    found = {
        "verified_on": verified_on.isoformat(),
        "missing": [MISSING],
        "comments": "九项达标，党员之家五室齐备；联系帮带卡未上墙，限期一个月整改",
    }
    step(reviewer, instance_id, moment(verified_on, 15, zone), found)


def _last_years_report(code: str, zone: Any, opened: date) -> None:
    """The report on the year before ``opened``'s, appraised from ``opened`` on."""
    year = opened.year

    def on(days: int) -> date:
        return opened + timedelta(days=days)

    reviewer = holder("unit_org_reviewer", UNIT_CODE, opened)
    secretary = holder("branch_secretary", code, opened)
    key = "secretary_annual_report_appraisal"
    instance_id = start(reviewer, key, code, moment(opened, 9, zone))
    session_at = moment(on(11), 9, zone)
    notice = {
        "year": year - 1,
        "focus": "履行抓党建第一责任人职责、三会一课和党员教育管理",
        "report_due": on(7).isoformat(),
        "session_at": session_at.isoformat(),
    }
    step(reviewer, instance_id, moment(opened, 10, zone), notice)
    written = moment(on(5), 15, zone)
    (report,) = upload(
        secretary, instance_id, "report", f"{year - 1}年度抓党建工作述职报告.pdf", written
    )
    summary = "全年三会一课按期召开，一带二全覆盖；发展党员计划性不强，党员教育形式单一"
    step(secretary, instance_id, written, {"report": report, "summary": summary})
    accepted = {"accepted": True, "opinion": "报告查摆问题具体，同意述职"}
    step(reviewer, instance_id, moment(on(7), 10, zone), accepted)
    present = people("full_members", code, session_at.date())
    session = {
        "held_at": session_at.isoformat(),
        "session_type": ["assembly", "upper_meeting"],
        "attendance": {"present": present},
        "minutes": "支部书记向党员大会述职，厂党委组织部到会；党员提出意见建议三条",
    }
    step(secretary, instance_id, moment(session_at.date(), 11, zone), session)
    good = len(present) // 3
    average = 1 if len(present) > 2 else 0
    votes = {"good": good, "fairly_good": len(present) - good - average, "average": average}
    poll = {"ballots_cast": len(present), **votes, "poor": 0, "tellers": "计票人：组织委员"}
    step(reviewer, instance_id, moment(session_at.date(), 12, zone), poll)
    decided_on = on(15)
    decision = {
        "final_grade": "fairly_good",
        "comments": "履职尽责较好，发展党员要加强规划，党员教育要创新方式",
        "decided_on": decided_on.isoformat(),
    }
    committee = holder("unit_party_committee", UNIT_CODE, decided_on)
    step(committee, instance_id, moment(decided_on, 10, zone), decision)
    items = [
        {"issue": "发展党员计划性不强", "measure": "制定三年发展规划", "due": f"{year}-03-31"},
        {"issue": "党员教育形式单一", "measure": "开展岗位讲堂和现场教学", "due": f"{year}-06-30"},
    ]
    step(secretary, instance_id, moment(on(25), 10, zone), {"items": items})


def _this_years_notice(code: str, zone: Any, today: date) -> None:
    noticed = today - timedelta(days=3)
    reviewer = holder("unit_org_reviewer", UNIT_CODE, noticed)
    instance_id = start(
        reviewer, "secretary_annual_report_appraisal", code, moment(noticed, 9, zone)
    )
    notice = {
        "year": today.year,
        "focus": "落实全面从严治党主体责任、三会一课、发展党员和阵地建设",
        "report_due": (today + timedelta(days=14)).isoformat(),
        "session_at": moment(today + timedelta(days=21), 9, zone).isoformat(),
    }
    step(reviewer, instance_id, moment(noticed, 10, zone), notice)

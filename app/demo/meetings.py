"""The demo's 三会一课 at a branch: committee meetings (held, cancelled), party-group meetings,
general assemblies and party lectures, each through the commands a secretary's clicks run, at the
time it would have happened (``app.demo.timeline``), attendance and votes from the day's rolls."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.commands import Actor
from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import step_claimed
from app.demo.timeline import upload
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.workflow import commands

TOPICS = (
    "传达学习上级党委会议精神，研究本月党建工作安排",
    "研究确定入党积极分子培养联系人",
    "讨论安全生产攻坚任务中党员责任区划分",
    "研究主题党日活动方案",
    "听取党小组工作汇报，部署下月重点工作",
    "研究困难党员帮扶和慰问事项",
    "讨论党员积分考评结果",
    "研究支部标准化建设自查整改措施",
)


#: Why a member missed a meeting, as the minutes record it (most absences are on leave).
LEAVE_REASONS = ("倒班值守", "外出培训", "病假", "出差")


def _on_leave(entitled: list[int], present: list[int], rng: random.Random) -> list[dict]:
    """The absentees with their reasons; now and then one missing without a reason recorded."""
    missing = [person for person in entitled if person not in present]
    if not missing or rng.random() < 0.2:
        return []
    return [{"person": person, "reason": rng.choice(LEAVE_REASONS)} for person in missing]


def _all_but_some(people: list[int], rng: random.Random, keep: int) -> list[int]:
    """Those present: everyone, or all but one chosen at random (at least ``keep``), so that no
    one person is the one always missing."""
    if len(people) <= keep or rng.randint(0, 1) == 0:
        return list(people)
    absent = rng.choice(people)
    return [person for person in people if person != absent]


def committee_meeting(
    code: str,
    month: date,
    rng: random.Random,
    zone: Any,
    stop_after: str | None = None,
    day: date | None = None,
) -> None:
    """支部委员会会议: agenda, meeting, decision, minutes checked, follow-up (or up to a step)."""
    day = day or month + timedelta(days=rng.randint(2, 8))
    meeting_day = day + timedelta(days=3)
    secretary = holder("branch_secretary", code, day)
    committee = people("committee", code, meeting_day)
    members = people("members", code, meeting_day)
    topic = rng.choice(TOPICS)
    instance_id = start(secretary, "branch_committee_meeting", code, moment(day, 9, zone))
    meeting_at = moment(meeting_day, 9, zone)
    agenda = {
        "month": month.strftime("%Y-%m"),
        "topics": topic,
        "meeting_at": meeting_at.isoformat(),
        "place": "党员活动室",
        "notified": True,
    }
    step(secretary, instance_id, moment(day, 10, zone), agenda)
    if stop_after == "set_agenda":
        return
    present = _all_but_some(committee, rng, keep=len(committee) // 2 + 1)
    held = {
        "attendance": {"present": present},
        "absentees": _on_leave(committee, present, rng),
        "minutes": f"围绕“{topic}”逐一发言，形成一致意见。",
    }
    step(secretary, instance_id, moment(meeting_day, 11, zone), held)
    if stop_after == "hold_meeting":
        return
    decisions = [
        {
            "item": f"落实：{topic}",
            "owner": rng.choice(members),
            "due": str(meeting_day + timedelta(days=20)),
        }
    ]
    votes = {"for": len(present), "against": 0, "abstain": 0}
    decided = {"outcome": "decided", "decisions": decisions, "vote": votes}
    step(
        holder("branch_committee", code, meeting_day),
        instance_id,
        moment(meeting_day, 12, zone),
        decided,
    )
    archive = {"record_checked": True, "minutes_signed": True}
    step(
        holder("org_member", code, meeting_day),
        instance_id,
        moment(meeting_day + timedelta(days=1), 10, zone),
        archive,
    )
    follow_up = {
        "follow_up": [{"item": decisions[0]["item"], "result": "done", "note": "已按期完成"}]
    }
    step(secretary, instance_id, moment(meeting_day + timedelta(days=18), 16, zone), follow_up)


def cancelled_meeting(code: str, day: date, zone: Any) -> None:
    secretary = holder("branch_secretary", code, day)
    instance_id = start(secretary, "branch_committee_meeting", code, moment(day, 9, zone))
    reviewer = holder("unit_org_reviewer", "HH01", day)
    with at_time(moment(day + timedelta(days=1), 15, zone)):
        run(
            commands.cancel_instance,
            actor=reviewer,
            instance_id=instance_id,
            reason="议题并入厂党委专题会议，本次支委会取消",
        )


def group_meeting(code: str, month: date, rng: random.Random, zone: Any) -> None:
    """党小组会 of the branch's first group: aligned with the branch, held, reported, received."""
    group = db.session.scalars(select(OrgUnit).where(OrgUnit.code == f"{code}-1")).one()
    day = month + timedelta(days=rng.randint(10, 16))
    leader = holder("group_leader", group.code, day)
    instance_id = start(leader, "party_group_meeting", code, moment(day, 9, zone))
    meeting_at = moment(day + timedelta(days=2), 16, zone)
    align = {
        "party_group": group.id,
        "topics": "学习党的创新理论，交流岗位履职情况",
        "meeting_at": meeting_at.isoformat(),
        "place": "班组学习室",
        "notified": True,
    }
    step_claimed(leader, instance_id, moment(day, 10, zone), align)
    members = people("group", code, meeting_at.date(), group.id)
    present = _all_but_some(members, rng, keep=1)
    held = {
        "attendees": {"present": present},
        "absentees": _on_leave(members, present, rng),
        "activities": ["political_study", "branch_tasks"],
        "minutes": "组长领学，组员结合岗位谈体会，落实支部布置的任务。",
    }
    step_claimed(leader, instance_id, moment(meeting_at.date(), 18, zone), held)
    report = {"summary": "本组按时召开党小组会，组员全部发言。", "suggestions": "无"}
    step_claimed(
        leader, instance_id, moment(meeting_at.date() + timedelta(days=1), 9, zone), report
    )
    secretary = holder("branch_secretary", code, day)
    received = {"report_read": True, "branch_comments": "已阅，按计划推进"}
    step(secretary, instance_id, moment(meeting_at.date() + timedelta(days=2), 9, zone), received)


def assembly(code: str, month: date, rng: random.Random, zone: Any) -> None:
    """支部党员大会, quarterly: agenda, review, notice, meeting, vote, minutes, follow-up."""
    day = month + timedelta(days=rng.randint(15, 18))
    meeting_day = day + timedelta(days=6)
    meeting_at = moment(meeting_day, 15, zone).isoformat()
    secretary = holder("branch_secretary", code, day)
    quarter = f"{month.year}-Q{(month.month - 1) // 3 + 1}"
    instance_id = start(secretary, "branch_general_assembly", code, moment(day, 9, zone))
    full = people("full_members", code, meeting_day)
    probationary = people("probationary", code, meeting_day)
    members = people("members", code, meeting_day)
    present = full[: len(full) - rng.randint(0, 2)]
    steps: list[tuple[Callable[[], Actor], int, int, dict[str, Any]]] = [
        (
            lambda: secretary,
            0,
            10,
            {
                "quarter": quarter,
                "topics": "通报本季度党建工作，讨论下季度安排",
                "meeting_at": meeting_at,
            },
        ),
        (
            lambda: holder("branch_committee", code, day),
            1,
            10,
            {"agreed": True, "committee_opinion": "同意提交党员大会"},
        ),
        (
            lambda: secretary,
            2,
            9,
            {
                "meeting_at": meeting_at,
                "location": "党员活动室",
                "agenda": "一、通报本季度党建工作；二、讨论下季度安排",
                "notified": True,
            },
        ),
        (
            lambda: secretary,
            6,
            17,
            {
                "attendance": {"present": present},
                "attendees": probationary,
                "minutes": "书记通报工作，党员逐一发言，讨论形成决议。",
            },
        ),
        (
            lambda: holder("branch_assembly", code, meeting_day),
            6,
            18,
            {
                "tally": {"for": len(present), "against": 0, "abstain": 0},
                "resolution": "同意下季度党建工作安排",
                "resolutions": [
                    {
                        "item": "落实下季度党建工作安排",
                        "owner": rng.choice(members),
                        "due": str(meeting_day + timedelta(days=30)),
                    }
                ],
            },
        ),
        (
            lambda: holder("org_member", code, meeting_day),
            7,
            10,
            {"record_checked": True, "minutes_signed": True},
        ),
        (
            lambda: secretary,
            30,
            16,
            {
                "actions": [
                    {
                        "item": "落实下季度党建工作安排",
                        "owner": members[0],
                        "due": str(meeting_day + timedelta(days=30)),
                        "result": "done",
                    }
                ]
            },
        ),
    ]
    for actor, offset, hour, data in steps:
        step(actor(), instance_id, moment(day + timedelta(days=offset), hour, zone), data)


def lecture(code: str, month: date, rng: random.Random, zone: Any) -> None:
    """党课: planned by the propaganda member, prepared and given by the secretary, reviewed,
    announced, delivered to the members, evaluated and filed with its record."""
    day = month + timedelta(days=rng.randint(3, 6))
    propaganda = holder("propaganda_member", code, day)
    secretary = holder("branch_secretary", code, day)
    lecturer = db.session.get(User, secretary.user_id).person_id
    title = rng.choice(
        ("赓续石油精神 争当岗位先锋", "学习党章党规 严守纪律规矩", "践行初心使命 推动提质增效")
    )
    instance_id = start(propaganda, "party_lecture", code, moment(day, 9, zone))
    plan = {
        "title": title,
        "lecturer": lecturer,
        "lecturer_type": "branch_secretary",
        "planned_month": month.strftime("%Y-%m"),
    }
    step(propaganda, instance_id, moment(day, 10, zone), plan)
    (outline,) = upload(
        secretary, instance_id, "outline", "党课讲稿.pdf", moment(day + timedelta(days=2), 9, zone)
    )
    prepared = {"outline": outline, "outline_summary": "一、学习要点；二、岗位实践；三、努力方向"}
    step(secretary, instance_id, moment(day + timedelta(days=2), 10, zone), prepared)
    step(
        secretary,
        instance_id,
        moment(day + timedelta(days=3), 9, zone),
        {"content_approved": True, "changes_required": ""},
    )
    lecture_at = moment(day + timedelta(days=8), 15, zone)
    notice = {"lecture_at": lecture_at.isoformat(), "place": "党员活动室", "notified": True}
    step(propaganda, instance_id, moment(day + timedelta(days=4), 9, zone), notice)
    members = people("members", code, lecture_at.date())
    (slides,) = upload(
        secretary, instance_id, "materials", "党课课件.pdf", moment(lecture_at.date(), 17, zone)
    )
    delivered = {
        "attendees": {
            "entitled": len(members),
            "present": members[: len(members) - rng.randint(0, 2)],
        },
        "hours": 1.5,
        "materials": [slides],
    }
    step(secretary, instance_id, moment(lecture_at.date(), 17, zone), delivered)
    feedback = {"evaluation": "good", "reflection": "结合岗位实际，讲得生动"}
    step(propaganda, instance_id, moment(lecture_at.date() + timedelta(days=1), 10, zone), feedback)
    (record,) = upload(
        propaganda,
        instance_id,
        "record",
        "党课记录.pdf",
        moment(lecture_at.date() + timedelta(days=2), 9, zone),
    )
    filed = {"record": record, "reported_upward": True, "archived_by": True}
    step(propaganda, instance_id, moment(lecture_at.date() + timedelta(days=2), 10, zone), filed)

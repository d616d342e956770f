"""The demo's 一带二 pairings and points claims at the showcase branch, so that the points pages,
the ledgers and criterion C11 have real content — through the same commands as the rest of the
demo history (``app.demo.timeline``).

* In January the committee pairs every full member with one or two people on the rolls (every
  third with one, so a mentor can still take a second), and those who became full members since
  ten days ago; each mentor records progress at the end of March, June and September; the fourth
  quarter's record is still to come.
* Four claims: volunteering in March and a model post in April (confirmed), an urgent task in July
  (returned by the group leader, corrected, confirmed), an honour this month (waiting for the
  group leader's check).
* The year's points publication, started in January: the first three quarters published.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

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
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries.roles import active_on
from app.workflow import commands

PROGRESS = (
    (3, "讲解岗位操作规程，帮带对象通过季度技能考核"),
    (6, "共同学习党章党规，帮带对象提交思想汇报"),
    (9, "带领参加井场安全隐患排查，帮带对象独立完成巡检"),
)


def _account(person_id: int) -> Actor | None:
    user = db.session.scalars(select(User).where(User.person_id == person_id)).first()
    return Actor(user_id=user.id, login=user.login, source="demo") if user else None


def load_member_points(code: str, today: date, zone: Any) -> int:
    """Write the year's pairings, claims and publications; the number of instances started."""
    january = date(today.year, 1, 8)
    started = _pairings(code, january, today, zone)
    # Members who became full members during the year are paired when they do (here: lately).
    started += _pairings(code, today - timedelta(days=10), today, zone, skip=january)
    started += _claims(code, today, zone)
    started += _publication(code, date(today.year, 1, 4), today, zone)
    return started


def _pairings(code: str, day: date, today: date, zone: Any, skip: date | None = None) -> int:
    """Pair the full members of ``day`` (but those already paired on ``skip``)."""
    committee = holder("org_member", code, day)
    paired = set(people("full_members", code, skip)) if skip else set()
    mentors = [p for p in people("full_members", code, day) if p not in paired]
    pool = people("non_voting", code, day) + mentors
    for index, mentor in enumerate(mentors):
        others = [p for p in pool if p != mentor]
        first = others[(2 * index) % len(others)]
        second = others[(2 * index + 1) % len(others)]
        mentees = [first] if index % 3 == 2 or first == second else [first, second]
        instance_id = start(committee, "member_mentoring_pairing", code, moment(day, 10, zone))
        goals = "帮助帮带对象提高岗位技能和政治素质，年内至少完成一项攻关任务"
        step(
            committee,
            instance_id,
            moment(day, 11, zone),
            {"year": day.year, "mentor": mentor, "mentees": mentees, "goals": goals},
        )
        mentor_actor = _account(mentor)
        for month, activity in PROGRESS:
            when = date(day.year, month, 26)
            if mentor_actor is None or when >= today:
                break
            done = {"activity": activity, "progress": "进步明显", "year_complete": False}
            step(mentor_actor, instance_id, moment(when, 16, zone), done)
    return len(mentors)


def _group_leader(code: str, day: date) -> Actor:
    """A leader of one of the branch's party groups (the check is offered to all of them)."""
    group = aliased(OrgUnit)
    user = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(group, group.id == RoleAssignment.org_unit_id)
        .join(OrgUnit, OrgUnit.id == group.parent_id)
        .where(RoleAssignment.role_code == "group_leader", OrgUnit.code == code, active_on(day))
        .order_by(User.id)
    ).first()
    return Actor(user_id=user.id, login=user.login, source="demo")


def _claim(code: str, claimant: int, item: str, on: date, zone: Any, text: str) -> Claim | None:
    member = _account(claimant)
    if member is None:
        return None
    instance_id = start(member, "member_points_management", code, moment(on, 9, zone))
    evidence = upload(member, instance_id, "evidence", "佐证材料.pdf", moment(on, 9, zone))
    data = {"claimant": claimant, "item": item, "happened_on": on.isoformat(), "description": text}
    step(member, instance_id, moment(on, 10, zone), data | {"evidence": evidence})
    return Claim(instance_id, member)


@dataclass(frozen=True)
class Claim:
    instance_id: int
    member: Actor


def _confirm(code: str, claim: Claim, on: date, zone: Any, returned: bool = False) -> None:
    """The group leader's check (returned once first, if asked), the review, the confirmation."""
    leader = _group_leader(code, on)
    if returned:
        opinion = {"group_passed": False, "opinion": "请补充任务完成情况说明"}
        step_claimed(leader, claim.instance_id, moment(on + timedelta(days=1), 10, zone), opinion)
        corrected = {"withdrawn": False, "revision_note": "已补充任务完成情况和单位证明"}
        step(claim.member, claim.instance_id, moment(on + timedelta(days=2), 10, zone), corrected)
        on += timedelta(days=2)
    passed = {"group_passed": True}
    step_claimed(leader, claim.instance_id, moment(on + timedelta(days=1), 15, zone), passed)
    reviewer, secretary = holder("org_member", code, on), holder("branch_secretary", code, on)
    when = moment(on + timedelta(days=3), 10, zone)
    step(reviewer, claim.instance_id, when, {"review_passed": True})
    when = moment(on + timedelta(days=4), 10, zone)
    step(secretary, claim.instance_id, when, {"confirmed": True, "opinion": "同意加分"})


def _claims(code: str, today: date, zone: Any) -> int:
    year = today.year
    seated = set(people("committee", code, date(year, 3, 1)))
    claimants = [p for p in people("full_members", code, date(year, 3, 1)) if p not in seated]
    stories = (
        ("volunteering", date(year, 3, 12), "参加“学雷锋”井区道路清扫志愿服务", "confirmed"),
        (
            "model_post",
            date(year, 4, 9),
            "担任集输岗党员示范岗，责任区连续三个月无隐患",
            "confirmed",
        ),
        ("hard_task", date(year, 7, 16), "汛期连夜抢修进站管线，保障原油外输", "returned"),
        ("honour", today - timedelta(days=3), "获采油厂“优秀共产党员”称号", "waiting"),
    )
    started = 0
    for (item, on, text, story), claimant in zip(stories, claimants, strict=False):
        claim = _claim(code, claimant, item, on, zone, text)
        if claim is None:
            continue
        started += 1
        if story != "waiting":
            _confirm(code, claim, on, zone, returned=story == "returned")
    return started


def _publication(code: str, day: date, today: date, zone: Any) -> int:
    """The year's publication: started in January, the quarters published so far."""
    secretary = holder("branch_secretary", code, day)
    instance_id = start(secretary, "member_points_publication", code, moment(day, 9, zone))
    published = day
    for quarter in (1, 2, 3):
        due = _three_months_after(published)
        if due + timedelta(days=2) >= today:
            break
        with at_time(moment(due + timedelta(days=1), 8, zone)):
            run(commands.fire_due_timers, actor=secretary, instance_id=instance_id)
        published = due + timedelta(days=2)
        data = {
            "quarter": quarter,
            "published_on": published.isoformat(),
            "channel": "党员活动室公示栏",
        }
        step(secretary, instance_id, moment(published, 10, zone), data)
    return 1


def _three_months_after(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, min(day.day, 28))
